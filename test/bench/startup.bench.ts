import { spawn, spawnSync } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateBpmn } from './generate';
import { EXAMPLE, ROOT, tempDir } from '../helpers';
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
  // A large file, whole processes: check of a generated 2.8 MB file vs a process that reads it and parses it with saxes.
  const dir = tempDir('bra-startup-');
  const big = path.join(dir, 'big.bpmn');
  fs.writeFileSync(big, generateBpmn(2_800_000));
  fs.copyFileSync(path.join(EXAMPLE, 'resources.uml'), path.join(dir, 'resources.uml'));
  const saxesScript = `const {SaxesParser}=require(${JSON.stringify(require.resolve('saxes'))});const p=new SaxesParser({xmlns:true});let n=0;p.on('opentag',()=>n++);p.write(require('fs').readFileSync(${JSON.stringify(big)},'utf8')).close();`;
  const checkBig = [path.join(ROOT, 'bin', 'bpmn-resource-api.js'), 'check', big];
  const timeAny = (args: string[]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const bigOurs: number[] = [];
  const bigSaxes: number[] = [];
  for (let i = 0; i < 7; i++) {
    bigSaxes.push(timeAny(['-e', saxesScript]));
    bigOurs.push(timeAny(checkBig));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const bigRatio = +(median(bigOurs) / median(bigSaxes)).toFixed(2);
  console.log(`check of a generated ${(2_800_000 / 1e6).toFixed(1)} MB file ${median(bigOurs).toFixed(0)} ms, a process parsing it with saxes ${median(bigSaxes).toFixed(0)} ms (medians of 7): ratio ${bigRatio} (target ≤ 2.5)`);
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
  return { bigCheckMs: +median(bigOurs).toFixed(1), bigSaxesMs: +median(bigSaxes).toFixed(1), bigRatio, checkMs: +median(ours).toFixed(1), nodeMs: +median(base).toFixed(1), ratio, lspInitializeMs: +median(init).toFixed(1), lspNodeMs: +median(bare).toFixed(1) };
}
