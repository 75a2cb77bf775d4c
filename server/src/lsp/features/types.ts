import type { BpmnAnalysis } from '../../core/analysis';
import type { LineIndex } from '../../core/xml/positions';

/** A model file as the server sees it: its text (open buffer or disk) and positions. */
export interface ModelSource {
  uri: string;
  text: string;
  index: LineIndex;
}

/** A BPMN document with its analysis, as the feature functions take it. */
export interface AnalyzedBpmn {
  uri: string;
  version: number;
  text: string;
  index: LineIndex;
  analysis: BpmnAnalysis;
  model: ModelSource | undefined;
}
