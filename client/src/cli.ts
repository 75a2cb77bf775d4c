import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';

/** The bundled CLI (dist/cli.js): the editor's local API, routes and requests run it with VS Code's own Node. */
export function cliPath(context: vscode.ExtensionContext): string {
  return context.asAbsolutePath(path.join('dist', 'cli.js'));
}

export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, args, { cwd: options.cwd, env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' } });
}

/** Runs the bundled CLI to its end: its exit code and what it printed (stdout and stderr). */
export async function runCli(args: string[]): Promise<{ code: number | null; text: string }> {
  const child = spawnCli(args);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, text };
}

/** The model file a BPMN file uses, as the language server resolves it (undefined when it has none). */
export type ModelOf = (bpmn: vscode.Uri) => Promise<vscode.Uri | undefined>;

/**
 * `--model` with the model the language server resolved for the file (the `bpmnResourceApi.model` setting,
 * bpmn-resource-api.json or the single model beside it), so that routes, requests and the local API use the
 * model the diagnostics use; nothing when it has none or cannot be asked (the CLI then discovers as it does).
 */
export async function modelArgs(modelOf: ModelOf, file: string): Promise<string[]> {
  const model = await modelOf(vscode.Uri.file(file)).catch(() => undefined);
  return model ? ['--model', model.fsPath] : [];
}
