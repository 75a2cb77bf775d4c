/**
 * What the language server's handlers share: the connection, the open documents, the workspace, the
 * settings, and the helpers every request needs (guarding, scheduling checks, finding the document or
 * class a request is about). One object, so that each handler is a named function of (context, params).
 */
import {
  MessageType,
  ResponseError,
  ShowMessageNotification,
  TextDocuments,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, isBpmnFile, isModelFile } from '../node/files';
import type { ModelConfigFix } from './features/codeActions';
import { toLspDiagnostics } from './features/diagnostics';
import { classAt, classOfLinkAt } from './features/navigation';
import type { AnalyzedBpmn } from './features/types';
import { ClientUris, canonicalUri } from './uris';
import { Workspace, pathToUri, uriToPath } from './workspace';

export interface Settings {
  model?: string;
  codeLens?: { enabled?: boolean };
}

/** The code lens command that any client can run: the server answers it (executeCommandProvider). */
export const SERVER_SHOW_ROUTES = 'bpmnResourceApi.lsp.showRoutes';
export const CLIENT_SHOW_ROUTES = 'bpmnResourceApi.showRoutes';
/** how long a file the server watches itself must be quiet before it is read again */
const SETTLE_MS = 100;

export class ServerContext {
  readonly documents = new TextDocuments(TextDocument);
  readonly ws = new Workspace();
  readonly uris = new ClientUris();
  settings: Settings = {};
  canPullConfiguration = false;
  canRegisterWatchers = false;
  /** from the initialization options only: pulled settings replace `settings` and must not drop it */
  clientCommands: string[] = [];
  readonly watchers: fs.FSWatcher[] = [];
  private readonly pending = new Map<string, NodeJS.Immediate>();
  /** runs one file's check, guarded (see validateNow) */
  readonly validate: (uri: string) => void;

  constructor(readonly connection: Connection) {
    this.ws.onConfigProblem = (message) => void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
    this.validate = this.guard('validate', undefined, (uri: string) => this.validateNow(uri));
  }

  log(msg: string): void {
    this.connection.console.log(msg);
  }

  /** An exception is logged and answered with `fallback`, so no input can take the server down. */
  guard<P extends unknown[], R>(name: string, fallback: R, fn: (...args: P) => R): (...args: P) => R {
    return (...args: P) => {
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof ResponseError) throw e; // a deliberate answer, e.g. a refused rename
        this.connection.console.error(`${name} failed: ${(e as Error).stack ?? e}`);
        return fallback;
      }
    };
  }

  private validateNow(uri: string): void {
    if (!this.ws.isOpen(uri)) return;
    if (isModelFile(uri)) {
      const r = this.ws.modelDiagnostics(uri);
      if (r) void this.connection.sendDiagnostics({ uri: this.uris.toClient(uri), diagnostics: toLspDiagnostics(r.diagnostics, r.index) });
      return;
    }
    const a = this.ws.analyzeBpmn(uri);
    if (!a) return;
    void this.connection.sendDiagnostics({ uri: this.uris.toClient(uri), version: a.version, diagnostics: toLspDiagnostics(this.ws.bpmnDiagnostics(a), a.index) });
  }

  /** Coalesces bursts of edits: the check runs once the current burst of messages is handled (no timer). */
  schedule(uri: string): void {
    const prev = this.pending.get(uri);
    if (prev) clearImmediate(prev);
    this.pending.set(
      uri,
      setImmediate(() => {
        this.pending.delete(uri);
        this.validate(uri);
      }),
    );
  }

  revalidateAll(): void {
    for (const uri of [...this.ws.openModelUris(), ...this.ws.openBpmnUris()]) this.schedule(uri);
  }

  async refreshSettings(): Promise<void> {
    try {
      const s = (await this.connection.workspace.getConfiguration('bpmnResourceApi')) as Settings | null;
      if (s) this.settings = s;
    } catch {
      // a client without workspace/configuration: keep the initialization options
    }
    this.applySettings(this.settings);
  }

  applySettings(s: Settings): void {
    this.settings = s;
    this.ws.modelSetting = s.model || undefined;
    this.ws.settingsChanged();
    this.revalidateAll();
  }

  /** Requests name documents in the client's spelling; the workspace keys them canonically. */
  bpmnAt(clientUri: string): AnalyzedBpmn | undefined {
    const uri = canonicalUri(clientUri);
    return isBpmnFile(uri) ? this.ws.analyzeBpmn(uri) : undefined;
  }

  workspaceDocs(): AnalyzedBpmn[] {
    return this.ws
      .allBpmnUris()
      .map((u) => this.ws.analyzeBpmn(u))
      .filter((x): x is AnalyzedBpmn => !!x);
  }

  /** The class under the cursor, in a model file or behind a link in a BPMN file, with its model. */
  classTarget(clientUri: string, pos: { line: number; character: number }) {
    const uri = canonicalUri(clientUri);
    if (isModelFile(uri)) {
      const m = this.ws.loadModel(uri);
      if (!m) return undefined;
      const cls = classAt(m.model, m.source.index.offset(pos));
      return cls ? { cls, model: m } : undefined;
    }
    const a = this.bpmnAt(uri);
    if (!a || !a.model) return undefined;
    const cls = classOfLinkAt(a, a.index.offset(pos));
    const m = this.ws.loadModel(a.model.uri);
    return cls && m ? { cls, model: m } : undefined;
  }

  /** Offers each model of the workspace, to be named in a bpmn-resource-api.json next to the BPMN file. */
  modelConfigFixes(bpmnUri: string): ModelConfigFix[] {
    const file = uriToPath(bpmnUri);
    if (!file) return [];
    const dir = path.dirname(file);
    const config = path.join(dir, CONFIG_FILE);
    if (fs.existsSync(config)) return [];
    return this.ws
      .allModelUris()
      .slice(0, 5)
      .map((u) => {
        const rel = path.relative(dir, uriToPath(u)!).split(path.sep).join('/');
        return { label: rel, relativePath: rel, configUri: pathToUri(config), configLabel: CONFIG_FILE };
      });
  }

  /**
   * For clients that do not watch files for us (Neovim's built-in client by default): the folders that
   * hold models, BPMN files and the workspace roots, watched with fs.watch (not recursive: a workspace
   * with node_modules would cost thousands of watches). A model created in a new folder is seen once
   * the client sends didChangeWatchedFiles or the server restarts.
   */
  watchFilesOurselves(): void {
    const settling = new Map<string, NodeJS.Timeout>();
    const dirs = new Set<string>([...this.ws.folders, ...this.ws.foldersWithFiles()]);
    for (const dir of [...dirs].slice(0, 100)) {
      try {
        const w = fs.watch(dir, (_event, name) => {
          if (!name) return;
          const file = path.join(dir, name.toString());
          if (!isModelFile(file) && !isBpmnFile(file) && path.basename(file) !== CONFIG_FILE) return;
          // A save is several events (truncate, write, rename): act once the file has been quiet a moment,
          // so a half-written model is never read.
          clearTimeout(settling.get(file));
          settling.set(
            file,
            setTimeout(() => {
              settling.delete(file);
              this.ws.fileChanged(pathToUri(file));
              this.revalidateAll();
            }, SETTLE_MS).unref(),
          );
        });
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch (e) {
        this.log(`cannot watch ${dir}: ${(e as Error).message}`);
      }
    }
  }
}
