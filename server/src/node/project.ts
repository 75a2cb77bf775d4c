import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, type BpmnAnalysis } from '../core/analysis';
import type { BpmnDocument } from '../core/bpmn/model';
import { readBpmn } from '../core/bpmn/reader';
import { buildResourceTree, type ResourceTree } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { readUml } from '../core/uml/reader';
import { parseRuleLevels, type RuleLevels } from '../core/ruleLevels';
import { findConfig, findModel, isBpmnFile, loadXmlFile, UsageError, type ModelLocation } from './files';

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
  /** what of bpmn-resource-api.json's `rules` could not be taken */
  configProblems: string[];
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

/** `engine`: the engine the process is meant for (engine-specific checks); else the config's `engine.type`. */
export function loadProject(bpmnFile: string, explicitModel?: string, around?: BpmnNeighbours, engine?: string): LoadedProject {
  const { text, unsupportedEncoding } = loadXmlFile(bpmnFile);
  const doc = readBpmn(text);
  const settings = projectSettings(bpmnFile);
  const location = findModel(bpmnFile, explicitModel);
  const model = location.file ? loadModel(location.file) : undefined;
  // Other BPMN files matter: this one may call their processes, or be called by them (a process linked to a child resource).
  around?.remember(bpmnFile, doc);
  const neighbours = around?.docsFor(bpmnFile);
  const knownProcessIds = neighbours ? new Set([...neighbours.values()].flatMap((d) => d.processes.map((p) => p.id))) : undefined;
  const workspace = neighbours ? [...neighbours.entries()].filter(([f]) => f !== path.resolve(bpmnFile)).map(([, d]) => d) : undefined;
  const analysis = analyze(doc, model?.model, { modelLabel: model ? path.basename(model.file) : undefined, tree: model?.tree, knownProcessIds, workspace: workspace?.length ? [doc, ...workspace] : undefined, engine: engine ?? settings.engine, ruleLevels: settings.levels, unsupportedEncoding: unsupportedEncoding ? { name: unsupportedEncoding, span: { start: 0, end: 5 } } : undefined });
  return { bpmnFile, text, unsupportedEncoding, doc, location, model, analysis, configProblems: settings.problems };
}

/**
 * The BPMN files around one: those given together, and those in the same folder (a callActivity may
 * call their processes). Each is read once per run.
 */
export class BpmnNeighbours {
  private readonly byFile = new Map<string, BpmnDocument | undefined>();

  constructor(private readonly files: string[]) {}

  /** A file the caller has read already: it is not read again. */
  remember(file: string, doc: BpmnDocument): void {
    this.byFile.set(path.resolve(file), doc);
  }

  /** The BPMN documents given together with `file` and those in its folder, by absolute path. */
  docsFor(file: string): Map<string, BpmnDocument> {
    const out = new Map<string, BpmnDocument>();
    const dir = path.dirname(path.resolve(file));
    const siblings = fs.readdirSync(dir).filter(isBpmnFile).map((f) => path.join(dir, f));
    for (const f of new Set([...this.files.map((x) => path.resolve(x)), ...siblings])) {
      const d = this.read(f);
      if (d) out.set(f, d);
    }
    return out;
  }

  private read(file: string): BpmnDocument | undefined {
    if (!this.byFile.has(file)) {
      let doc: BpmnDocument | undefined;
      try {
        doc = readBpmn(loadXmlFile(file).text);
      } catch {
        doc = undefined; // an unreadable neighbour defines nothing; its own check reports it
      }
      this.byFile.set(file, doc);
    }
    return this.byFile.get(file);
  }
}

export function requireModel(p: LoadedProject): LoadedModel {
  if (!p.model) throw new UsageError(`${p.bpmnFile}: no resource model (${p.location.how}); pass --model FILE`);
  if (p.model.model.unreadable) throw new UsageError(`${p.model.file}: ${p.model.model.unreadable}`);
  return p.model;
}

export interface ProjectSettings {
  levels: RuleLevels;
  /** what of `rules` could not be taken, each naming the config file */
  problems: string[];
  /** `engine.type`: the engine the process is meant for */
  engine?: string;
}

/** What the bpmn-resource-api.json governing a file (BPMN or model) says for checking it: one read of the file. */
export function projectSettings(file: string): ProjectSettings {
  const config = findConfig(file);
  const parsed = parseRuleLevels(config?.rules);
  const engine = config?.engine;
  return {
    levels: parsed.levels,
    problems: parsed.problems.map((p) => `${config!.file}: ${p}`),
    ...(engine && typeof engine.type === 'string' ? { engine: engine.type } : {}),
  };
}
