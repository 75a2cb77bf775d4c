import { spawn, spawnSync } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as path from 'node:path';
import { EXAMPLE, ROOT } from '../helpers';
import { median } from './stats';

/** Whole-process start-up: `check` of the small example against `node -e 0`, paired runs (A, B, A, B …). */
export async function startupBench(): Promise<Record<string, unknown>> {
  console.log('\n== CLI start-up: check of a small file vs node -e 0 (whole processes, paired) ==');
  const time = (args: string[]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const check = [path.join(ROOT, 'bin', 'bpmn-resource-api.js'), 'check', path.join(EXAMPLE, 'application.bpmn')];
  const base: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < 3; i++) {
    time(['-e', '0']);
    time(check);
  }
  for (let i = 0; i < 20; i++) {
    base.push(time(['-e', '0']));
    ours.push(time(check));
  }
  const ratio = +(median(ours) / median(base)).toFixed(2);
  console.log(`check ${median(ours).toFixed(0)} ms, node -e 0 ${median(base).toFixed(0)} ms (medians of 20): ratio ${ratio} (target ≤ 1.6)`);
  // What an editor spawns: `bpmn-resource-api lsp --stdio` (the bundled server when built), paired with node -e 0.
  const init: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 11; i++) {
    bare.push(time(['-e', '0']));
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'bpmn-resource-api.js'), 'lsp', '--stdio']);
    const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    conn.listen();
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
    init.push(Number(process.hrtime.bigint() - t0) / 1e6);
    conn.dispose();
    child.kill();
  }
  console.log(`language server: initialize answered ${median(init).toFixed(0)} ms after spawn, node -e 0 ${median(bare).toFixed(0)} ms (medians of 11; target ≤ 150 ms, set where node -e 0 took 80 ms)`);
  return { checkMs: +median(ours).toFixed(1), nodeMs: +median(base).toFixed(1), ratio, lspInitializeMs: +median(init).toFixed(1), lspNodeMs: +median(bare).toFixed(1) };
}
