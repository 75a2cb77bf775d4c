import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, type BpmnAnalysis } from '../core/analysis';
import type { BpmnDocument } from '../core/bpmn/model';
import { readBpmn } from '../core/bpmn/reader';
import { buildResourceTree, type ResourceTree } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { readUml } from '../core/uml/reader';
import { findModel, isBpmnFile, loadXmlFile, UsageError, type ModelLocation } from './files';

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

export function loadProject(bpmnFile: string, explicitModel?: string, around?: ProcessIdsAround): LoadedProject {
  const { text, unsupportedEncoding } = loadXmlFile(bpmnFile);
  const doc = readBpmn(text);
  const location = findModel(bpmnFile, explicitModel);
  const model = location.file ? loadModel(location.file) : undefined;
  const knownProcessIds = around && callsOutside(doc) ? around.idsFor(bpmnFile) : undefined;
  const analysis = analyze(doc, model?.model, { modelLabel: model ? path.basename(model.file) : undefined, tree: model?.tree, knownProcessIds });
  return { bpmnFile, text, unsupportedEncoding, doc, location, model, analysis };
}

/** Does a call activity call a process that this file does not define? */
function callsOutside(doc: BpmnDocument): boolean {
  const local = new Set(doc.processes.map((p) => p.id));
  return doc.processes.some((p) => p.activities.some((a) => a.calledElement !== undefined && !a.calledElement.includes('{') && !local.has(a.calledElement)));
}

/**
 * The processes a callActivity may call: those of the files given together, and of the BPMN files in
 * the same folder. Read only when some call leaves its file.
 */
export class ProcessIdsAround {
  private readonly byFile = new Map<string, string[]>();

  constructor(private readonly files: string[]) {}

  idsFor(file: string): Set<string> {
    const ids = new Set<string>();
    const dir = path.dirname(path.resolve(file));
    const siblings = fs.readdirSync(dir).filter(isBpmnFile).map((f) => path.join(dir, f));
    for (const f of new Set([...this.files.map((x) => path.resolve(x)), ...siblings])) for (const id of this.read(f)) ids.add(id);
    return ids;
  }

  private read(file: string): string[] {
    let ids = this.byFile.get(file);
    if (!ids) {
      try {
        ids = readBpmn(loadXmlFile(file).text).processes.map((p) => p.id);
      } catch {
        ids = []; // unreadable neighbours define nothing; their own check reports them
      }
      this.byFile.set(file, ids);
    }
    return ids;
  }
}

export function requireModel(p: LoadedProject): LoadedModel {
  if (!p.model) throw new UsageError(`${p.bpmnFile}: no resource model (${p.location.how}); pass --model FILE`);
  if (p.model.model.unreadable) throw new UsageError(`${p.model.file}: ${p.model.model.unreadable}`);
  return p.model;
}
