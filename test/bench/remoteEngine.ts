/**
 * The cost of an adapter in front of a remote engine, measured the same way for each: engine calls per
 * facade operation, counted at the engine's stand-in (or at a pass-through before a live engine), and the
 * latency the facade adds to a GET over the same engine calls sent directly (paired medians in one run, so
 * drift hits both alike).
 */
import * as path from 'node:path';
import { startFacade } from '../../server/src/facade/start';
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

export interface RemoteStandIn {
  url: string;
  requests: string[];
  stop(): Promise<void>;
}

export interface RemoteBenchOptions {
  /** deploy the example first (a live engine starts empty) */
  deploy?: boolean;
  /**
   * Where the facade that is timed talks to, when calls are counted at a pass-through in front of the engine
   * (a live engine): the latency is measured without the pass-through's own hop.
   */
  latencyUrl?: string;
}

/** `direct`: the engine calls a GET of the approval makes, sent without the facade (made once the instance `bench` exists). */
export async function remoteEngineBench(label: string, engine: string, standIn: RemoteStandIn, direct: () => Promise<() => Promise<void>>, o: RemoteBenchOptions = {}): Promise<Record<string, unknown>> {
  const counted = await startFacade({ bpmnFile: BPMN, engine, engineUrl: standIn.url, deploy: o.deploy, port: 0, log: () => undefined });
  const timedFacade = o.latencyUrl ? await startFacade({ bpmnFile: BPMN, engine, engineUrl: o.latencyUrl, port: 0, log: () => undefined }) : counted;
  let facade = counted;
  try {
    const call = async (method: string, url: string, body?: unknown, type = 'application/json', extra: Record<string, string> = {}) => {
      const r = await fetch(facade.url + url, { method, headers: { ...(body ? { 'content-type': type } : {}), ...extra }, body: body ? JSON.stringify(body) : undefined });
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
    await call('POST', '/application', { businessKey: 'bench2', product: 'car' });
    for (const d of ((await (await fetch(`${facade.url}/application/bench2/document`)).json()) as { _embedded: { document: { documentId: string }[] } })._embedded.document) {
      await call('PUT', `/application/bench2/document/${d.documentId}`, { description: 'x', type: 'y' });
    }
    const etag = (await fetch(`${facade.url}/application/bench2/decision`)).headers.get('etag')!;
    await count('PUT decision with If-Match (completes)', () => call('PUT', '/application/bench2/decision', { accepted: true, premium: 2 }, 'application/json', { 'if-match': etag }));
    await count('PUT decision (completes)', () => call('PUT', '/application/bench/decision', { accepted: true, premium: 2 }));
    await count('GET decision', () => call('GET', '/application/bench/decision'));

    facade = timedFacade;
    const get = () => call('GET', '/application/bench/decision/approval');
    const engineDirect = await direct();
    await timed(get, 50);
    await timed(engineDirect, 50);
    const f: number[] = [];
    const d: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = await timed(get, 1);
      const b = await timed(engineDirect, 1);
      f.push(a);
      d.push(b);
      diff.push(a - b);
    }
    const facadeGet = median(f);
    const engineGet = median(d);
    const added = median(diff);
    console.log(`engine calls per facade operation (${label}):`);
    for (const [op, c] of Object.entries(calls)) console.log(`  ${op.padEnd(40)} ${c}`);
    console.log(`GET: facade p50 ${facadeGet.toFixed(2)} ms, the same engine calls direct p50 ${engineGet.toFixed(2)} ms: added ${added.toFixed(2)} ms (target ≤ 2 ms)`);
    return { calls, getP50Ms: +facadeGet.toFixed(2), engineCallsP50Ms: +engineGet.toFixed(2), addedP50Ms: +added.toFixed(2) };
  } finally {
    await counted.close();
    if (timedFacade !== counted) await timedFacade.close();
    await standIn.stop();
  }
}
