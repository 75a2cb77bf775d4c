import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BpmnDocument } from '../core/bpmn/model';
import { readBpmn } from '../core/bpmn/reader';
import { diagnosticsOf } from '../core/check';
import type { CoreDiagnostic } from '../core/diagnostics';
import type { ResourceTree } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { LineIndex } from '../core/xml/positions';
import { diskText, ProjectLoader, type BpmnSurroundings, type LoadedModel as ProjectModel } from '../node/project';
import { isBpmnFile, isModelFile } from '../node/files';
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

interface CallFacts {
  ids: string[];
  /** kept only when the file has a call activity (rules need its call sites) */
  doc?: BpmnDocument;
}

function callFactsOf(doc: BpmnDocument): CallFacts {
  const calls = doc.processes.some((p) => p.activities.some((a) => a.kind === 'callActivity'));
  return { ids: doc.processes.map((p) => p.id), ...(calls ? { doc } : {}) };
}

/**
 * The server's view of the workspace, on the project loader that the CLI uses (node/project.ts): its
 * text source puts open buffers over the files on disk. Analyses are cached per document version;
 * models, model choices and settings until a watched file or an open model changes.
 */
export class Workspace {
  folders: string[] = [];
  /** `bpmnResourceApi.model`, relative to the first workspace folder */
  modelSetting: string | undefined;
  private readonly open = new Map<string, OpenText>();
  private readonly loader = new ProjectLoader({
    source: { read: (file) => this.open.get(pathToUri(file))?.text ?? diskText.read(file) },
    cacheChoices: true,
    tolerant: true,
  });
  /** positions of each loaded model's text (the loader's model objects live until the model changes) */
  private readonly modelViews = new WeakMap<ProjectModel, LoadedModel>();
  private readonly analyzed = new Map<string, AnalyzedBpmn>();
  private bpmnFiles: string[] | undefined;
  /** BPMN files on disk as far as calls need them: their process ids, and the document when it calls (cleared when the file changes) */
  private readonly callFactsOnDisk = new Map<string, CallFacts>();
  /** told once per config problem (an unknown rule or level, a broken config file) */
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
    if (uri.endsWith('bpmn-resource-api.json') || isModelFile(uri)) this.loader.forgetChoices();
    if (isBpmnFile(uri)) {
      this.bpmnFiles = undefined;
      this.callFactsOnDisk.delete(uri);
    }
    this.analyzed.clear();
  }

  settingsChanged(): void {
    this.loader.forgetChoices();
    this.analyzed.clear();
  }

  private invalidateModel(uri: string): void {
    const file = uriToPath(uri);
    if (file) this.loader.forgetModel(file);
    this.analyzed.clear();
  }

  /** The editor's `bpmnResourceApi.model` for a BPMN file: relative to the workspace folder holding it (multi-root), else the first; ignored when it names no file. */
  private explicitModel(file: string): string | undefined {
    if (!this.modelSetting) return undefined;
    const folder = this.folders.find((f) => file.startsWith(f + path.sep)) ?? this.folders[0] ?? path.dirname(file);
    const explicit = path.resolve(folder, this.modelSetting);
    return fs.existsSync(explicit) ? explicit : undefined;
  }

  /** The model a BPMN document uses: setting, config file, or the single model beside it. */
  modelUriFor(bpmnUri: string): string | undefined {
    const file = uriToPath(bpmnUri);
    const found = file ? this.loader.locate(file, this.explicitModel(file)).file : undefined;
    return found ? pathToUri(found) : undefined;
  }

  loadModel(uri: string): LoadedModel | undefined {
    const file = uriToPath(uri);
    const m = file ? this.loader.model(file) : undefined;
    return m ? this.viewOf(m) : undefined;
  }

  private viewOf(m: ProjectModel): LoadedModel {
    let view = this.modelViews.get(m);
    if (!view) {
      view = { source: { uri: pathToUri(m.file), text: m.text, index: new LineIndex(m.text) }, model: m.model, tree: m.tree };
      this.modelViews.set(m, view);
    }
    return view;
  }

  /** The analysis of an open BPMN document (cached per version), or of a BPMN file on disk. */
  analyzeBpmn(uri: string): AnalyzedBpmn | undefined {
    const open = this.open.get(uri);
    const cached = this.analyzed.get(uri);
    if (cached && (!open || cached.version === open.version)) return cached;
    const file = uriToPath(uri);
    const text = open ? open.text : file ? diskText.read(file) : undefined;
    if (text === undefined) return undefined;
    const surroundings: BpmnSurroundings = {
      around: () => {
        const facts = this.callFacts(uri);
        return { processIds: facts.flatMap((f) => f.ids), callers: facts.flatMap((f) => (f.doc ? [f.doc] : [])) };
      },
    };
    const p = this.loader.analyze(file, text, { explicitModel: file ? this.explicitModel(file) : undefined, surroundings });
    this.tell(p.settings.problems);
    const result: AnalyzedBpmn = { uri, version: open ? open.version : -1, text, index: new LineIndex(text), analysis: p.analysis, model: p.model ? this.viewOf(p.model).source : undefined };
    this.analyzed.set(uri, result);
    return result;
  }

  private tell(problems: string[]): void {
    for (const p of problems) {
      if (this.toldProblems.has(p)) continue;
      this.toldProblems.add(p);
      this.onConfigProblem(p);
    }
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
          const text = p ? diskText.read(p) : undefined;
          facts = text !== undefined ? callFactsOf(readBpmn(text)) : { ids: [] };
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
    const file = uriToPath(uri);
    const r = file ? this.loader.modelDiagnostics(file) : undefined;
    if (!r) return undefined;
    this.tell(this.loader.settings(file!).problems);
    return { diagnostics: r.diagnostics, index: this.viewOf(r.model).source.index };
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

