import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { cliPath, modelArgs, runCli, type ModelOf } from './cli';
import { DiagramPanel } from './diagramView';
import { LocalApi } from './localApi';
import { ResourceTreeProvider, type ProcessNode, type ViewItem } from './resourceView';

let client: LanguageClient | undefined;
let localApi: LocalApi | undefined;

/** Returned by activate: tests and other extensions read what the extension did. */
export interface ExtensionApi {
  client(): LanguageClient | undefined;
  localApiUrl(): string | undefined;
  resources(): Promise<ProcessNode[]>;
  /** the diagram view of a BPMN file, when open */
  diagram(uri: vscode.Uri): DiagramPanel | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const output = vscode.window.createOutputChannel('BPMN Resource API');
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'bpmn' },
      { scheme: 'file', pattern: '**/*.{uml,xmi}' },
    ],
    synchronize: {
      configurationSection: 'bpmnResourceApi',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.uml,*.xmi,*.bpmn,*.bpmn2,bpmn-resource-api.json}'),
    },
    // The code lenses' command is ours here (a richer view); other clients get one the server runs.
    initializationOptions: { ...JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('bpmnResourceApi'))), clientCommands: ['bpmnResourceApi.showRoutes'] },
    outputChannel: output,
  };
  client = new LanguageClient('bpmnResourceApi', 'BPMN Resource API', serverOptions, clientOptions);
  await client.start();

  const api = (localApi = new LocalApi(context, output, () => engineCredentials(context), modelOf));
  const tree = new ResourceTreeProvider(client, () => api.url);
  context.subscriptions.push(
    output,
    api,
    tree,
    vscode.window.registerTreeDataProvider('bpmnResourceApi.resources', tree),
    api.onDidChange((url) => void vscode.commands.executeCommand('setContext', 'bpmnResourceApi.apiRunning', url !== undefined)),
    vscode.commands.registerCommand('bpmnResourceApi.startApi', (uri?: vscode.Uri) => {
      const target = activeBpmn(uri);
      if (target) return api.start(target);
      void vscode.window.showErrorMessage('Open a BPMN file to start its API.');
      return undefined;
    }),
    vscode.commands.registerCommand('bpmnResourceApi.stopApi', () => api.stop()),
    vscode.commands.registerCommand('bpmnResourceApi.restartApi', () => api.restart()),
    vscode.commands.registerCommand('bpmnResourceApi.resetApiData', (options?: { confirmed?: boolean }) => api.reset(options?.confirmed === true)),
    vscode.commands.registerCommand('bpmnResourceApi.apiActions', () => api.showActions()),
    vscode.commands.registerCommand('bpmnResourceApi.openApiDocs', () => api.openDocs()),
    vscode.commands.registerCommand('bpmnResourceApi.refreshResources', () => tree.refresh()),
    vscode.commands.registerCommand('bpmnResourceApi.copyResourceUri', (item?: ViewItem) => tree.copyUri(item)),
    vscode.commands.registerCommand('bpmnResourceApi.openResourceInDocs', async (item?: ViewItem) => {
      if (item?.kind !== 'resource') return;
      // Swagger UI's deep link to the resource's tag (the facade turns deepLinking on).
      if (api.url) await api.openDocs(`/${encodeURIComponent(item.resource.name)}`);
      else void vscode.window.showInformationMessage('Start the local API first ("Start local API"): its docs show this resource.');
    }),
    vscode.commands.registerCommand('bpmnResourceApi.showRoutes', (uri?: string) => showRoutes(context, output, uri)),
    vscode.commands.registerCommand('bpmnResourceApi.setEngineCredentials', () => setEngineCredentials(context)),
    vscode.commands.registerCommand('bpmnResourceApi.generateHttpRequests', (uri?: vscode.Uri) => generateHttpRequests(context, output, uri)),
    vscode.commands.registerCommand('bpmnResourceApi.openDiagram', async (uri?: vscode.Uri) => {
      const target = activeBpmn(uri);
      if (!target || !client) return void vscode.window.showErrorMessage('Open a BPMN file to see its diagram.');
      DiagramPanel.open(context, client, () => api.url, await vscode.workspace.openTextDocument(target));
    }),
  );
  return { client: () => client, localApiUrl: () => api.url, resources: () => tree.processes(), diagram: (uri) => DiagramPanel.of(uri) };
}

function activeBpmn(uri?: vscode.Uri | string): vscode.Uri | undefined {
  if (uri) return typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.languageId === 'bpmn') return doc.uri;
  return undefined;
}

const SECRET_KEYS = { user: 'engine.user', password: 'engine.password', token: 'engine.token' } as const;

/** Engine credentials live in VS Code's SecretStorage, never in settings; the CLI gets them in its environment. */
async function engineCredentials(context: vscode.ExtensionContext): Promise<Record<string, string>> {
  const [user, password, token] = await Promise.all([context.secrets.get(SECRET_KEYS.user), context.secrets.get(SECRET_KEYS.password), context.secrets.get(SECRET_KEYS.token)]);
  const env: Record<string, string> = {};
  if (token) env.BPMN_RESOURCE_API_ENGINE_TOKEN = token;
  if (user) env.BPMN_RESOURCE_API_ENGINE_USER = user;
  if (password) env.BPMN_RESOURCE_API_ENGINE_PASSWORD = password;
  return env;
}

async function setEngineCredentials(context: vscode.ExtensionContext): Promise<void> {
  const kind = await vscode.window.showQuickPick(['User and password (basic auth)', 'Bearer token', 'Remove stored credentials'], { title: 'Credentials of the remote engine' });
  if (!kind) return;
  await Promise.all(Object.values(SECRET_KEYS).map((k) => context.secrets.delete(k)));
  if (kind.startsWith('User')) {
    const user = await vscode.window.showInputBox({ title: 'Engine user', ignoreFocusOut: true });
    if (!user) return;
    const password = await vscode.window.showInputBox({ title: `Password of ${user}`, password: true, ignoreFocusOut: true });
    await context.secrets.store(SECRET_KEYS.user, user);
    await context.secrets.store(SECRET_KEYS.password, password ?? '');
  } else if (kind.startsWith('Bearer')) {
    const token = await vscode.window.showInputBox({ title: 'Bearer token', password: true, ignoreFocusOut: true });
    if (token) await context.secrets.store(SECRET_KEYS.token, token);
  }
  void vscode.window.showInformationMessage('Engine credentials saved in VS Code secret storage; they apply the next time the local API starts.');
}

/**
 * Writes `<name>.http` beside the BPMN file (REST Client's form, or httpyac's by the setting), aimed at the
 * running local API when there is one, and opens it. Returns the file's path (for tests and other extensions).
 */
async function generateHttpRequests(context: vscode.ExtensionContext, output: vscode.OutputChannel, uri?: vscode.Uri): Promise<string | undefined> {
  const target = activeBpmn(uri);
  if (!target) {
    void vscode.window.showErrorMessage('Open a BPMN file to generate requests for its API.');
    return undefined;
  }
  const file = target.fsPath.replace(/(\.bpmn2?|\.bpmn20\.xml)$/i, '') + '.http';
  const dialect = vscode.workspace.getConfiguration('bpmnResourceApi').get<string>('requests.dialect', 'rest-client');
  const args = [cliPath(context), 'requests', target.fsPath, ...(await modelArgs(modelOf, target.fsPath)), '--out', file, '--dialect', dialect];
  if (localApi?.url && localApi.file === target.fsPath) args.push('--base-url', localApi.url);
  const { code, text } = await runCli(args);
  if (code !== 0) {
    output.appendLine(text);
    void vscode.window.showErrorMessage(`Cannot generate requests: ${text.trim().split('\n').pop()}`);
    return undefined;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  return file;
}

async function showRoutes(context: vscode.ExtensionContext, output: vscode.OutputChannel, uri?: string): Promise<void> {
  const target = activeBpmn(uri);
  if (!target) return;
  const { text } = await runCli([cliPath(context), 'routes', target.fsPath, ...(await modelArgs(modelOf, target.fsPath))]);
  output.appendLine(text);
  output.show(true);
}

export async function deactivate(): Promise<void> {
  await localApi?.stop();
  await client?.stop();
}

/** The model file a BPMN file uses, as the language server resolves it (its `bpmnResourceApi/modelOf` request). */
const modelOf: ModelOf = async (bpmn) => {
  const uri = await client?.sendRequest<string | null>('bpmnResourceApi/modelOf', { uri: bpmn.toString() });
  return uri ? vscode.Uri.parse(uri) : undefined;
};
