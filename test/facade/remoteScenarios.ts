/**
 * What every adapter in front of a remote engine must show with two facade processes on one engine
 * (the facade keeps no state): the same data through both, interleaved writes, and a race on one task.
 * Used by the Camunda 7 and Camunda 8 adapter tests, each against its stand-in.
 */
import { strict as assert } from 'node:assert';
import type { RunningFacade } from '../../server/src/facade/start';

export async function call(f: RunningFacade, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(f.url + url, { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export const patchHeaders = { 'content-type': 'application/merge-patch+json' };

/** Two facades serve the same data, writes interleaved between them (the paper's example). */
export async function twoFacadesInterleaved(a: RunningFacade, b: RunningFacade): Promise<void> {
  assert.equal((await call(a, 'POST', '/application', { businessKey: 'shared', product: 'car' })).status, 201);
  const docs = (await call(b, 'GET', '/application/shared/document')).body._embedded.document;
  assert.equal(docs.length, 2, 'b sees the instance a started');
  const [d1, d2] = docs.map((d: { documentId: string }) => d.documentId);
  assert.equal((await call(a, 'PATCH', `/application/shared/document/${d1}`, { description: 'draft' }, patchHeaders)).status, 200);
  const patched = await call(b, 'PATCH', `/application/shared/document/${d1}`, { type: 'identity' }, patchHeaders);
  assert.deepEqual([patched.body.description, patched.body.type], ['draft', 'identity'], 'b merged onto what a wrote');
  assert.equal((await call(b, 'PUT', `/application/shared/document/${d1}`, { description: 'passport', type: 'identity' })).status, 200);
  const late = await call(a, 'PUT', `/application/shared/document/${d1}`, { description: 'again', type: 'x' });
  assert.equal(late.status, 409, 'a sees that b completed the iteration');
  assert.equal((await call(a, 'PUT', `/application/shared/document/${d2}`, { description: 'slip', type: 'income' })).status, 200);
  assert.equal((await call(b, 'PUT', '/application/shared/decision', { accepted: true, premium: 7 })).status, 200);
  const fromA = await call(a, 'GET', '/application/shared/decision');
  const fromB = await call(b, 'GET', '/application/shared/decision');
  assert.deepEqual(fromA.body, fromB.body);
  assert.equal(fromA.headers.get('etag'), fromB.headers.get('etag'));
  assert.equal(fromA.body.premium, 7);
}

/**
 * The decision completed through both facades at once: one 200, one 409, and the data is the winner's.
 * `race` wraps the two concurrent PUTs (to count what reached the engine meanwhile).
 */
export async function raceOnOneTask(a: RunningFacade, b: RunningFacade, race: <T>(puts: () => Promise<T>) => Promise<T> = (puts) => puts()): Promise<void> {
  await call(a, 'POST', '/application', { businessKey: 'race', product: 'car' });
  for (const d of (await call(a, 'GET', '/application/race/document')).body._embedded.document) {
    assert.equal((await call(a, 'PUT', `/application/race/document/${d.documentId}`, { description: 'x', type: 'y' })).status, 200);
  }
  const results = await race(() => Promise.all([a, b].map((f, i) => call(f, 'PUT', '/application/race/decision', { accepted: true, premium: i + 1 }))));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], JSON.stringify(results.map((r) => r.body)));
  const winner = results.find((r) => r.status === 200)!.body.premium;
  assert.equal((await call(b, 'GET', '/application/race/decision')).body.premium, winner, "the data is the winner's");
}
