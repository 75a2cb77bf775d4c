import * as path from 'node:path';
import { analyze, type BpmnAnalysis } from '../core/analysis';
import type { BpmnDocument } from '../core/bpmn/model';
import { readBpmn } from '../core/bpmn/reader';
import { buildResourceTree, type ResourceTree } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { readUml } from '../core/uml/reader';
import { findModel, loadXmlFile, UsageError, type ModelLocation } from './files';

export interface LoadedModel {
  file: string;
  text: string;
  model: UmlModel;
  tree: ResourceTree;
  unsupportedEncoding?: string;
}

export interface LoadedProject {
  bpmnFile: string;
  text: string;
  unsupportedEncoding?: string;
  doc: BpmnDocument;
  location: ModelLocation;
  model: LoadedModel | undefined;
  analysis: BpmnAnalysis;
}

const modelCache = new Map<string, LoadedModel>();

export function loadModel(file: string): LoadedModel {
  const abs = path.resolve(file);
  const cached = modelCache.get(abs);
  if (cached) return cached;
  const { text, unsupportedEncoding } = loadXmlFile(abs);
  const model = readUml(text);
  const loaded: LoadedModel = { file: abs, text, model, tree: buildResourceTree(model), unsupportedEncoding };
  modelCache.set(abs, loaded);
  return loaded;
}

export function loadProject(bpmnFile: string, explicitModel?: string): LoadedProject {
  const { text, unsupportedEncoding } = loadXmlFile(bpmnFile);
  const doc = readBpmn(text);
  const location = findModel(bpmnFile, explicitModel);
  const model = location.file ? loadModel(location.file) : undefined;
  const analysis = analyze(doc, model?.model, { modelLabel: model ? path.basename(model.file) : undefined, tree: model?.tree });
  return { bpmnFile, text, unsupportedEncoding, doc, location, model, analysis };
}

export function requireModel(p: LoadedProject): LoadedModel {
  if (!p.model) throw new UsageError(`${p.bpmnFile}: no resource model (${p.location.how}); pass --model FILE`);
  if (p.model.model.unreadable) throw new UsageError(`${p.model.file}: ${p.model.model.unreadable}`);
  return p.model;
}
