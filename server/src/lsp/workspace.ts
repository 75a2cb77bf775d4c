import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analyze } from '../core/analysis';
import type { BpmnDocument } from '../core/bpmn/model';
import { readBpmn } from '../core/bpmn/reader';
import { checkModel, diagnosticsOf } from '../core/check';
import type { CoreDiagnostic } from '../core/diagnostics';
import { buildResourceTree, type ResourceTree } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { readUml } from '../core/uml/reader';
import { LineIndex } from '../core/xml/positions';
import { decodeXml, unsupportedDeclaredEncoding } from '../core/xml/decode';
import { projectSettings, type ProjectSettings } from '../node/project';
import { findModel, isBpmnFile, isModelFile } from '../node/files';
import type { AnalyzedBpmn, ModelSource } from './features/types';

export interface OpenText {
  uri: string;
  version: number;
  text: string;
}

interface LoadedModel {
  source: ModelSource;
  model: UmlModel;
  tree: ResourceTree;
}

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).toString();
}

/**
 * The server's view of the workspace: open buffers win over files on disk; models and the model each
 * BPMN file uses are cached and dropped when a watched file or an open model changes.
 */
interface CallFacts {
  ids: string[];
  /** kept only when the file has a call activity (rules need its call sites) */
  doc?: BpmnDocument;
}

function callFactsOf(doc: BpmnDocument): CallFacts {
  const calls = doc.processes.some((p) => p.activities.some((a) => a.kind === 'callActivity'));
  return { ids: doc.processes.map((p) => p.id), ...(calls ? { doc } : {}) };
}

export class Workspace {
  folders: string[] = [];
  /** `bpmnResourceApi.model`, relative to the first workspace folder */
  modelSetting: string | undefined;
  private readonly open = new Map<string, OpenText>();
  private readonly models = new Map<string, LoadedModel>();
  private readonly modelFor = new Map<string, string | undefined>();
  private readonly analyzed = new Map<string, AnalyzedBpmn>();
  private bpmnFiles: string[] | undefined;
  /** BPMN files on disk as far as calls need them: their process ids, and the document when it calls (cleared when the file changes) */
  private readonly callFactsOnDisk = new Map<string, CallFacts>();
  /** bpmn-resource-api.json's `rules` and `engine.type` for a file, by URI (cleared with the model choice) */
  private readonly configs = new Map<string, ProjectSettings>();
  /** told once per config problem (an unknown rule or level) */
  onConfigProblem: (message: string) => void = () => undefined;
  private readonly toldProblems = new Set<string>();

  setOpen(doc: OpenText): void {
    this.open.set(doc.uri, doc);
    this.analyzed.delete(doc.uri);
    if (isModelFile(doc.uri)) this.invalidateModel(doc.uri);
  }

  close(uri: string): void {
    this.open.delete(uri);
    this.analyzed.delete(uri);
    if (isModelFile(uri)) this.invalidateModel(uri);
  }

  isOpen(uri: string): boolean {
    return this.open.has(uri);
  }

  openBpmnUris(): string[] {
    return [...this.open.keys()].filter((u) => isBpmnFile(u));
  }

  openModelUris(): string[] {
    return [...this.open.keys()].filter((u) => isModelFile(u));
  }

  /** A watched file changed on disk (model, config or BPMN). */
  fileChanged(uri: string): void {
    if (isModelFile(uri)) this.invalidateModel(uri);
    if (uri.endsWith('bpmn-resource-api.json') || isModelFile(uri)) {
      this.modelFor.clear();
      this.configs.clear();
    }
    if (isBpmnFile(uri)) {
      this.bpmnFiles = undefined;
      this.callFactsOnDisk.delete(uri);
    }
    this.analyzed.clear();
  }

  settingsChanged(): void {
    this.modelFor.clear();
    this.configs.clear();
    this.analyzed.clear();
  }

  private invalidateModel(uri: string): void {
    this.models.delete(uri);
    this.analyzed.clear();
  }

  /** The model a BPMN document uses: setting, config file, or the single model beside it. */
  modelUriFor(bpmnUri: string): string | undefined {
    if (this.modelFor.has(bpmnUri)) return this.modelFor.get(bpmnUri);
    let result: string | undefined;
    const file = uriToPath(bpmnUri);
    if (file) {
      try {
        // Relative to the workspace folder holding this file (multi-root workspaces), else the first one.
        const folder = this.folders.find((f) => file.startsWith(f + path.sep)) ?? this.folders[0] ?? path.dirname(file);
        const explicit = this.modelSetting ? path.resolve(folder, this.modelSetting) : undefined;
        const loc = findModel(file, explicit && fs.existsSync(explicit) ? explicit : undefined);
        result = loc.file ? pathToUri(loc.file) : undefined;
      } catch {
        result = undefined; // a broken config file: reported as model-not-found on the BPMN file
      }
    }
    this.modelFor.set(bpmnUri, result);
    return result;
  }

  loadModel(uri: string): LoadedModel | undefined {
    const cached = this.models.get(uri);
    if (cached) return cached;
    let text: string;
    const open = this.open.get(uri);
    if (open) text = open.text;
    else {
      const p = uriToPath(uri);
      if (!p || !fs.existsSync(p)) return undefined;
      text = decodeXml(fs.readFileSync(p)).text;
    }
    const model = readUml(text);
    const loaded = { source: { uri, text, index: new LineIndex(text) }, model, tree: buildResourceTree(model) };
    this.models.set(uri, loaded);
    return loaded;
  }

  /** The analysis of an open BPMN document (cached per version), or of a BPMN file on disk. */
  analyzeBpmn(uri: string): AnalyzedBpmn | undefined {
    const open = this.open.get(uri);
    const cached = this.analyzed.get(uri);
    if (cached && (!open || cached.version === open.version)) return cached;
    let text: string;
    let version = -1;
    if (open) {
      text = open.text;
      version = open.version;
    } else {
      const p = uriToPath(uri);
      if (!p || !fs.existsSync(p)) return undefined;
      text = decodeXml(fs.readFileSync(p)).text;
    }
    const modelUri = this.modelUriFor(uri);
    const loaded = modelUri ? this.loadModel(modelUri) : undefined;
    const doc = readBpmn(text);
    const config = this.configFor(uri);
    const options = { modelLabel: modelUri ? path.basename(uriToPath(modelUri) ?? modelUri) : undefined, tree: loaded?.tree, ruleLevels: config.levels, engine: config.engine, unsupportedEncoding: unsupportedDeclaredEncoding(text) };
    let analysis = analyze(doc, loaded?.model, options);
    // Other files matter only when this one calls out of itself, or its process is linked to a child
    // resource (then a caller elsewhere makes it legitimate): the common case reads nothing more.
    const called = [...analysis.processResource.values()].some((r) => r.parent);
    if (called || this.callsOutside(doc)) {
      const around = this.callFacts(uri);
      const callers = around.flatMap((f) => (f.doc ? [f.doc] : []));
      analysis = analyze(doc, loaded?.model, {
        ...options,
        knownProcessIds: new Set([...doc.processes.map((p) => p.id), ...around.flatMap((f) => f.ids)]),
        workspace: callers.length ? [doc, ...callers] : undefined,
      });
    }
    const result: AnalyzedBpmn = { uri, version, text, index: new LineIndex(text), analysis, model: loaded?.source };
    this.analyzed.set(uri, result);
    return result;
  }

  private callsOutside(doc: BpmnDocument): boolean {
    const local = new Set(doc.processes.map((p) => p.id));
    return doc.processes.some((p) => p.activities.some((a) => a.calledElement !== undefined && !local.has(a.calledElement)));
  }

  /** Process ids and calling documents of every other BPMN file of the workspace (open buffers over disk). */
  private callFacts(self: string): CallFacts[] {
    const out: CallFacts[] = [];
    for (const uri of this.allBpmnUris()) {
      if (uri === self) continue;
      const open = this.open.get(uri);
      if (open) {
        // An open buffer's analysis of this version is cached already: its document serves.
        const cached = this.analyzed.get(uri);
        out.push(callFactsOf(cached && cached.version === open.version ? cached.analysis.doc : readBpmn(open.text)));
        continue;
      }
      let facts = this.callFactsOnDisk.get(uri);
      if (!facts) {
        const p = uriToPath(uri);
        try {
          facts = p ? callFactsOf(readBpmn(decodeXml(fs.readFileSync(p)).text)) : { ids: [] };
        } catch {
          facts = { ids: [] }; // unreadable: defines nothing
        }
        this.callFactsOnDisk.set(uri, facts);
      }
      out.push(facts);
    }
    return out;
  }

  bpmnDiagnostics(a: AnalyzedBpmn): CoreDiagnostic[] {
    return diagnosticsOf(a.analysis);
  }

  modelDiagnostics(uri: string): { diagnostics: CoreDiagnostic[]; index: LineIndex } | undefined {
    const m = this.loadModel(uri);
    if (!m) return undefined;
    const diagnostics = checkModel(m.model, m.tree, { levels: this.configFor(uri).levels, unsupportedEncoding: unsupportedDeclaredEncoding(m.source.text) });
    return { diagnostics, index: m.source.index };
  }

  /** The project settings governing a file: rule levels and the engine (bpmn-resource-api.json), as the CLI reads them. */
  private configFor(uri: string): ProjectSettings {
    const cached = this.configs.get(uri);
    if (cached) return cached;
    const file = uriToPath(uri);
    let result: ProjectSettings = { levels: new Map(), problems: [] };
    if (file) {
      try {
        result = projectSettings(file);
        for (const p of result.problems) {
          if (this.toldProblems.has(p)) continue;
          this.toldProblems.add(p);
          this.onConfigProblem(p);
        }
      } catch (e) {
        // A broken bpmn-resource-api.json: the model lookup reports it; the rules keep their defaults.
        this.onConfigProblem((e as Error).message);
      }
    }
    this.configs.set(uri, result);
    return result;
  }


  /** Every model file of the workspace folders, for the model-not-found quick fix. */
  allModelUris(): string[] {
    return this.walk(isModelFile, 200);
  }

  /** The folders holding models and BPMN files now (walked afresh: the cached file list is left as it is). */
  foldersWithFiles(): string[] {
    const dirs = new Set<string>();
    for (const u of [...this.walk(isModelFile, 200), ...this.walk(isBpmnFile, 5000)]) {
      const p = uriToPath(u);
      if (p) dirs.add(path.dirname(p));
    }
    return [...dirs];
  }

  /** Every BPMN file of the workspace folders (and the open ones), for references and rename. */
  allBpmnUris(): string[] {
    if (!this.bpmnFiles) this.bpmnFiles = this.walk(isBpmnFile, 5000);
    return [...new Set([...this.bpmnFiles, ...this.openBpmnUris()])];
  }

  /** Files of the workspace folders whose name matches (skipping node_modules and dot folders). */
  private walk(match: (name: string) => boolean, limit: number): string[] {
    const found: string[] = [];
    const visit = (dir: string, depth: number) => {
      if (depth > 12 || found.length >= limit) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // unreadable folder: skip it
      }
      for (const e of entries) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) visit(p, depth + 1);
        else if (match(e.name)) found.push(pathToUri(p));
      }
    };
    for (const f of this.folders) visit(f, 0);
    return found;
  }
}

