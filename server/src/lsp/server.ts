import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MessageType,
  ShowMessageNotification,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type Position,
  type Range,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, isBpmnFile, isModelFile } from '../node/files';
import { codeActions, type ModelConfigFix } from './features/codeActions';
import { codeLenses } from './features/codeLens';
import { documentSymbols, workspaceSymbols } from './features/symbols';
import { MODEL_OF_REQUEST, RESOURCE_TREE_REQUEST, resourceTree } from './features/resourceView';
import { completions } from './features/completion';
import { toLspDiagnostics } from './features/diagnostics';
import { hover } from './features/hover';
import { classAt, classOfLinkAt, definition, linksToClass, renameClass } from './features/navigation';
import type { AnalyzedBpmn } from './features/types';
import { routeTable } from '../core/resources/routes';
import { ClientUris, canonicalUri } from './uris';
import { Workspace, pathToUri, uriToPath } from './workspace';

interface Settings {
  model?: string;
  codeLens?: { enabled?: boolean };
}

/** The code lens command that any client can run: the server answers it (executeCommandProvider). */
const SERVER_SHOW_ROUTES = 'bpmnResourceApi.lsp.showRoutes';
const CLIENT_SHOW_ROUTES = 'bpmnResourceApi.showRoutes';
/** how long a file the server watches itself must be quiet before it is read again */
const SETTLE_MS = 100;

/**
 * The language server: wires protocol handlers to the pure feature functions. Every handler is guarded:
 * an exception is logged and answered with an empty result, so no input can take the server down.
 */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  const ws = new Workspace();
  let settings: Settings = {};
  let canPullConfiguration = false;
  let canRegisterWatchers = false;
  /** from the initialization options only: pulled settings replace `settings` and must not drop it */
  let clientCommands: string[] = [];
  const pending = new Map<string, NodeJS.Immediate>();
  const uris = new ClientUris();
  const watchers: fs.FSWatcher[] = [];

  const log = (msg: string) => connection.console.log(msg);
  ws.onConfigProblem = (message) => void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
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
    canRegisterWatchers = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    // Settings as initialization options, flat or under `bpmnResourceApi` (clients without workspace/configuration).
    // `clientCommands`: commands the client handles itself (our VS Code client: `bpmnResourceApi.showRoutes`); lenses use the server's otherwise.
    const init = params.initializationOptions as (Settings & { bpmnResourceApi?: Settings; clientCommands?: string[] }) | undefined;
    if (init && typeof init === 'object') settings = init.bpmnResourceApi ?? init;
    clientCommands = Array.isArray(init?.clientCommands) ? init.clientCommands : [];
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
        executeCommandProvider: { commands: [SERVER_SHOW_ROUTES] },
        documentSymbolProvider: { label: 'BPMN processes' },
        workspaceSymbolProvider: true,
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'bpmn-resource-api' },
    };
  });

  connection.onInitialized(async () => {
    if (canRegisterWatchers) {
      const watch = { watchers: [{ globPattern: '**/*.{uml,xmi,bpmn,bpmn2}' }, { globPattern: '**/bpmn-resource-api.json' }] };
      void connection.client.register(DidChangeWatchedFilesNotification.type, watch).catch(() => watchFilesOurselves());
    } else watchFilesOurselves();
    if (canPullConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
      await refreshSettings();
    }
    log(`bpmn-resource-api language server ready (folders: ${ws.folders.join(', ') || 'none'})`);
  });

  /**
   * For clients that do not watch files for us (Neovim's built-in client by default): the folders that
   * hold models, BPMN files and the workspace roots, watched with fs.watch (not recursive: a workspace
   * with node_modules would cost thousands of watches). A model created in a new folder is seen once
   * the client sends didChangeWatchedFiles or the server restarts.
   */
  function watchFilesOurselves(): void {
    const settling = new Map<string, NodeJS.Timeout>();
    const dirs = new Set<string>([...ws.folders, ...ws.foldersWithFiles()]);
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
              ws.fileChanged(pathToUri(file));
              revalidateAll();
            }, SETTLE_MS).unref(),
          );
        });
        w.on('error', () => w.close());
        watchers.push(w);
      } catch (e) {
        log(`cannot watch ${dir}: ${(e as Error).message}`);
      }
    }
  }

  connection.onShutdown(() => {
    for (const w of watchers.splice(0)) w.close();
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
      if (r) void connection.sendDiagnostics({ uri: uris.toClient(uri), diagnostics: toLspDiagnostics(r.diagnostics, r.index) });
      return;
    }
    const a = ws.analyzeBpmn(uri);
    if (!a) return;
    void connection.sendDiagnostics({ uri: uris.toClient(uri), version: a.version, diagnostics: toLspDiagnostics(ws.bpmnDiagnostics(a), a.index) });
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
    const uri = uris.opened(e.document.uri);
    if (!isBpmnFile(uri) && !isModelFile(uri)) return;
    ws.setOpen({ uri, version: e.document.version, text: e.document.getText() });
    schedule(uri);
    if (isModelFile(uri)) for (const b of ws.openBpmnUris()) schedule(b);
  });

  documents.onDidClose((e) => {
    const uri = uris.closed(e.document.uri);
    ws.close(uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    if (isModelFile(uri)) revalidateAll();
  });

  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) ws.fileChanged(canonicalUri(c.uri));
    revalidateAll();
  });

  /** Requests name documents in the client's spelling; the workspace keys them canonically. */
  const bpmnAt = (clientUri: string): AnalyzedBpmn | undefined => {
    const uri = canonicalUri(clientUri);
    return isBpmnFile(uri) ? ws.analyzeBpmn(uri) : undefined;
  };
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
      return a ? uris.outgoing(definition(a, offsetIn(a, p.position))) : null;
    }),
  );

  /** The class under the cursor, in a model file or behind a link in a BPMN file, with its model. */
  function classTarget(clientUri: string, pos: { line: number; character: number }) {
    const uri = canonicalUri(clientUri);
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
      return uris.outgoing(refs);
    }),
  );

  connection.onPrepareRename(
    guard('prepareRename', null, (p) => {
      const t = classTarget(p.textDocument.uri, p.position);
      if (!t) return null;
      if (isModelFile(canonicalUri(p.textDocument.uri))) return { range: t.model.source.index.range(t.cls.nameSpan), placeholder: t.cls.name };
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
      return uris.outgoing(edit);
    }),
  );

  connection.onCodeAction(
    guard('codeAction', [], (p) => {
      const a = bpmnAt(p.textDocument.uri);
      if (!a) return [];
      // Fixes come from the server's own diagnostics of this version, not from the ranges the client echoes
      // (Neovim 0.7 sent them shifted on a non-ASCII line): those in the requested range or named by the client.
      const named = new Set(p.context.diagnostics.map((d) => `${d.code}\u0000${d.message}`));
      const own = toLspDiagnostics(ws.bpmnDiagnostics(a), a.index).filter((d) => named.has(`${d.code}\u0000${d.message}`) || overlaps(d.range, p.range));
      const uri = canonicalUri(p.textDocument.uri);
      const needsModel = own.some((d) => d.code === 'model-not-found');
      return uris.outgoing(codeActions(a, uri, own, needsModel ? modelConfigFixes(uri) : []));
    }),
  );

  connection.onCodeLens(
    guard('codeLens', [], (p) => {
      if (settings.codeLens?.enabled === false) return [];
      const a = bpmnAt(p.textDocument.uri);
      if (!a) return [];
      const own = clientCommands.includes(CLIENT_SHOW_ROUTES);
      return codeLenses(a).map((l) => (own || !l.command ? l : { ...l, command: { ...l.command, command: SERVER_SHOW_ROUTES } }));
    }),
  );

  /** The lens command for any client: the routes of the file, shown as a message and answered as lines. */
  connection.onExecuteCommand(
    guard('executeCommand', null, (p) => {
      if (p.command !== SERVER_SHOW_ROUTES) throw new ResponseError(-32601, `unknown command ${p.command}`);
      const target = typeof p.arguments?.[0] === 'string' ? (p.arguments[0] as string) : undefined;
      const a = target ? bpmnAt(target) : undefined;
      if (!a) return [];
      const lines = routeTable(a.analysis).flatMap((r) => [...(r.collectionMethods?.length ? [`${r.collectionMethods.join('|')} ${r.collectionUri}`] : []), `${r.methods.join('|')} ${r.uri}`]);
      // A notification (window/showMessage), not showInformationMessage's request: nothing waits on the user.
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: lines.length ? lines.join('\n') : 'no routes: no process of this file is linked to a resource' });
      return lines;
    }),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', [], (p) => {
      const a = bpmnAt(p.textDocument.uri);
      return a ? documentSymbols(a) : [];
    }),
  );

  connection.onWorkspaceSymbol(guard('workspaceSymbol', [], (p) => uris.outgoing(workspaceSymbols(workspaceDocs(), p.query))));

  connection.onRequest(RESOURCE_TREE_REQUEST, guard('resourceTree', [], () => uris.outgoing(resourceTree(workspaceDocs()))));

  // The model file a BPMN file uses (setting, config or discovery), so a client can look at its problems too.
  connection.onRequest(MODEL_OF_REQUEST, guard('modelOf', null, (p: { uri: string }) => {
    const model = ws.modelUriFor(canonicalUri(p.uri));
    return model ? uris.toClient(model) : null;
  }));

  documents.listen(connection);
  connection.listen();
  return connection;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Position, y: Position) => x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
