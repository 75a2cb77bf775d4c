/**
 * The language server's lifecycle and document notifications: initialize, initialized, shutdown,
 * configuration, open/change/close and watched files. Each a named function of (context, params).
 */
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type DidChangeConfigurationParams,
  type DidChangeWatchedFilesParams,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentChangeEvent,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isBpmnFile, isModelFile } from '../../node/files';
import { SERVER_SHOW_ROUTES, type ServerContext, type Settings } from '../serverContext';
import { canonicalUri } from '../uris';
import { uriToPath } from '../workspace';

export function initialize(ctx: ServerContext, params: InitializeParams): InitializeResult {
  const ws = ctx.ws;
  ws.folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
  if (ws.folders.length === 0 && params.rootUri) {
    const p = uriToPath(params.rootUri);
    if (p) ws.folders.push(p);
  }
  ctx.canPullConfiguration = !!params.capabilities.workspace?.configuration;
  ctx.canRegisterWatchers = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  // Settings as initialization options, flat or under `bpmnResourceApi` (clients without workspace/configuration).
  // `clientCommands`: commands the client handles itself (our VS Code client: `bpmnResourceApi.showRoutes`); lenses use the server's otherwise.
  const init = params.initializationOptions as (Settings & { bpmnResourceApi?: Settings; clientCommands?: string[] }) | undefined;
  if (init && typeof init === 'object') ctx.settings = init.bpmnResourceApi ?? init;
  ctx.clientCommands = Array.isArray(init?.clientCommands) ? init.clientCommands : [];
  ws.modelSetting = ctx.settings.model || undefined;
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
}

export async function initialized(ctx: ServerContext): Promise<void> {
  if (ctx.canRegisterWatchers) {
    const watch = { watchers: [{ globPattern: '**/*.{uml,xmi,bpmn,bpmn2}' }, { globPattern: '**/bpmn-resource-api.json' }] };
    void ctx.connection.client.register(DidChangeWatchedFilesNotification.type, watch).catch(() => ctx.watchFilesOurselves());
  } else ctx.watchFilesOurselves();
  if (ctx.canPullConfiguration) {
    void ctx.connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
    await ctx.refreshSettings();
  }
  ctx.log(`bpmn-resource-api language server ready (folders: ${ctx.ws.folders.join(', ') || 'none'})`);
}

export function shutdown(ctx: ServerContext): void {
  for (const w of ctx.watchers.splice(0)) w.close();
}

export function configurationChanged(ctx: ServerContext, change: DidChangeConfigurationParams): void {
  const s = (change.settings as { bpmnResourceApi?: Settings } | undefined)?.bpmnResourceApi;
  if (s) ctx.applySettings(s);
  else void ctx.refreshSettings();
}

export function documentChanged(ctx: ServerContext, e: TextDocumentChangeEvent<TextDocument>): void {
  const uri = ctx.uris.opened(e.document.uri);
  if (!isBpmnFile(uri) && !isModelFile(uri)) return;
  ctx.ws.setOpen({ uri, version: e.document.version, text: e.document.getText() });
  ctx.schedule(uri);
  if (isModelFile(uri)) for (const b of ctx.ws.openBpmnUris()) ctx.schedule(b);
}

export function documentClosed(ctx: ServerContext, e: TextDocumentChangeEvent<TextDocument>): void {
  const uri = ctx.uris.closed(e.document.uri);
  ctx.ws.close(uri);
  void ctx.connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  if (isModelFile(uri)) ctx.revalidateAll();
}

export function watchedFilesChanged(ctx: ServerContext, p: DidChangeWatchedFilesParams): void {
  for (const c of p.changes) ctx.ws.fileChanged(canonicalUri(c.uri));
  ctx.revalidateAll();
}
