import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams, TextEdit } from 'vscode-languageserver';
import { LineIndex } from '../../server/src/core/xml/positions';
import { ROOT } from '../helpers';

/** The text after applying LSP text edits (last first, so earlier offsets stay valid). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const idx = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => idx.offset(b.range.start) - idx.offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, idx.offset(e.range.start)) + e.newText + out.slice(idx.offset(e.range.end));
  return out;
}

export function fileUri(p: string): string {
  return pathToFileURL(p).toString();
}

/**
 * Spawns `bpmn-resource-api lsp --stdio` and speaks JSON-RPC to it, as an editor would.
 * Diagnostics are awaited by polling the last published set (no fixed sleeps).
 */
export class LspClient {
  readonly child: ChildProcess;
  readonly conn: MessageConnection;
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private readonly waiters: Array<() => void> = [];
  readonly logs: string[] = [];
  exited = false;
  private versions = new Map<string, number>();

  constructor(extraArgs: string[] = []) {
    this.child = spawn(process.execPath, [path.join(ROOT, 'bin', 'bpmn-resource-api.js'), 'lsp', '--stdio', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.on('exit', () => (this.exited = true));
    this.child.stderr!.on('data', (d: Buffer) => this.logs.push(d.toString()));
    this.conn = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      for (const w of this.waiters.splice(0)) w();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => this.logs.push(p.message));
    this.conn.onRequest('workspace/configuration', () => [{}]);
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.listen();
  }

  async initialize(rootPath: string, initializationOptions: Record<string, unknown> = {}): Promise<unknown> {
    const result = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(rootPath),
      workspaceFolders: [{ uri: fileUri(rootPath), name: path.basename(rootPath) }],
      capabilities: { workspace: { configuration: false }, textDocument: { publishDiagnostics: { versionSupport: true } } },
      initializationOptions,
    });
    await this.conn.sendNotification('initialized', {});
    return result;
  }

  async open(uri: string, text: string, languageId = 'bpmn'): Promise<void> {
    this.versions.set(uri, 1);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Replaces the whole text (full sync) or a range (incremental). */
  async change(uri: string, text: string, range?: { start: { line: number; character: number }; end: { line: number; character: number } }): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [range ? { range, text } : { text }],
    });
    return version;
  }

  /** Waits until diagnostics for `uri` (for at least `version`, when given) have been published. */
  async waitDiagnostics(uri: string, version?: number, timeoutMs = 10000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.diagnostics.get(uri);
      if (p && (version === undefined || p.version === undefined || p.version >= version)) return p.diagnostics;
      if (this.exited) throw new Error(`server exited: ${this.logs.join('')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri} (version ${version}) in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the last published diagnostics of `uri` satisfy `ok`. */
  async waitFor(uri: string, ok: (d: Diagnostic[]) => boolean, timeoutMs = 10000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.diagnostics.get(uri);
      if (p && ok(p.diagnostics)) return p.diagnostics;
      if (this.exited) throw new Error(`server exited: ${this.logs.join('')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`diagnostics for ${uri} never matched; last: ${JSON.stringify(p?.diagnostics)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await this.conn.sendRequest('shutdown');
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    await new Promise((r) => (this.exited ? r(undefined) : this.child.once('exit', r)));
    this.conn.dispose();
  }
}
