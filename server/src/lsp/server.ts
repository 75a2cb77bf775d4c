import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, isBpmnFile, isModelFile } from '../node/files';
import { codeActions, type ModelConfigFix } from './features/codeActions';
import { codeLenses } from './features/codeLens';
import { documentSymbols, workspaceSymbols } from './features/symbols';
import { completions } from './features/completion';
import { toLspDiagnostics } from './features/diagnostics';
import { hover } from './features/hover';
import { classAt, classOfLinkAt, definition, linksToClass, renameClass } from './features/navigation';
import type { AnalyzedBpmn } from './features/types';
import { Workspace, pathToUri, uriToPath } from './workspace';

interface Settings {
  model?: string;
  codeLens?: { enabled?: boolean };
}

/**
 * The language server: wires protocol handlers to the pure feature functions. Every handler is guarded:
 * an exception is logged and answered with an empty result, so no input can take the server down.
 */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  const ws = new Workspace();
  let settings: Settings = {};
  let canPullConfiguration = false;
  const pending = new Map<string, NodeJS.Immediate>();

  const log = (msg: string) => connection.console.log(msg);
  function guard<P extends unknown[], R>(name: string, fallback: R, fn: (...args: P) => R): (...args: P) => R {
    return (...args: P) => {
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof ResponseError) throw e; // a deliberate answer, e.g. a refused rename
        connection.console.error(`${name} failed: ${(e as Error).stack ?? e}`);
        return fallback;
      }
    };
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    ws.folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (ws.folders.length === 0 && params.rootUri) {
      const p = uriToPath(params.rootUri);
      if (p) ws.folders.push(p);
    }
    canPullConfiguration = !!params.capabilities.workspace?.configuration;
    const init = params.initializationOptions as Settings | undefined;
    if (init) settings = init;
    ws.modelSetting = settings.model || undefined;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['"', "'", '<'] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: { label: 'BPMN processes' },
        workspaceSymbolProvider: true,
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'bpmn-resource-api' },
    };
  });

  connection.onInitialized(async () => {
    if (canPullConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
      await refreshSettings();
    }
    log(`bpmn-resource-api language server ready (folders: ${ws.folders.join(', ') || 'none'})`);
  });

  async function refreshSettings(): Promise<void> {
    try {
      const s = (await connection.workspace.getConfiguration('bpmnResourceApi')) as Settings | null;
      if (s) settings = s;
    } catch {
      // a client without workspace/configuration: keep the initialization options
    }
    ws.modelSetting = settings.model || undefined;
    ws.settingsChanged();
    revalidateAll();
  }

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { bpmnResourceApi?: Settings } | undefined)?.bpmnResourceApi;
    if (s) {
      settings = s;
      ws.modelSetting = s.model || undefined;
      ws.settingsChanged();
      revalidateAll();
    } else void refreshSettings();
  });

  const validate = guard('validate', undefined, (uri: string) => {
    if (!ws.isOpen(uri)) return;
    if (isModelFile(uri)) {
      const r = ws.modelDiagnostics(uri);
      if (r) void connection.sendDiagnostics({ uri, diagnostics: toLspDiagnostics(r.diagnostics, r.index) });
      return;
    }
    const a = ws.analyzeBpmn(uri);
    if (!a) return;
    void connection.sendDiagnostics({ uri, version: a.version, diagnostics: toLspDiagnostics(ws.bpmnDiagnostics(a), a.index) });
  });

  /** Coalesces bursts of edits: the check runs once the current burst of messages is handled (no timer). */
  function schedule(uri: string): void {
    const prev = pending.get(uri);
    if (prev) clearImmediate(prev);
    pending.set(
      uri,
      setImmediate(() => {
        pending.delete(uri);
        validate(uri);
      }),
    );
  }

  function revalidateAll(): void {
    for (const uri of [...ws.openModelUris(), ...ws.openBpmnUris()]) schedule(uri);
  }

  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    if (!isBpmnFile(uri) && !isModelFile(uri)) return;
    ws.setOpen({ uri, version: e.document.version, text: e.document.getText() });
    schedule(uri);
    if (isModelFile(uri)) for (const b of ws.openBpmnUris()) schedule(b);
  });

  documents.onDidClose((e) => {
    ws.close(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    if (isModelFile(e.document.uri)) revalidateAll();
  });

  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) ws.fileChanged(c.uri);
    revalidateAll();
  });

  const bpmnAt = (uri: string): AnalyzedBpmn | undefined => (isBpmnFile(uri) ? ws.analyzeBpmn(uri) : undefined);
  const offsetIn = (a: AnalyzedBpmn, pos: { line: number; character: number }) => a.index.offset(pos);

  connection.onCompletion(
    guard('completion', [], (p) => {
      const a = bpmnAt(p.textDocument.uri);
      return a ? completions(a, offsetIn(a, p.position)) : [];
    }),
  );

  connection.onHover(
    guard('hover', null, (p) => {
      const a = bpmnAt(p.textDocument.uri);
      return a ? hover(a, offsetIn(a, p.position)) : null;
    }),
  );

  connection.onDefinition(
    guard('definition', null, (p) => {
      const a = bpmnAt(p.textDocument.uri);
      return a ? definition(a, offsetIn(a, p.position)) : null;
    }),
  );

  /** The class under the cursor, in a model file or behind a link in a BPMN file, with its model. */
  function classTarget(uri: string, pos: { line: number; character: number }) {
    if (isModelFile(uri)) {
      const m = ws.loadModel(uri);
      if (!m) return undefined;
      const cls = classAt(m.model, m.source.index.offset(pos));
      return cls ? { cls, model: m } : undefined;
    }
    const a = bpmnAt(uri);
    if (!a || !a.model) return undefined;
    const cls = classOfLinkAt(a, a.index.offset(pos));
    const m = ws.loadModel(a.model.uri);
    return cls && m ? { cls, model: m } : undefined;
  }

  /** Offers each model of the workspace, to be named in a bpmn-resource-api.json next to the BPMN file. */
  function modelConfigFixes(bpmnUri: string): ModelConfigFix[] {
    const file = uriToPath(bpmnUri);
    if (!file) return [];
    const dir = path.dirname(file);
    const config = path.join(dir, CONFIG_FILE);
    if (fs.existsSync(config)) return [];
    return ws
      .allModelUris()
      .slice(0, 5)
      .map((u) => {
        const rel = path.relative(dir, uriToPath(u)!).split(path.sep).join('/');
        return { label: rel, relativePath: rel, configUri: pathToUri(config), configLabel: CONFIG_FILE };
      });
  }

  const workspaceDocs = () => ws.allBpmnUris().map((u) => ws.analyzeBpmn(u)).filter((x): x is AnalyzedBpmn => !!x);

  connection.onReferences(
    guard('references', [], (p) => {
      const t = classTarget(p.textDocument.uri, p.position);
      if (!t) return [];
      const refs = linksToClass(t.cls, workspaceDocs(), t.model.source.uri);
      if (p.context.includeDeclaration) refs.unshift({ uri: t.model.source.uri, range: t.model.source.index.range(t.cls.nameSpan) });
      return refs;
    }),
  );

  connection.onPrepareRename(
    guard('prepareRename', null, (p) => {
      const t = classTarget(p.textDocument.uri, p.position);
      if (!t) return null;
      if (isModelFile(p.textDocument.uri)) return { range: t.model.source.index.range(t.cls.nameSpan), placeholder: t.cls.name };
      const a = bpmnAt(p.textDocument.uri)!;
      const link = a.analysis.doc.links.find((l) => l.nameSpan && a.index.offset(p.position) >= l.nameSpan.start && a.index.offset(p.position) <= l.nameSpan.end);
      return link?.nameSpan ? { range: a.index.range(link.nameSpan), placeholder: t.cls.name } : null;
    }),
  );

  connection.onRenameRequest(
    guard('rename', null, (p) => {
      const t = classTarget(p.textDocument.uri, p.position);
      if (!t) return null;
      const edit = renameClass(t.cls, t.model.model, t.model.source, workspaceDocs(), p.newName);
      if (typeof edit === 'string') throw new ResponseError(-32803, edit);
      return edit;
    }),
  );

  connection.onCodeAction(
    guard('codeAction', [], (p) => {
      const a = bpmnAt(p.textDocument.uri);
      if (!a) return [];
      const needsModel = p.context.diagnostics.some((d) => d.code === 'model-not-found');
      return codeActions(a, p.textDocument.uri, p.context.diagnostics, needsModel ? modelConfigFixes(p.textDocument.uri) : []);
    }),
  );

  connection.onCodeLens(
    guard('codeLens', [], (p) => {
      if (settings.codeLens?.enabled === false) return [];
      const a = bpmnAt(p.textDocument.uri);
      return a ? codeLenses(a) : [];
    }),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', [], (p) => {
      const a = bpmnAt(p.textDocument.uri);
      return a ? documentSymbols(a) : [];
    }),
  );

  connection.onWorkspaceSymbol(guard('workspaceSymbol', [], (p) => workspaceSymbols(workspaceDocs(), p.query)));

  documents.listen(connection);
  connection.listen();
  return connection;
}
