/**
 * The Camunda 8 adapter's cost: engine calls per facade operation, counted at the orchestration-cluster
 * API STAND-IN (test/facade/camunda8/standin.ts), and the latency the facade adds over the engine calls
 * it makes, both measured in the same run: facade GET p50 minus the p50 of the same two searches sent
 * directly (in parallel, as the adapter sends them). The client runs with its default validation
 * (none, as users run it unless they set CAMUNDA_SDK_VALIDATION).
 */
import * as path from 'node:path';
import { startFacade } from '../../server/src/facade/start';
import { Camunda8StandIn } from '../facade/camunda8/standin';
import { EXAMPLE } from '../helpers';
import { median } from './stats';

const BPMN = path.join(EXAMPLE, 'application.bpmn');

async function timed(fn: () => Promise<unknown>, n: number): Promise<number> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(lat);
}

export async function camunda8Bench(): Promise<Record<string, unknown>> {
  const standIn = await new Camunda8StandIn({ bpmnFile: BPMN }).start();
  const facade = await startFacade({ bpmnFile: BPMN, engine: 'camunda8', engineUrl: standIn.url, port: 0, log: () => undefined });
  try {
    const call = async (method: string, url: string, body?: unknown, type = 'application/json') => {
      const r = await fetch(facade.url + url, { method, headers: body ? { 'content-type': type } : {}, body: body ? JSON.stringify(body) : undefined });
      await r.arrayBuffer();
      if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status}`);
    };
    const calls: Record<string, number> = {};
    const count = async (name: string, fn: () => Promise<unknown>) => {
      const before = standIn.requests.length;
      await fn();
      calls[name] = standIn.requests.length - before;
    };
    await count('POST /application', () => call('POST', '/application', { businessKey: 'bench', product: 'car' }));
    const docs = (await (await fetch(`${facade.url}/application/bench/document`)).json()) as { _embedded: { document: { documentId: string }[] } };
    const [d1, d2] = docs._embedded.document.map((d) => d.documentId);
    await count('GET item', () => call('GET', `/application/bench/document/${d1}`));
    await count('PATCH item (1-to-N, local variables)', () => call('PATCH', `/application/bench/document/${d1}`, { description: 'x' }, 'application/merge-patch+json'));
    await count('PUT item (completes, 1-to-N)', () => call('PUT', `/application/bench/document/${d1}`, { description: 'x', type: 'y' }));
    await call('PUT', `/application/bench/document/${d2}`, { description: 'x', type: 'y' });
    await count('PATCH decision', () => call('PATCH', '/application/bench/decision', { premium: 1 }, 'application/merge-patch+json'));
    await count('PUT decision (completes)', () => call('PUT', '/application/bench/decision', { accepted: true, premium: 2 }));
    await count('GET decision', () => call('GET', '/application/bench/decision'));

    const get = () => call('GET', '/application/bench/decision/approval');
    const rootKey = ((await (await fetch(`${standIn.url}/v2/process-instances/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filter: { variables: [{ name: 'businessKey', value: '"bench"' }] } }) })).json()) as { items: { processInstanceKey: string }[] }).items[0].processInstanceKey;
    const direct = async () => {
      const post = (p: string, body: unknown) => fetch(`${standIn.url}/v2/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const [a, b] = await Promise.all([
        post('variables/search', { filter: { processInstanceKey: rootKey, scopeKey: rootKey }, page: { limit: 1000 } }),
        post('user-tasks/search', { filter: { state: 'CREATED', processInstanceVariables: [{ name: 'businessKey', value: '"bench"' }] }, page: { limit: 1000 } }),
      ]);
      await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
    };
    // Paired: each facade GET next to the same engine calls sent directly, so drift hits both alike.
    await timed(get, 50);
    await timed(direct, 50);
    const f: number[] = [];
    const d: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = await timed(get, 1);
      const b = await timed(direct, 1);
      f.push(a);
      d.push(b);
      diff.push(a - b);
    }
    const facadeGet = median(f);
    const engineGet = median(d);
    const added = median(diff);
    console.log('engine calls per facade operation (Camunda 8 adapter):');
    for (const [op, c] of Object.entries(calls)) console.log(`  ${op.padEnd(40)} ${c}`);
    console.log(`GET: facade p50 ${facadeGet.toFixed(2)} ms, the same engine calls direct p50 ${engineGet.toFixed(2)} ms: added ${added.toFixed(2)} ms (target ≤ 2 ms)`);
    return { calls, getP50Ms: +facadeGet.toFixed(2), engineCallsP50Ms: +engineGet.toFixed(2), addedP50Ms: +added.toFixed(2) };
  } finally {
    await facade.close();
    await standIn.stop();
  }
}
