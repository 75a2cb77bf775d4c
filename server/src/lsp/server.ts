/**
 * The language server: only wiring. Each protocol request and notification is a named function of
 * (context, params) in ./handlers, over the pure features in ./features; the state they share is one
 * ServerContext. Every request is guarded: an exception is logged and answered with an empty result, so no
 * input can take the server down.
 */
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { DIAGRAM_REQUEST } from './features/diagram';
import { MODEL_OF_REQUEST, RESOURCE_TREE_REQUEST } from './features/resourceView';
import * as life from './handlers/lifecycle';
import * as req from './handlers/requests';
import { ServerContext } from './serverContext';

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const ctx = new ServerContext(connection);
  const c = connection;
  const on = <P, R>(name: string, fallback: R, fn: (ctx: ServerContext, p: P) => R) => ctx.guard(name, fallback, (p: P) => fn(ctx, p));

  c.onInitialize((p) => life.initialize(ctx, p));
  c.onInitialized(() => life.initialized(ctx));
  c.onShutdown(() => life.shutdown(ctx));
  c.onDidChangeConfiguration((p) => life.configurationChanged(ctx, p));
  c.onDidChangeWatchedFiles((p) => life.watchedFilesChanged(ctx, p));
  ctx.documents.onDidChangeContent((e) => life.documentChanged(ctx, e));
  ctx.documents.onDidClose((e) => life.documentClosed(ctx, e));

  c.onCompletion(on('completion', [], req.completion));
  c.onHover(on('hover', null, req.hover));
  c.onDefinition(on('definition', null, req.definition));
  c.onReferences(on('references', [], req.references));
  c.onPrepareRename(on('prepareRename', null, req.prepareRename));
  c.onRenameRequest(on('rename', null, req.rename));
  c.onCodeAction(on('codeAction', [], req.codeAction));
  c.onCodeLens(on('codeLens', [], req.codeLens));
  c.onExecuteCommand(on('executeCommand', null, req.executeCommand));
  c.onDocumentSymbol(on('documentSymbol', [], req.documentSymbol));
  c.onWorkspaceSymbol(on('workspaceSymbol', [], req.workspaceSymbol));
  c.onRequest(RESOURCE_TREE_REQUEST, on('resourceTree', [], req.resourceTree));
  c.onRequest(MODEL_OF_REQUEST, on('modelOf', null, req.modelOf));
  c.onRequest(DIAGRAM_REQUEST, on('diagram', null, req.diagram));

  ctx.documents.listen(connection);
  connection.listen();
  return connection;
}
