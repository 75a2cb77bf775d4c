import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { cliPath, modelArgs, runCli, spawnCli, type ModelOf } from './cli';

const SOURCE = 'bpmn-resource-api';
const MODEL_OR_PROCESS = /\.(bpmn2?|bpmn20\.xml|uml|xmi)$|(^|[\\/])bpmn-resource-api\.json$/i;
/** Several files saved at once (Save All) give one restart. */
const RESTART_SETTLE_MS = 250;

interface Running {
  process: ChildProcess;
  url: string;
  port: number;
  file: string;
  dataDir: string;
  engine: string;
}

export interface StartOptions {
  /** a restart: no "running at" notification */
  restart?: boolean;
  /** the port (a restart keeps the URL), else the setting */
  port?: number;
}

/**
 * The local API started from the editor: one `serve` child process of the bundled CLI at a time, its status
 * bar item and quick pick, a restart when a model is saved (same port and data), its request log in the
 * output channel. Operations run one after the other (a save during a start waits for it).
 */
export class LocalApi implements vscode.Disposable {
  private running: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** fires with the URL after a start or restart, undefined after a stop */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly credentials: () => Promise<Record<string, string>>,
    /** the model file a BPMN file uses, as the language server resolves it (undefined when it has none) */
    private readonly modelOf: ModelOf = async () => undefined,
  ) {
    this.status = vscode.window.createStatusBarItem('bpmnResourceApi.localApi', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'BPMN Resource API: local API';
    this.status.command = 'bpmnResourceApi.apiActions';
    this.disposables.push(this.status, this.changed, vscode.workspace.onDidSaveTextDocument((d) => this.saved(d)));
  }

  get url(): string | undefined {
    return this.running?.url;
  }

  get file(): string | undefined {
    return this.running?.file;
  }

  /** Starts the API of the BPMN file (stopping one that runs); resolves with its URL, or undefined when refused or failed. */
  start(target: vscode.Uri, options: StartOptions = {}): Promise<string | undefined> {
    return this.serialize(() => this.doStart(target, options));
  }

  stop(): Promise<void> {
    return this.serialize(() => this.doStop());
  }

  restart(): Promise<string | undefined> {
    return this.serialize(async () => {
      const r = this.running;
      if (!r) return undefined;
      return this.doStart(vscode.Uri.file(r.file), { restart: true, port: r.port });
    });
  }

  /** Deletes the embedded engine's data of this file (after asking, unless `confirmed`) and starts afresh. */
  reset(confirmed = false): Promise<string | undefined> {
    return this.serialize(async () => {
      const r = this.running;
      if (!r) return undefined;
      if (r.engine !== 'embedded') {
        void vscode.window.showWarningMessage(`The local data belongs to the embedded engine; this API runs on ${r.engine}, whose instances stay where they are.`);
        return r.url;
      }
      if (!confirmed) {
        const ok = await vscode.window.showWarningMessage(`Delete every process instance of ${path.basename(r.file)} kept in ${r.dataDir}?`, { modal: true }, 'Delete');
        if (ok !== 'Delete') return r.url;
      }
      await this.doStop();
      fs.rmSync(r.dataDir, { recursive: true, force: true });
      this.output.appendLine(`local data deleted: ${r.dataDir}`);
      return this.doStart(vscode.Uri.file(r.file), { restart: true, port: r.port });
    });
  }

  async openDocs(fragment = ''): Promise<void> {
    if (!this.running) return;
    // asExternalUri: in a remote or web VS Code the local port is forwarded, so the browser can reach it.
    // Asked for the base URL: code-server answers its proxy's path (/proxy/PORT/) and drops any path given.
    // `/docs/` with the slash: swagger-ui's page then loads its files by relative paths, which work behind that proxy.
    const base = await vscode.env.asExternalUri(vscode.Uri.parse(this.running.url));
    const docs = base.with({ path: `${base.path.replace(/\/$/, '')}/docs/`, fragment });
    await vscode.env.openExternal(docs);
  }

  /** The status bar's quick pick; resolves with the chosen action's id once it has run. */
  async showActions(): Promise<string | undefined> {
    const r = this.running;
    if (!r) return undefined;
    type Action = vscode.QuickPickItem & { id: string };
    const items: Action[] = [
      { id: 'docs', label: '$(book) Open docs', description: `${r.url}/docs` },
      { id: 'copy', label: '$(copy) Copy URL', description: r.url },
      { id: 'restart', label: '$(debug-restart) Restart', description: 'on the saved models, data kept' },
      { id: 'stop', label: '$(debug-stop) Stop' },
      ...(r.engine === 'embedded' ? [{ id: 'reset', label: '$(trash) Reset local data', description: 'delete the instances and start again' }] : []),
      { id: 'log', label: '$(output) Show request log' },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `API of ${path.basename(r.file)} on ${r.engine}: ${r.url}` });
    if (!picked) return undefined;
    if (picked.id === 'docs') await this.openDocs();
    if (picked.id === 'copy') await vscode.env.clipboard.writeText(r.url);
    if (picked.id === 'restart') await this.restart();
    if (picked.id === 'stop') await this.stop();
    if (picked.id === 'reset') await this.reset();
    if (picked.id === 'log') this.output.show(true);
    return picked.id;
  }

  dispose(): void {
    clearTimeout(this.restartTimer);
    for (const d of this.disposables) d.dispose();
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A saved process, model or project file of the running API's folder restarts it, after `check` says the files are fine. */
  private saved(doc: vscode.TextDocument): void {
    const r = this.running;
    if (!r || doc.uri.scheme !== 'file' || !MODEL_OR_PROCESS.test(doc.uri.fsPath)) return;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(r.file))?.uri.fsPath ?? path.dirname(r.file);
    if (path.relative(folder, doc.uri.fsPath).startsWith('..')) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void this.serialize(async () => {
        const now = this.running;
        if (!now) return;
        const check = await runCli([cliPath(this.context), 'check', now.file, ...(await modelArgs(this.modelOf, now.file))]);
        if (check.code !== 0) {
          this.output.appendLine(check.text);
          void this.refused(`${path.basename(now.file)} has errors after the save; the API keeps serving the models it was started with.`);
          return;
        }
        await this.doStart(vscode.Uri.file(now.file), { restart: true, port: now.port });
        vscode.window.setStatusBarMessage(`$(check) API restarted on the saved models`, 4000);
      });
    }, RESTART_SETTLE_MS);
  }

  private async refused(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, 'Show Problems');
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  }

  private async doStart(target: vscode.Uri, options: StartOptions): Promise<string | undefined> {
    const name = path.basename(target.fsPath);
    // The editor knows the errors before the CLI does (also in unsaved text, in the BPMN file and in
    // its model): refuse and point to them.
    const model = await this.modelOf(target).catch(() => undefined);
    for (const file of model ? [target, model] : [target]) {
      const errors = vscode.languages.getDiagnostics(file).filter((d) => d.source === SOURCE && d.severity === vscode.DiagnosticSeverity.Error);
      if (errors.length) {
        void this.refused(`The API of ${name} was not started: ${errors.length} error${errors.length === 1 ? '' : 's'} in ${path.basename(file.fsPath)} (${errors[0].message}).`);
        return undefined;
      }
    }
    const port = options.port ?? vscode.workspace.getConfiguration('bpmnResourceApi').get<number>('api.port', 0);
    await this.doStop();
    const cfg = vscode.workspace.getConfiguration('bpmnResourceApi');
    const folder = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath ?? path.dirname(target.fsPath);
    const engine = cfg.get<string>('api.engine', 'embedded');
    const dataDir = path.join(folder, '.bpmn-resource-api', name.replace(/\.[^.]+$/, ''));
    const args = [cliPath(this.context), 'serve', target.fsPath, '--port', String(port), '--engine', engine, ...(model ? ['--model', model.fsPath] : []), '--data-dir', dataDir, '--log-requests'];
    const engineUrl = cfg.get<string>('api.engineUrl', '');
    if (engineUrl) args.push('--engine-url', engineUrl);
    if (cfg.get<boolean>('api.deploy', false)) args.push('--deploy');
    const env = await this.credentials();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${options.restart ? 'Restarting' : 'Starting'} the API of ${name} (${engine})…`, cancellable: true },
      (_progress, cancel) => this.spawnServe(args, folder, env, { target, name, dataDir, engine, restart: options.restart === true }, cancel),
    );
  }

  private spawnServe(args: string[], cwd: string, env: Record<string, string>, what: { target: vscode.Uri; name: string; dataDir: string; engine: string; restart: boolean }, cancel: vscode.CancellationToken): Promise<string | undefined> {
    const child = spawnCli(args, { cwd, env });
    this.output.appendLine(`— serve ${what.name} on ${what.engine}`);
    return new Promise((resolve) => {
      let out = '';
      let settled = false;
      const settle = (url: string | undefined) => {
        if (!settled) resolve(url);
        settled = true;
      };
      cancel.onCancellationRequested(() => {
        child.kill('SIGTERM');
        settle(undefined);
      });
      child.stdout!.on('data', (d: Buffer) => {
        const text = d.toString();
        this.output.append(text);
        if (settled) return;
        out += text;
        const m = /listening on (http:\/\/\S+:(\d+))/.exec(out);
        if (!m) return;
        this.running = { process: child, url: m[1], port: Number(m[2]), file: what.target.fsPath, dataDir: what.dataDir, engine: what.engine };
        this.status.text = `$(globe) API :${m[2]}`;
        this.status.tooltip = `API of ${what.name} on ${what.engine} at ${m[1]}: click for docs, restart, stop…`;
        this.status.show();
        this.changed.fire(m[1]);
        settle(m[1]);
        if (!what.restart) {
          void vscode.window.showInformationMessage(`API of ${what.name} running at ${m[1]}`, 'Open docs', 'Copy URL').then((choice) => {
            if (choice === 'Open docs') void this.openDocs();
            if (choice === 'Copy URL') void vscode.env.clipboard.writeText(m[1]);
          });
        }
      });
      child.stderr!.on('data', (d: Buffer) => {
        const text = d.toString();
        this.output.append(text);
        out += text;
        // An unreachable remote engine does not stop the API (it answers 503 until the engine is back): say so.
        for (const line of text.split('\n')) {
          if (/^warning: .*engine/.test(line)) void vscode.window.showWarningMessage(line.replace(/^warning: /, ''));
        }
      });
      child.on('exit', (code, signal) => {
        if (this.running?.process === child) {
          // Not stopped by us: it ended on its own.
          this.running = undefined;
          this.status.hide();
          this.changed.fire(undefined);
          void vscode.window.showWarningMessage(`The API of ${what.name} stopped (${signal ?? `exit code ${code}`}); its output is in "BPMN Resource API".`);
        }
        if (!settled && !cancel.isCancellationRequested) {
          const last = out.trim().split('\n').pop() ?? `exit code ${code}`;
          if (/ has \d+ errors? /.test(last)) void this.refused(`The API of ${what.name} was not started: ${last.replace(/^bpmn-resource-api: /, '')}`);
          else void vscode.window.showErrorMessage(`The API did not start: ${last}`);
        }
        settle(undefined);
      });
    });
  }

  private async doStop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    this.status.hide();
    await new Promise<void>((resolve) => {
      if (r.process.exitCode !== null || r.process.signalCode !== null) return resolve();
      const kill = setTimeout(() => r.process.kill('SIGKILL'), 5000);
      r.process.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      r.process.kill('SIGTERM');
    });
    this.changed.fire(undefined);
  }
}
