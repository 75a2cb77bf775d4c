/**
 * The language server's requests, each a named function of (context, params) over the pure features in
 * ../features: server.ts registers them, guarded.
 */
import {
  MessageType,
  ResponseError,
  ShowMessageNotification,
  type CodeActionParams,
  type CodeLensParams,
  type CompletionParams,
  type DefinitionParams,
  type DocumentSymbolParams,
  type ExecuteCommandParams,
  type HoverParams,
  type Position,
  type PrepareRenameParams,
  type Range,
  type ReferenceParams,
  type RenameParams,
  type WorkspaceSymbolParams,
} from 'vscode-languageserver/node';
import { isModelFile } from '../../node/files';
import { routeTable } from '../../core/resources/routes';
import { codeActions } from '../features/codeActions';
import { codeLenses } from '../features/codeLens';
import { completions } from '../features/completion';
import { toLspDiagnostics } from '../features/diagnostics';
import { hover as hoverAt } from '../features/hover';
import { definition as definitionAt, linksToClass, renameClass } from '../features/navigation';
import { resourceTree as tree } from '../features/resourceView';
import { documentSymbols, workspaceSymbols } from '../features/symbols';
import { CLIENT_SHOW_ROUTES, SERVER_SHOW_ROUTES, type ServerContext } from '../serverContext';
import { canonicalUri } from '../uris';
import { diagramInfo } from '../features/diagram';

export function completion(ctx: ServerContext, p: CompletionParams) {
  const a = ctx.bpmnAt(p.textDocument.uri);
  return a ? completions(a, a.index.offset(p.position)) : [];
}

export function hover(ctx: ServerContext, p: HoverParams) {
  const a = ctx.bpmnAt(p.textDocument.uri);
  return a ? hoverAt(a, a.index.offset(p.position)) : null;
}

export function definition(ctx: ServerContext, p: DefinitionParams) {
  const a = ctx.bpmnAt(p.textDocument.uri);
  return a ? ctx.uris.outgoing(definitionAt(a, a.index.offset(p.position))) : null;
}

export function references(ctx: ServerContext, p: ReferenceParams) {
  const t = ctx.classTarget(p.textDocument.uri, p.position);
  if (!t) return [];
  const refs = linksToClass(t.cls, ctx.workspaceDocs(), t.model.source.uri);
  if (p.context.includeDeclaration) refs.unshift({ uri: t.model.source.uri, range: t.model.source.index.range(t.cls.nameSpan) });
  return ctx.uris.outgoing(refs);
}

export function prepareRename(ctx: ServerContext, p: PrepareRenameParams) {
  const t = ctx.classTarget(p.textDocument.uri, p.position);
  if (!t) return null;
  if (isModelFile(canonicalUri(p.textDocument.uri))) return { range: t.model.source.index.range(t.cls.nameSpan), placeholder: t.cls.name };
  const a = ctx.bpmnAt(p.textDocument.uri)!;
  const at = a.index.offset(p.position);
  const link = a.analysis.doc.links.find((l) => l.nameSpan && at >= l.nameSpan.start && at <= l.nameSpan.end);
  return link?.nameSpan ? { range: a.index.range(link.nameSpan), placeholder: t.cls.name } : null;
}

export function rename(ctx: ServerContext, p: RenameParams) {
  const t = ctx.classTarget(p.textDocument.uri, p.position);
  if (!t) return null;
  const edit = renameClass(t.cls, t.model.model, t.model.source, ctx.workspaceDocs(), p.newName);
  if (typeof edit === 'string') throw new ResponseError(-32803, edit);
  return ctx.uris.outgoing(edit);
}

export function codeAction(ctx: ServerContext, p: CodeActionParams) {
  const a = ctx.bpmnAt(p.textDocument.uri);
  if (!a) return [];
  // Fixes come from the server's own diagnostics of this version, not from the ranges the client echoes
  // (Neovim 0.7 sent them shifted on a non-ASCII line): those in the requested range or named by the client.
  const named = new Set(p.context.diagnostics.map((d) => `${d.code}\u0000${d.message}`));
  const own = toLspDiagnostics(ctx.ws.bpmnDiagnostics(a), a.index).filter((d) => named.has(`${d.code}\u0000${d.message}`) || overlaps(d.range, p.range));
  const uri = canonicalUri(p.textDocument.uri);
  const needsModel = own.some((d) => d.code === 'model-not-found');
  return ctx.uris.outgoing(codeActions(a, uri, own, needsModel ? ctx.modelConfigFixes(uri) : []));
}

export function codeLens(ctx: ServerContext, p: CodeLensParams) {
  if (ctx.settings.codeLens?.enabled === false) return [];
  const a = ctx.bpmnAt(p.textDocument.uri);
  if (!a) return [];
  const own = ctx.clientCommands.includes(CLIENT_SHOW_ROUTES);
  return codeLenses(a).map((l) => (own || !l.command ? l : { ...l, command: { ...l.command, command: SERVER_SHOW_ROUTES } }));
}

/** The lens command for any client: the routes of the file, shown as a message and answered as lines. */
export function executeCommand(ctx: ServerContext, p: ExecuteCommandParams) {
  if (p.command !== SERVER_SHOW_ROUTES) throw new ResponseError(-32601, `unknown command ${p.command}`);
  const target = typeof p.arguments?.[0] === 'string' ? (p.arguments[0] as string) : undefined;
  const a = target ? ctx.bpmnAt(target) : undefined;
  if (!a) return [];
  const lines = routeTable(a.analysis).flatMap((r) => [...(r.collectionMethods?.length ? [`${r.collectionMethods.join('|')} ${r.collectionUri}`] : []), `${r.methods.join('|')} ${r.uri}`]);
  // A notification (window/showMessage), not showInformationMessage's request: nothing waits on the user.
  void ctx.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: lines.length ? lines.join('\n') : 'no routes: no process of this file is linked to a resource' });
  return lines;
}

export function documentSymbol(ctx: ServerContext, p: DocumentSymbolParams) {
  const a = ctx.bpmnAt(p.textDocument.uri);
  return a ? documentSymbols(a) : [];
}

export function workspaceSymbol(ctx: ServerContext, p: WorkspaceSymbolParams) {
  return ctx.uris.outgoing(workspaceSymbols(ctx.workspaceDocs(), p.query));
}

export function resourceTree(ctx: ServerContext) {
  return ctx.uris.outgoing(tree(ctx.workspaceDocs()));
}

/** What the diagram view draws on top of the BPMN drawing: resources, problems, unlinked tasks (features/diagram). */
export function diagram(ctx: ServerContext, p: { uri: string }) {
  const a = ctx.bpmnAt(p.uri);
  return a ? diagramInfo(a, ctx.ws.bpmnDiagnostics(a)) : null;
}

/** The model file a BPMN file uses (setting, config or discovery), so a client can look at its problems too. */
export function modelOf(ctx: ServerContext, p: { uri: string }) {
  const model = ctx.ws.modelUriFor(canonicalUri(p.uri));
  return model ? ctx.uris.toClient(model) : null;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Position, y: Position) => x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
