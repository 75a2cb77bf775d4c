import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, resolveLink, type AnalyzeOptions, type BpmnAnalysis } from '../core/analysis';
import type { BpmnDocument } from '../core/bpmn/model';
import { readBpmn } from '../core/bpmn/reader';
import { checkModel } from '../core/check';
import type { CoreDiagnostic } from '../core/diagnostics';
import { parseRuleLevels, type RuleLevels } from '../core/ruleLevels';
import { buildResourceTree, type ResourceTree } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { readUml } from '../core/uml/reader';
import { unsupportedDeclaredEncoding } from '../core/xml/decode';
import { findConfig, findModel, isBpmnFile, loadXmlFile, UsageError, type ModelLocation } from './files';

/**
 * The one way to load a project (a BPMN file, its model, its bpmn-resource-api.json, the BPMN files it
 * calls or is called from) for the CLI, the facade and the language server alike. They differ only in
 * where text comes from (the disk, or the editor's open buffers over the disk) and in how long what was
 * read is kept (one run, or until the editor says a file changed).
 */

/** Where a file's text comes from. */
export interface TextSource {
  /** The decoded text of a file (absolute path), or undefined when there is no such file. */
  read(file: string): string | undefined;
}

/** Files on disk, decoded per their XML declaration. */
export const diskText: TextSource = {
  read(file) {
    if (!fs.existsSync(file)) return undefined;
    return loadXmlFile(file).text;
  },
};

export interface LoadedModel {
  /** absolute path */
  file: string;
  text: string;
  model: UmlModel;
  tree: ResourceTree;
}

export interface ProjectSettings {
  levels: RuleLevels;
  /** what of `rules` could not be taken (or why the config could not be read), each naming the config file */
  problems: string[];
  /** `engine.type`: the engine the process is meant for */
  engine?: string;
}

export interface LoadedProject {
  bpmnFile: string;
  text: string;
  doc: BpmnDocument;
  location: ModelLocation;
  model: LoadedModel | undefined;
  analysis: BpmnAnalysis;
  settings: ProjectSettings;
}

/** The other BPMN files of a project, as far as calls between processes need them. */
export interface BpmnSurroundings {
  /** For `file` (absolute): the process ids of every other BPMN file, and the documents of those that call. */
  around(file: string): { processIds: string[]; callers: BpmnDocument[] };
  /** A file read already in this run (as another file's neighbour), so that it is not read twice. */
  known?(file: string): { text: string; doc: BpmnDocument } | undefined;
  /** A file just loaded as a project of its own, for the files around it. */
  remember?(file: string, text: string, doc: BpmnDocument): void;
}

export interface ProjectLoaderOptions {
  /** where text comes from (default: the disk) */
  source?: TextSource;
  /**
   * Keep the model choice and the settings of each file until `forgetChoices` (the editor, which is told
   * when a config or model changes); otherwise they are read afresh for every project (a CLI run).
   */
  cacheChoices?: boolean;
  /**
   * A broken bpmn-resource-api.json or a model that is not there: the editor shows it on the file
   * (model-not-found, a config problem) and goes on; the CLI stops with a usage error.
   */
  tolerant?: boolean;
}

export class ProjectLoader {
  private readonly source: TextSource;
  private readonly models = new Map<string, LoadedModel>();
  private readonly locations = new Map<string, ModelLocation>();
  private readonly settingsByFile = new Map<string, ProjectSettings>();

  constructor(private readonly options: ProjectLoaderOptions = {}) {
    this.source = options.source ?? diskText;
  }

  /** The text of a file; a missing file is a usage error. */
  text(file: string): string {
    const text = this.source.read(path.resolve(file));
    if (text === undefined) throw new UsageError(`cannot read ${file}: ENOENT`);
    return text;
  }

  /** A model file, read and turned into its resource tree once until `forgetModel`. */
  model(file: string): LoadedModel | undefined {
    const abs = path.resolve(file);
    const cached = this.models.get(abs);
    if (cached) return cached;
    const text = this.source.read(abs);
    if (text === undefined) return undefined;
    const model = readUml(text);
    const loaded: LoadedModel = { file: abs, text, model, tree: buildResourceTree(model) };
    this.models.set(abs, loaded);
    return loaded;
  }

  /** design.md's model discovery for a BPMN file; `explicit` is --model or the editor's setting. */
  locate(bpmnFile: string, explicit?: string): ModelLocation {
    return this.choice(this.locations, `${path.resolve(bpmnFile)}\0${explicit ?? ''}`, () => findModel(bpmnFile, explicit), (e) => ({ file: undefined, how: e.message }));
  }

  /** What the bpmn-resource-api.json governing a file (BPMN or model) says for checking it. */
  settings(file: string): ProjectSettings {
    const abs = path.resolve(file);
    // A broken config: the rules keep their defaults.
    return this.choice(this.settingsByFile, abs, () => projectSettings(abs), (e) => ({ levels: new Map(), problems: [e.message] }));
  }

  /** A choice read from the config files: kept with cacheChoices; a usage error becomes `broken(e)` when tolerant. */
  private choice<T>(cache: Map<string, T>, key: string, read: () => T, broken: (e: UsageError) => T): T {
    const cached = cache.get(key);
    if (cached) return cached;
    let value: T;
    try {
      value = read();
    } catch (e) {
      if (!this.options.tolerant || !(e instanceof UsageError)) throw e;
      value = broken(e);
    }
    if (this.options.cacheChoices) cache.set(key, value);
    return value;
  }

  /**
   * Analyses a BPMN text: with its model, the project's rule levels and engine, and (only when this file
   * calls out of itself or its process is linked to a child resource) the processes around it.
   * `bpmnFile` is undefined for a document that is no file (an editor's untitled buffer).
   */
  analyze(bpmnFile: string | undefined, text: string, o: { explicitModel?: string; engine?: string; surroundings?: BpmnSurroundings; doc?: BpmnDocument } = {}): LoadedProject {
    const doc = o.doc ?? readBpmn(text);
    const settings: ProjectSettings = bpmnFile ? this.settings(bpmnFile) : { levels: new Map(), problems: [] };
    const location: ModelLocation = bpmnFile ? this.locate(bpmnFile, o.explicitModel) : { file: undefined, how: 'the document is not a file' };
    const model = location.file ? this.model(location.file) : undefined;
    const options: AnalyzeOptions = {
      modelLabel: model ? path.basename(model.file) : undefined,
      tree: model?.tree,
      engine: o.engine ?? settings.engine,
      ruleLevels: settings.levels,
      unsupportedEncoding: unsupportedDeclaredEncoding(text),
    };
    // Other files matter only when this one calls out of itself, or its process is linked to a child
    // resource (then a caller elsewhere makes it legitimate): the common case reads nothing more.
    if (bpmnFile && o.surroundings && needsSurroundings(doc, model)) {
      const { processIds, callers } = o.surroundings.around(path.resolve(bpmnFile));
      options.knownProcessIds = new Set([...doc.processes.map((p) => p.id), ...processIds]);
      if (callers.length) options.workspace = [doc, ...callers];
    }
    const analysis = analyze(doc, model?.model, options);
    return { bpmnFile: bpmnFile ?? '', text, doc, location, model, analysis, settings };
  }

  /** The model rules on a model file, at the project's levels. */
  modelDiagnostics(file: string): { model: LoadedModel; diagnostics: CoreDiagnostic[] } | undefined {
    const model = this.model(file);
    if (!model) return undefined;
    const diagnostics = checkModel(model.model, model.tree, { levels: this.settings(file).levels, unsupportedEncoding: unsupportedDeclaredEncoding(model.text) });
    return { model, diagnostics };
  }

  /** A model file changed (on disk or in the editor). */
  forgetModel(file: string): void {
    this.models.delete(path.resolve(file));
  }

  /** A config or model file appeared, changed or went: which model a BPMN file uses may differ now. */
  forgetChoices(): void {
    this.locations.clear();
    this.settingsByFile.clear();
  }
}

/** Decided before analysing, so that each file is analysed once: a call out of the file, or a process linked to a child resource (as analyze resolves it: its first link that names a class). */
function needsSurroundings(doc: BpmnDocument, model: LoadedModel | undefined): boolean {
  const local = new Set(doc.processes.map((p) => p.id));
  if (doc.processes.some((p) => p.activities.some((a) => a.calledElement !== undefined && !local.has(a.calledElement)))) return true;
  if (!model || model.model.unreadable) return false;
  return doc.processes.some((p) => Boolean(p.links.map((l) => resolveLink(model.tree, model.model, l.name)).find((r) => r !== undefined)?.parent));
}

/** The CLI's and the facade's loader: files on disk, each model read once per run. */
const disk = new ProjectLoader();

/** `engine`: the engine the process is meant for (engine-specific checks); else the config's `engine.type`. */
export function loadProject(bpmnFile: string, explicitModel?: string, surroundings?: BpmnSurroundings, engine?: string): LoadedProject {
  const known = surroundings?.known?.(path.resolve(bpmnFile));
  const p = disk.analyze(bpmnFile, known?.text ?? disk.text(bpmnFile), { explicitModel, engine, surroundings, doc: known?.doc });
  surroundings?.remember?.(path.resolve(bpmnFile), p.text, p.doc);
  return p;
}

export function loadModel(file: string): LoadedModel {
  const m = disk.model(file);
  if (!m) throw new UsageError(`cannot read ${file}: ENOENT`);
  return m;
}

export function modelDiagnostics(file: string): CoreDiagnostic[] {
  return disk.modelDiagnostics(file)?.diagnostics ?? [];
}

/**
 * The BPMN files around one on disk: those given together, and those in the same folder (a callActivity
 * may call their processes). Each is read once per run.
 */
export class BpmnNeighbours implements BpmnSurroundings {
  private readonly byFile = new Map<string, { text: string; doc: BpmnDocument } | undefined>();

  constructor(private readonly files: string[]) {}

  known(file: string): { text: string; doc: BpmnDocument } | undefined {
    return this.byFile.get(file);
  }

  remember(file: string, text: string, doc: BpmnDocument): void {
    this.byFile.set(file, { text, doc });
  }

  around(file: string): { processIds: string[]; callers: BpmnDocument[] } {
    const dir = path.dirname(file);
    const siblings = fs.readdirSync(dir).filter(isBpmnFile).map((f) => path.join(dir, f));
    const processIds: string[] = [];
    const callers: BpmnDocument[] = [];
    for (const f of new Set([...this.files.map((x) => path.resolve(x)), ...siblings])) {
      if (f === file) continue;
      const d = this.read(f)?.doc;
      if (!d) continue;
      processIds.push(...d.processes.map((p) => p.id));
      if (d.processes.some((p) => p.activities.some((a) => a.kind === 'callActivity'))) callers.push(d);
    }
    return { processIds, callers };
  }

  private read(file: string): { text: string; doc: BpmnDocument } | undefined {
    if (!this.byFile.has(file)) {
      let read: { text: string; doc: BpmnDocument } | undefined;
      try {
        const text = loadXmlFile(file).text;
        read = { text, doc: readBpmn(text) };
      } catch {
        read = undefined; // an unreadable neighbour defines nothing; its own check reports it
      }
      this.byFile.set(file, read);
    }
    return this.byFile.get(file);
  }
}

export function requireModel(p: LoadedProject): LoadedModel {
  if (!p.model) throw new UsageError(`${p.bpmnFile}: no resource model (${p.location.how}); pass --model FILE`);
  if (p.model.model.unreadable) throw new UsageError(`${p.model.file}: ${p.model.model.unreadable}`);
  return p.model;
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
