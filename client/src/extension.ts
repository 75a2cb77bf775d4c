import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;
let api: { process: ChildProcess; url: string; file: string } | undefined;
let status: vscode.StatusBarItem | undefined;

/** Test hook: the extension's tests read what the extension did (for example the local API's URL). */
export interface ExtensionApi {
  client(): LanguageClient | undefined;
  localApiUrl(): string | undefined;
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

  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.command = 'bpmnResourceApi.stopApi';
  context.subscriptions.push(
    status,
    output,
    vscode.commands.registerCommand('bpmnResourceApi.startApi', (uri?: vscode.Uri) => startApi(context, output, uri)),
    vscode.commands.registerCommand('bpmnResourceApi.stopApi', () => stopApi()),
    vscode.commands.registerCommand('bpmnResourceApi.showRoutes', (uri?: string) => showRoutes(context, output, uri)),
    vscode.commands.registerCommand('bpmnResourceApi.setEngineCredentials', () => setEngineCredentials(context)),
    vscode.commands.registerCommand('bpmnResourceApi.generateHttpRequests', (uri?: vscode.Uri) => generateHttpRequests(context, output, uri)),
  );
  return { client: () => client, localApiUrl: () => api?.url };
}

function cliPath(context: vscode.ExtensionContext): string {
  return context.asAbsolutePath(path.join('dist', 'cli.js'));
}

function activeBpmn(uri?: vscode.Uri | string): vscode.Uri | undefined {
  if (uri) return typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.languageId === 'bpmn') return doc.uri;
  return undefined;
}

/** Starts the generated API on the configured engine (embedded by default) and shows where it runs. */
async function startApi(context: vscode.ExtensionContext, output: vscode.OutputChannel, uri?: vscode.Uri): Promise<string | undefined> {
  const target = activeBpmn(uri);
  if (!target) {
    void vscode.window.showErrorMessage('Open a BPMN file to start its API.');
    return undefined;
  }
  await stopApi();
  const cfg = vscode.workspace.getConfiguration('bpmnResourceApi');
  const folder = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath ?? path.dirname(target.fsPath);
  const args = [cliPath(context), 'serve', target.fsPath, '--port', String(cfg.get<number>('api.port', 0)), '--engine', cfg.get<string>('api.engine', 'embedded')];
  const model = cfg.get<string>('model');
  if (model) args.push('--model', path.resolve(folder, model));
  const engineUrl = cfg.get<string>('api.engineUrl', '');
  if (engineUrl) args.push('--engine-url', engineUrl);
  if (cfg.get<boolean>('api.deploy', false)) args.push('--deploy');
  args.push('--data-dir', path.join(folder, '.bpmn-resource-api', path.basename(target.fsPath).replace(/\.[^.]+$/, '')));
  const child = spawn(process.execPath, args, { cwd: folder, env: { ...process.env, ...(await engineCredentials(context)), ELECTRON_RUN_AS_NODE: '1' } });
  return new Promise((resolve) => {
    let out = '';
    const fail = (why: string) => {
      output.appendLine(out);
      void vscode.window.showErrorMessage(`The API did not start: ${why}`);
      resolve(undefined);
    };
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      output.append(text);
      out += text;
      const m = /listening on (\S+)/.exec(out);
      if (m && !api) {
        api = { process: child, url: m[1], file: target.fsPath };
        status!.text = `$(globe) API ${m[1]}`;
        status!.tooltip = `${path.basename(target.fsPath)}: click to stop`;
        status!.show();
        void vscode.window.showInformationMessage(`API of ${path.basename(target.fsPath)} running at ${m[1]}`, 'Open docs', 'Copy URL').then((choice) => {
          if (choice === 'Open docs') void vscode.env.openExternal(vscode.Uri.parse(`${m[1]}/docs`));
          if (choice === 'Copy URL') void vscode.env.clipboard.writeText(m[1]);
        });
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      output.append(d.toString());
      out += d.toString();
      // An unreachable remote engine does not stop the API (it answers 503 until the engine is back): say so.
      for (const line of d.toString().split('\n')) {
        if (/^warning: .*engine/.test(line)) void vscode.window.showWarningMessage(line.replace(/^warning: /, ''));
      }
    });
    child.on('exit', (code) => {
      if (api?.process === child) {
        api = undefined;
        status!.hide();
      }
      if (!/listening on/.test(out)) fail(out.trim().split('\n').pop() ?? `exit code ${code}`);
    });
  });
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

async function stopApi(): Promise<void> {
  const running = api;
  if (!running) return;
  api = undefined;
  status?.hide();
  await new Promise<void>((resolve) => {
    running.process.once('exit', () => resolve());
    running.process.kill('SIGTERM');
  });
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
  const args = [cliPath(context), 'requests', target.fsPath, '--out', file, '--dialect', dialect];
  if (api?.url && api.file === target.fsPath) args.push('--base-url', api.url);
  const { code, text } = await runCli(args);
  if (code !== 0) {
    output.appendLine(text);
    void vscode.window.showErrorMessage(`Cannot generate requests: ${text.trim().split('\n').pop()}`);
    return undefined;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  return file;
}

/** Runs the bundled CLI to its end: its exit code and what it printed (stdout and stderr). */
async function runCli(args: string[]): Promise<{ code: number | null; text: string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, text };
}

async function showRoutes(context: vscode.ExtensionContext, output: vscode.OutputChannel, uri?: string): Promise<void> {
  const target = activeBpmn(uri);
  if (!target) return;
  const { text } = await runCli([cliPath(context), 'routes', target.fsPath]);
  output.appendLine(text);
  output.show(true);
}

export async function deactivate(): Promise<void> {
  await stopApi();
  await client?.stop();
}
