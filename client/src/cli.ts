import * as fs from 'node:fs';
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

/**
 * `--model` from the setting `bpmnResourceApi.model`, resolved as the language server resolves it (relative to
 * the workspace folder holding the file), so that routes, requests and the local API use the model the
 * diagnostics use; without the setting, the CLI discovers it as the server does (findModel).
 */
export function modelArgs(file: string): string[] {
  const model = vscode.workspace.getConfiguration('bpmnResourceApi').get<string>('model');
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ?? path.dirname(file);
  const modelFile = model ? path.resolve(folder, model) : undefined;
  // A setting naming a missing file: the server falls back to discovery (and says model-not-found if none); so do we.
  return modelFile && fs.existsSync(modelFile) ? ['--model', modelFile] : [];
}
