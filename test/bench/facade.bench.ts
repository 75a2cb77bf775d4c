import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import * as nodeHttp from 'node:http';
import Fastify from 'fastify';
import { startFacade } from '../../server/src/facade/start';
import type { ProcessEngineAdapter } from '../../server/src/facade/ports';
import { EXAMPLE, spawnServe, umlModel, tempDir } from '../helpers';
import { engineFlow } from './engineBaseline';
import { median, percentile } from './stats';

const BPMN = path.join(EXAMPLE, 'application.bpmn');

/** A JSON request that must succeed (< 300): its parsed answer. */
export async function http(url: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A keep-alive JSON client on node:http for the flow benchmark. The server and this client share the
 * machine's two cores: undici's fetch costs ~8.5 ms of CPU a flow here, node:http ~2.7 ms, and the
 * client's CPU is taken from the server being measured, not from the baseline (which has no client).
 */
export function flowClient(base: string): { request: (path: string, method?: string, body?: unknown) => Promise<any>; close: () => void } {
  const url = new URL(base);
  const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (p: string, method = 'GET', body?: unknown): Promise<any> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {};
      const req = nodeHttp.request({ host: url.hostname, port: url.port, path: p, method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${p}: ${res.statusCode} ${text}`));
          else resolve(text ? JSON.parse(text) : undefined);
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(data);
    });
  return { request, close: () => agent.destroy() };
}

/** The paper's flow through the facade (or the bare-routes server): create, two documents, decision, approval. */
export async function facadeFlow(client: ReturnType<typeof flowClient>, key: string): Promise<void> {
  const call = client.request;
  await call('/application', 'POST', { businessKey: key, product: 'car', price: 1 });
  const docs = await call(`/application/${key}/document`);
  for (const d of docs._embedded.document) await call(`/application/${key}/document/${d.documentId}`, 'PUT', { description: 'd', type: 't' });
  await call(`/application/${key}/decision`, 'PUT', { accepted: true, premium: 1 });
  await call(`/application/${key}/decision/approval`, 'PUT', { approved: true });
}

/**
 * The same flow through the facade's engine port, no HTTP: what the embedded engine costs (its token
 * handling, process data, saving) against the baseline, apart from what six requests a flow cost.
 */
async function portFlow(engine: ProcessEngineAdapter, processId: string, key: string): Promise<void> {
  const application = { product: 'car', price: 1 };
  await engine.start({ processId, businessKey: key, data: { Application: application }, variables: { businessKey: key, ...application, application } });
  const decision = { accepted: true, premium: 1 };
  for (let step = 0; step < 10; step++) {
    let ended = false;
    await engine.update(key, (s) => {
      const w = s.waiting[0];
      if (s.state !== 'active' || !w) {
        ended = true;
        return undefined;
      }
      return { data: {}, complete: { executionId: w.executionId }, variables: { values: { decision }, scope: 'process' } };
    });
    if (ended) return;
  }
  throw new Error('port flow did not end');
}

async function throughput(run: (i: number) => Promise<void>, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await run(next++);
    }),
  );
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function loadGet(url: string, total: number, concurrency: number): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const s = process.hrtime.bigint();
        const r = await fetch(url);
        await r.arrayBuffer();
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }),
  );
  return { rps: total / (Number(process.hrtime.bigint() - t0) / 1e9), p50: median(lat), p99: percentile(lat, 99) };
}

/** A data dir (or model folder) on `base`, removed when the bench exits (one per durable engine flow adds up). */
function dataDirOn(base: string, prefix = 'bra-bench-'): string {
  return tempDir(prefix, base);
}

export async function facadeBench(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const { BpmnModdle } = await (new Function('s', 'return import(s)') as (s: string) => Promise<any>)('bpmn-moddle');
  const ctx = await new BpmnModdle().fromXML(fs.readFileSync(BPMN, 'utf8'));

  // BENCH_FACADE_PARTS=flow,get,memory runs only some parts (the memory part takes minutes).
  const parts = (process.env.BENCH_FACADE_PARTS ?? 'flow,get,timers,memory').split(',');
  if (parts.includes('flow')) await flowBench(results, ctx);
  if (parts.includes('timers')) results.timers = await timerBench(Number(process.env.BENCH_TIMERS ?? 1000));
  if (parts.includes('get')) await getBench(results);
  if (parts.includes('memory')) {
    const n = Number(process.env.BENCH_INSTANCES ?? 10_000);
    console.log(`\n== facade: memory with ${n} waiting instances (server in its own process) ==`);
    results.memory = [await memoryBench(n), await memoryBench(n, '--max-old-space-size=192')];
  }
  return results;
}

/** One round's figures: flows per second and CPU per flow (ms) of each side. */
interface FlowRound {
  facade: number;
  port: number;
  bare: number;
  durable: number;
  memory: number;
  serverCpuMs: number;
  portCpuMs: number;
  bareCpuMs: number;
  durableCpuMs: number;
}

/**
 * The flow through the facade's server against bpmn-engine driven directly, in memory and saving its state
 * at each wait (the baseline). Two more sides say where a gap comes from: the facade's engine driven through
 * its port in this process (no HTTP), and the ceiling for any HTTP facade, the baseline's engine and saving
 * behind bare fastify routes. The machines are noisy (the same side varies by 20 % from one minute to the
 * next), so the sides take turns in rounds of 100 flows and each ratio is the median of the rounds' own.
 */
async function flowBench(results: Record<string, unknown>, ctx: unknown): Promise<void> {
  console.log('\n== facade: the paper’s flow (create, 2 documents, decision, accepted? gateway on the decision variable, approval) ==');
  const rounds = Number(process.env.BENCH_FLOW_ROUNDS ?? 5);
  const flows = 100;
  const conc = 8;
  await throughput((i) => engineFlow(ctx, `warm${i}`), 50, conc);
  const rows: Array<Record<string, unknown>> = [];
  const disks: Array<[string, string]> = [['disk (os.tmpdir)', os.tmpdir()]];
  if (fs.existsSync('/dev/shm')) disks.push(['tmpfs (/dev/shm)', '/dev/shm']);
  let n = 0;
  for (const [label, base] of disks) {
    // The server runs in its own process, as in production; the client here uses the other core.
    const server = await spawnServer(dataDirOn(base));
    // The ceiling: bpmn-engine behind bare fastify routes, saving as the baseline does (bareEngineServer.ts).
    const bare = await spawnBareServer(dataDirOn(base));
    const clients = { facade: flowClient(server.url), bare: flowClient(bare.url) };
    // The facade's engine in this process, driven through its port (no HTTP).
    const inProcess = await startFacade({ bpmnFile: BPMN, port: 0, dataDir: dataDirOn(base), log: () => undefined });
    const port = (key: string) => portFlow(inProcess.engine, inProcess.api.process.id, key);
    const durableDir = dataDirOn(base);
    await throughput((i) => facadeFlow(clients.facade, `warm${i}`), 30, conc);
    await throughput((i) => facadeFlow(clients.bare, `warm${i}`), 30, conc);
    await throughput(() => engineFlow(ctx, `w${n++}`, durableDir), 30, conc);
    await throughput(() => port(`w${n++}`), 30, conc);
    const overHttp = async (side: 'facade' | 'bare', pid: number) => {
      await quietProcess(pid);
      const before = cpuOf(pid);
      const rate = await throughput(() => facadeFlow(clients[side], `${side}${n++}`), flows, conc);
      return { rate, cpuMs: (cpuOf(pid) - before) / flows };
    };
    const samples: FlowRound[] = [];
    for (let r = 0; r < rounds; r++) {
      await quietProcess(server.pid);
      await quietProcess(bare.pid);
      const d = await withCpu(() => throughput(() => engineFlow(ctx, `d${n++}`, durableDir), flows, conc));
      const memory = await throughput(() => engineFlow(ctx, `e${n++}`), flows, conc);
      const p = await withCpu(() => throughput(() => port(`p${n++}`), flows, conc));
      const f = await overHttp('facade', server.pid);
      const b = await overHttp('bare', bare.pid);
      samples.push({ facade: f.rate, port: p.value, bare: b.rate, durable: d.value, memory, serverCpuMs: f.cpuMs, portCpuMs: p.cpuMs / flows, bareCpuMs: b.cpuMs, durableCpuMs: d.cpuMs / flows });
    }
    clients.facade.close();
    clients.bare.close();
    await server.stop();
    await bare.stop();
    await inProcess.close();
    rows.push(flowRow(label, samples));
  }
  for (const r of rows) {
    console.log(
      `${String(r.dataDir).padEnd(18)} facade ${String(r.facadeFlowsPerSec).padStart(6)} flows/s | baseline, bpmn-engine saving its state at each wait (write, fsync) ${String(r.engineSavingStateFlowsPerSec).padStart(6)} flows/s: ratio ${r.ratioToEngineSavingState} (rounds ${(r.ratioRounds as number[]).join(' ')}; target ≥ 0.9) | ` +
        `the facade's engine through its port, no HTTP ${String(r.portFlowsPerSec).padStart(6)} flows/s: ratio ${r.portRatioToEngineSavingState} | ` +
        `ceiling, the same engine and saving behind bare fastify routes ${String(r.bareRoutesFlowsPerSec).padStart(6)} flows/s: ratio to the baseline ${r.bareRatioToEngineSavingState}, facade to it ${r.ratioToBareRoutes} | bpmn-engine in memory ${String(r.engineFlowsPerSec).padStart(6)} flows/s: ratio ${r.ratioToEngine} | ` +
        `CPU a flow: server ${r.serverCpuMsPerFlow} ms, port ${r.portCpuMsPerFlow} ms, bare routes ${r.bareRoutesCpuMsPerFlow} ms, engine saving its state ${r.engineSavingStateCpuMsPerFlow} ms`,
    );
  }
  results.flow = rows;
}

/** Medians over the rounds; the ratios are medians of each round's own ratio. */
function flowRow(label: string, samples: FlowRound[]): Record<string, unknown> {
  const med = (f: (s: FlowRound) => number, digits = 1) => +median(samples.map(f)).toFixed(digits);
  return {
    dataDir: label,
    rounds: samples.length,
    facadeFlowsPerSec: med((s) => s.facade),
    engineFlowsPerSec: med((s) => s.memory),
    engineSavingStateFlowsPerSec: med((s) => s.durable),
    ratioToEngine: med((s) => s.facade / s.memory, 2),
    ratioToEngineSavingState: med((s) => s.facade / s.durable, 2),
    ratioRounds: samples.map((s) => +(s.facade / s.durable).toFixed(2)),
    portFlowsPerSec: med((s) => s.port),
    portRatioToEngineSavingState: med((s) => s.port / s.durable, 2),
    portCpuMsPerFlow: med((s) => s.portCpuMs),
    bareRoutesFlowsPerSec: med((s) => s.bare),
    bareRatioToEngineSavingState: med((s) => s.bare / s.durable, 2),
    ratioToBareRoutes: med((s) => s.facade / s.bare, 2),
    serverCpuMsPerFlow: med((s) => s.serverCpuMs),
    bareRoutesCpuMsPerFlow: med((s) => s.bareCpuMs),
    engineSavingStateCpuMsPerFlow: med((s) => s.durableCpuMs),
  };
}

/** `fn`'s value and the CPU (ms, user + system) this process spent while it ran. */
async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000 };
}

/** Waits until the server has used no CPU for 200 ms (its idle collection after a burst), at most 3 s, so it does not run during the baseline. */
async function quietProcess(pid: number): Promise<void> {
  let last = cpuOf(pid);
  for (let waited = 0, still = 0; still < 2 && waited < 30; waited++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuOf(pid);
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

/** CPU time (user + system, all threads) a process has used so far, ms (Linux /proc; 0 elsewhere). */
function cpuOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

async function getBench(results: Record<string, unknown>): Promise<void> {
  console.log('\n== facade: GET of a resource vs a bare fastify route returning the same JSON ==');
  const f = await startFacade({ bpmnFile: BPMN, port: 0, dataDir: dataDirOn(os.tmpdir()) });
  await http(`${f.url}/application`, 'POST', { businessKey: 'g', product: 'car', price: 1 });
  const url = `${f.url}/application/g/decision`;
  const sample = await http(url);
  const bare = Fastify({ logger: false });
  bare.get('/x', async (_req, reply) => reply.type('application/hal+json').header('ETag', '"x"').send(sample));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/x`;
  await loadGet(url, 2000, 16);
  await loadGet(bareUrl, 2000, 16);
  const ours = await loadGet(url, 20000, 16);
  const base = await loadGet(bareUrl, 20000, 16);
  await bare.close();
  await f.close();
  const getRatio = +(ours.rps / base.rps).toFixed(2);
  console.log(`facade GET ${ours.rps.toFixed(0)} req/s (p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms); bare route ${base.rps.toFixed(0)} req/s (p50 ${base.p50.toFixed(2)} ms); ratio ${getRatio} (target ≥ 0.5)`);
  results.get = { facade: ours, bare: base, ratio: getRatio };
}

type SpawnedServer = { url: string; pid: number; stop: () => Promise<void> };

/** A server started by spawnServe, with its pid (for its CPU) and a stop that waits for its exit. */
function spawned({ child, url }: { child: ChildProcess; url: string }): SpawnedServer {
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The bare-routes server (bareEngineServer.ts) in its own process, as the facade's server runs. */
async function spawnBareServer(dataDir: string): Promise<SpawnedServer> {
  return spawned(await spawnServe([BPMN, dataDir], { cli: path.join(__dirname, 'bareEngineServer.js') }));
}

async function spawnServer(dataDir: string, nodeOptions?: string): Promise<SpawnedServer> {
  const env = nodeOptions ? { ...process.env, NODE_OPTIONS: nodeOptions } : process.env;
  return spawned(await spawnServe([BPMN, '--port', '0', '--data-dir', dataDir], { env }));
}

async function memoryBench(instances: number, nodeOptions?: string): Promise<Record<string, unknown>> {
  const dataDir = dataDirOn(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  const server = await spawnServer(dataDir, nodeOptions);
  const url = server.url;
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
  const rssStart = rss();
  const t0 = Date.now();
  // The peak during the burst, not only after it: sampled every 50 ms while the instances are created.
  let rssPeak = rssStart;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 50);
  try {
    await throughput((i) => http(`${url}/application`, 'POST', { businessKey: `m${String(i).padStart(6, '0')}`, product: 'p', price: i }), instances, 16);
  } finally {
    clearInterval(sampler);
  }
  const createSec = (Date.now() - t0) / 1000;
  const rssAfter = rss();
  rssPeak = Math.max(rssPeak, rssAfter);
  // The same instances a little later, the server idle: V8 gives back what the burst of creations left
  // (its memory reducer runs after some idle seconds). Sampled each second until it stops falling.
  let rssAtRest = rssAfter;
  for (let quiet = 0, waited = 0; quiet < 5 && waited < 40; waited++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = rss();
    quiet = now < rssAtRest - 1 ? 0 : quiet + 1;
    rssAtRest = Math.min(rssAtRest, now);
  }
  // Latency of a write that needs an evicted engine (the first instances are long out of memory).
  const lat: number[] = [];
  for (let i = 0; i < 50; i++) {
    const key = `m${String(i * 7).padStart(6, '0')}`;
    const docs = await http(`${url}/application/${key}/document`);
    const s = process.hrtime.bigint();
    await http(`${url}/application/${key}/document/${docs._embedded.document[0].documentId}`, 'PUT', { description: 'x', type: 'y' });
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const readLat: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = process.hrtime.bigint();
    await http(`${url}/application/m${String((instances - 1 - i * 37 + instances * 10) % instances).padStart(6, '0')}`);
    readLat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const rssEnd = rss();
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const out = {
    nodeOptions: nodeOptions ?? '(none)',
    instances,
    createSeconds: +createSec.toFixed(1),
    rssStartMB: +rssStart.toFixed(0),
    rssPeakDuringBurstMB: +rssPeak.toFixed(0),
    rssWith10kWaitingMB: +rssAfter.toFixed(0),
    rssAtRestMB: +rssAtRest.toFixed(0),
    rssEndMB: +rssEnd.toFixed(0),
    evictedWriteMs: { p50: +median(lat).toFixed(2), p95: +percentile(lat, 95).toFixed(2) },
    evictedReadMs: { p50: +median(readLat).toFixed(2), p95: +percentile(readLat, 95).toFixed(2) },
  };
  console.log(
    `[NODE_OPTIONS ${out.nodeOptions}] RSS ${out.rssStartMB} MB at start, peak ${out.rssPeakDuringBurstMB} MB while creating ${instances} waiting instances (target ≤ 300 MB), ${out.rssWith10kWaitingMB} MB right after, ${out.rssAtRestMB} MB at rest (target ≤ 300 MB), created in ${out.createSeconds} s; ` +
      `write to an evicted instance p50 ${out.evictedWriteMs.p50} ms p95 ${out.evictedWriteMs.p95} ms; read of an uncached instance p50 ${out.evictedReadMs.p50} ms`,
  );
  return out;
}

/**
 * 1,000 instances wait on timers, all evicted from memory (8 live engines), due over a 10 s window:
 * how late each fires (log time − due time in its file), and the process's RSS.
 */
async function timerBench(n: number): Promise<Record<string, unknown>> {
  console.log(`\n== facade: ${n} evicted instances waiting on timers (due over 10 s) ==`);
  const dir = dataDirOn(os.tmpdir(), 'bra-timers-');
  fs.writeFileSync(path.join(dir, 'resources.uml'), umlModel({ Reminder: { wait: 'String' }, Answer: { text: 'String' } }, [['Reminder', 'Answer', '0..1']]));
  fs.writeFileSync(
    path.join(dir, 'reminders.bpmn'),
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="Reminders" isExecutable="true">
    <bpmn:extensionElements><linkedResource name="Reminder" /></bpmn:extensionElements>
    <bpmn:startEvent id="S"/>
    <bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">\${wait}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Answer"><bpmn:extensionElements><linkedResource name="Answer" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="a" sourceRef="S" targetRef="Wait"/><bpmn:sequenceFlow id="b" sourceRef="Wait" targetRef="Answer"/><bpmn:sequenceFlow id="c" sourceRef="Answer" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>
`,
  );
  const fired = new Map<string, number>();
  const f = await startFacade({ bpmnFile: dir, port: 0, dataDir: dataDirOn(os.tmpdir()), log: (l) => {
    const m = /^\[([^\]]+)\] \d+ timers? fired/.exec(l);
    if (m) fired.set(m[1], Date.now());
  } });
  const created = Date.now();
  const lead = 15_000 + n * 10; // creating them takes a while; all are created before the first is due
  const dueAt = new Map<string, number>();
  await throughput(async (i) => {
    const key = `t${String(i).padStart(5, '0')}`;
    const due = created + lead + Math.floor((i * 10_000) / n);
    dueAt.set(key, due);
    await http(`${f.url}/reminder`, 'POST', { businessKey: key, wait: `PT${((due - Date.now()) / 1000).toFixed(3)}S` });
  }, n, 8);
  const createdAll = Date.now();
  const rss = () => process.memoryUsage().rss / 1048576;
  let rssPeak = rss();
  const end = created + lead + 10_000 + 5_000;
  while (fired.size < n && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    rssPeak = Math.max(rssPeak, rss());
  }
  const late = [...dueAt].filter(([k]) => fired.has(k)).map(([k, d]) => fired.get(k)! - d);
  await f.close();
  const out = {
    instances: n,
    createdSeconds: +((createdAll - created) / 1000).toFixed(1),
    createdBeforeFirstDue: createdAll < created + lead,
    fired: fired.size,
    lateMs: { p50: +median(late).toFixed(0), p95: +percentile(late, 95).toFixed(0), max: +Math.max(...late).toFixed(0) },
    within1s: late.filter((x) => x <= 1000).length,
    rssPeakMB: +rssPeak.toFixed(0),
  };
  console.log(`${out.fired}/${n} fired; late by p50 ${out.lateMs.p50} ms, p95 ${out.lateMs.p95} ms, max ${out.lateMs.max} ms; ${out.within1s} within 1 s of their due time (target: all); RSS peak ${out.rssPeakMB} MB (server and client in one process)`);
  return out;
}
