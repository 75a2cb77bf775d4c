/**
 * The Camunda 7 adapter in front of a LIVE Camunda 7 CE 7.24.0 (test/engines, a fresh engine of its own):
 * - its cost (remoteEngine.ts): engine calls per operation, counted at the validating pass-through, and the
 *   latency a GET adds over the same two engine calls sent directly (paired p50; target ≤ 2 ms);
 * - load: 50 concurrent clients run the paper's flow through one facade; then every instance is read back
 *   (its data is what its client wrote) and the engine's history is asked for doubles (one instance per key,
 *   four completed tasks). The baseline: the same flows sent to engine-rest directly (start; then the tasks
 *   and one completion, four times, with the variables the facade sent), at the same concurrency.
 */
import * as path from 'node:path';
import { startFacade } from '../../server/src/facade/start';
import { EngineRestProxy } from '../engines/engineRestProxy';
import { LiveEngine, liveEnginesMissing } from '../engines/live';
import { EXAMPLE } from '../helpers';
import { http } from './facade.bench';
import { remoteEngineBench } from './remoteEngine';

const BPMN = path.join(EXAMPLE, 'application.bpmn');
const CLIENTS = 50;
const FLOWS_PER_CLIENT = 4;

/** What a client writes in flow `key` (checked after the load). */
const written = (c: number, i: number) => ({ premium: c * 1000 + i, description: `doc ${c}/${i}` });

async function facadeFlow(base: string, key: string, c: number, i: number): Promise<void> {
  const w = written(c, i);
  await http(`${base}/application`, 'POST', { businessKey: key, product: 'car', price: c });
  const docs = await http(`${base}/application/${key}/document`);
  for (const d of docs._embedded.document) await http(`${base}/application/${key}/document/${d.documentId}`, 'PUT', { description: w.description, type: 't' });
  await http(`${base}/application/${key}/decision`, 'PUT', { accepted: true, premium: w.premium });
  await http(`${base}/application/${key}/decision/approval`, 'PUT', { approved: true });
}

/** The engine-rest requests of one flow as the facade sent them: the start's variables and the four completions' bodies. */
function capturedFlow(proxy: EngineRestProxy, from: number): { start: any; completions: any[] } {
  const sent = proxy.received.slice(from);
  const start = sent.find((r) => /\/start$/.test(r.request))!.body as { variables: unknown };
  return { start: start.variables, completions: sent.filter((r) => /\/task\/[^/]+\/complete$/.test(r.request)).map((r) => r.body) };
}

async function directFlow(engineRest: string, key: string, flow: { start: any; completions: any[] }): Promise<void> {
  await http(`${engineRest}/process-definition/key/InsuranceApplication/start`, 'POST', { businessKey: key, variables: flow.start });
  for (const body of flow.completions) {
    const [task] = await http(`${engineRest}/task?processInstanceBusinessKey=${encodeURIComponent(key)}`);
    await http(`${engineRest}/task/${task.id}/complete`, 'POST', body);
  }
}

async function concurrently(run: (c: number, i: number) => Promise<void>): Promise<{ flowsPerSecond: number; errors: string[] }> {
  const errors: string[] = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; i < FLOWS_PER_CLIENT; i++) await run(c, i).catch((e: Error) => errors.push(e.message));
    }),
  );
  return { flowsPerSecond: (CLIENTS * FLOWS_PER_CLIENT) / (Number(process.hrtime.bigint() - t0) / 1e9), errors };
}

/** Every flow's instance read back through the facade and counted in the engine's history: lost or doubled writes. */
async function verify(base: string, engineRest: string): Promise<string[]> {
  const wrong: string[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    for (let i = 0; i < FLOWS_PER_CLIENT; i++) {
      const key = `load-${c}-${i}`;
      const w = written(c, i);
      const root = await http(`${base}/application/${key}`);
      const decision = await http(`${base}/application/${key}/decision`);
      const docs = (await http(`${base}/application/${key}/document`))._embedded.document as { description: string }[];
      const instances = (await http(`${engineRest}/history/process-instance/count?processInstanceBusinessKey=${key}`)).count;
      const tasks = (await http(`${engineRest}/history/task/count?processInstanceBusinessKey=${key}&finished=true`)).count;
      const got = [root._process.state, decision.premium, docs.map((d) => d.description).join('|'), instances, tasks];
      const want = ['completed', w.premium, `${w.description}|${w.description}`, 1, 4];
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${key}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
  }
  return wrong;
}

async function loadBench(live: LiveEngine, proxy: EngineRestProxy): Promise<Record<string, unknown>> {
  // One flow through the pass-through: what the facade sends, replayed by the direct baseline.
  const probe = await startFacade({ bpmnFile: BPMN, engine: 'camunda7', engineUrl: proxy.url, port: 0, log: () => undefined });
  const from = proxy.received.length;
  await facadeFlow(probe.url, 'probe', 0, 0);
  await probe.close();
  const flow = capturedFlow(proxy, from);
  const facade = await startFacade({ bpmnFile: BPMN, engine: 'camunda7', engineUrl: live.url, port: 0, log: () => undefined });
  try {
    await concurrently((c, i) => directFlow(live.url, `warm-direct-${c}-${i}`, flow)); // the JVM's warm-up, not timed
    const viaFacade = await concurrently((c, i) => facadeFlow(facade.url, `load-${c}-${i}`, c, i));
    const direct = await concurrently((c, i) => directFlow(live.url, `direct-${c}-${i}`, flow));
    const wrong = await verify(facade.url, live.url);
    const ratio = viaFacade.flowsPerSecond / direct.flowsPerSecond;
    console.log(
      `load, ${CLIENTS} clients × ${FLOWS_PER_CLIENT} flows: facade ${viaFacade.flowsPerSecond.toFixed(1)} flows/s, engine-rest direct ${direct.flowsPerSecond.toFixed(1)} flows/s: ${ratio.toFixed(2)} ×; ` +
        `${viaFacade.errors.length} errors, ${wrong.length} lost or doubled (target 0, 0)`,
    );
    for (const e of [...viaFacade.errors, ...direct.errors, ...wrong].slice(0, 5)) console.log(`  ${e}`);
    return {
      clients: CLIENTS,
      flows: CLIENTS * FLOWS_PER_CLIENT,
      facadeFlowsPerSecond: +viaFacade.flowsPerSecond.toFixed(1),
      directFlowsPerSecond: +direct.flowsPerSecond.toFixed(1),
      throughputRatio: +ratio.toFixed(2),
      errors: viaFacade.errors.length,
      directErrors: direct.errors.length,
      lostOrDoubled: wrong.length,
    };
  } finally {
    await facade.close();
  }
}

export async function camunda7LiveBench(): Promise<Record<string, unknown>> {
  const missing = liveEnginesMissing();
  if (missing) {
    console.log(`camunda7 against a live engine: skipped (${missing})`);
    return { skipped: missing };
  }
  const live = await new LiveEngine('camunda7', { label: 'bench' }).start();
  try {
    console.log(`live ${live.title} up in ${(live.startupMs / 1000).toFixed(1)} s`);
    const proxy = await new EngineRestProxy(live.url).start();
    const cost = await remoteEngineBench(`Camunda 7 adapter, LIVE ${live.title}`, 'camunda7', proxy, async () => {
      const [root] = await http(`${live.url}/process-instance?businessKey=bench`);
      return async () => {
        const [a, b] = await Promise.all([fetch(`${live.url}/process-instance/${root.id}/variables?deserializeValues=false`), fetch(`${live.url}/task?processInstanceBusinessKey=bench`)]);
        await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
      };
    }, { deploy: true, latencyUrl: live.url });
    proxy.assertClean();
    await proxy.start(); // remoteEngineBench stopped it
    const load = await loadBench(live, proxy);
    await proxy.stop();
    proxy.assertClean();
    return { engine: live.title, startupMs: live.startupMs, ...cost, load };
  } finally {
    await live.stop();
  }
}
