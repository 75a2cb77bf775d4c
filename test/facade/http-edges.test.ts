import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { decodeSlot, fileNameOf, keyOfFileName, slotFileNames } from '../../server/src/facade/embedded/store';
import { FacadeHarness } from './harness';
import { tempDir } from '../helpers';

describe('facade: HTTP edges found by trying it as a new user', () => {
  const h = new FacadeHarness({ requestTimeout: 500 });
  let docUrl = '';
  before(async () => {
    await h.start();
    await h.req('POST', '/application', { businessKey: 'e1' });
    docUrl = `/application/e1/document/${(await h.req('GET', '/application/e1/document')).body._embedded.document[0].documentId}`;
  });
  after(() => h.stop());

  const json = { 'content-type': 'application/json' };

  it('a body-less request with Content-Type JSON gets its real status: method and route are judged before the body', async () => {
    assert.equal((await h.req('OPTIONS', '/application/e1', undefined, json)).status, 204);
    assert.equal((await h.req('GET', '/application/e1', undefined, json)).status, 200);
    const del = await h.req('DELETE', '/application/e1/decision', undefined, json);
    assert.equal(del.status, 405, del.text);
    assert.equal(del.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const empty = await h.req('PUT', docUrl, '', json);
    assert.equal(empty.status, 400);
    assert.match(empty.body.detail, /the body is empty/);
    assert.equal((await h.req('POST', '/application', '', json)).status, 201, 'an empty start body is an empty object');
  });

  it('406 when the client accepts none of the types the API answers with; any admissible range is enough', async () => {
    const r = await h.req('GET', '/application/e1', undefined, { accept: 'text/html' });
    assert.equal(r.status, 406);
    assert.match(r.headers.get('content-type')!, /application\/problem\+json/);
    assert.equal((await h.req('GET', '/application/e1', undefined, { accept: 'application/xml, */*;q=0.1' })).status, 200);
    assert.equal((await h.req('GET', '/application/e1', undefined, { accept: 'application/json;q=0' })).status, 406);
    assert.equal((await h.req('GET', '/docs', undefined, { accept: 'text/html' })).status, 200, 'the docs page is HTML');
  });

  it('the longest business key POST accepts (128) is reachable; a longer path segment is 414 and a malformed escape 400, both problem+json', async () => {
    const key = `K${'k'.repeat(127)}`;
    assert.equal((await h.req('POST', '/application', { businessKey: key, product: 'p', price: 1 })).status, 201);
    const got = await h.req('GET', `/application/${key}/decision`);
    assert.equal(got.status, 200, got.text);
    const long = await h.req('GET', `/application/${'k'.repeat(600)}`);
    assert.equal(long.status, 414);
    assert.match(long.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.match(long.body.detail, /longer than 512 characters/);
    const bad = await h.req('GET', '/application/%zz');
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('TRACE is 405 with Allow, not 404', async () => {
    // fetch() refuses to send TRACE; node:http does.
    const trace = (p: string) =>
      new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
        const r = http.request(h.running.url + p, { method: 'TRACE' }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow }));
        });
        r.on('error', reject);
        r.end();
      });
    assert.deepEqual(await trace('/application/e1'), { status: 405, allow: 'GET, HEAD, OPTIONS, DELETE' });
    assert.deepEqual(await trace('/application'), { status: 405, allow: 'GET, HEAD, OPTIONS, POST' });
  });

  it('text/plain on a write is 415 naming the accepted type; nothing written', async () => {
    const r = await h.req('PUT', docUrl, '{"description":"x"}', { 'content-type': 'text/plain' });
    assert.equal(r.status, 415, r.text);
    assert.match(r.body.detail, /'text\/plain' is not accepted: send JSON \(Content-Type application\/json/);
    const p = await h.req('PATCH', docUrl, 'description=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(p.status, 415);
    assert.match(p.body.detail, /merge-patch\+json/);
    assert.equal((await h.req('GET', docUrl)).body.description, undefined);
  });

  it('numbers must be finite: 1e400 is 400 naming the field, not null stored', async () => {
    const r = await h.req('POST', '/application', '{"businessKey":"big","price":1e400}');
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.body.errors, [{ name: 'price', pointer: '/price', reason: 'must be a finite number' }]);
    assert.equal((await h.req('GET', '/application/big')).status, 404);
    const nested = await h.req('PUT', docUrl, '{"description":"a","type":"b","x":{"y":[1,-1e999]}}');
    assert.equal(nested.status, 400);
    assert.equal(nested.body.errors[0].pointer, '/x/y/1');
  });

  it('prototype keys in a body are refused (fastify’s secure JSON parsing is kept)', async () => {
    const r = await h.req('PATCH', docUrl, '{"__proto__":{"polluted":true}}', { 'content-type': 'application/merge-patch+json' });
    assert.equal(r.status, 400);
  });

  it('a client that sends headers and part of a body does not keep the connection: the request times out', async function () {
    this.timeout(10000);
    const url = new URL(h.running.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(url.port), url.hostname, () => {
        sock.write(`PUT ${docUrl} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"descr`);
      });
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    const took = Date.now() - started;
    assert.ok(took < 5000, `closed after ${took} ms`);
    assert.match(answer, /^HTTP\/1\.1 408|^$/, answer.slice(0, 80));
  });
});

describe('facade: reads beside a DELETE of the same instance (found by fuzzing)', () => {
  const h = new FacadeHarness();
  before(() => h.start());
  after(() => h.stop());

  it('GET, HEAD and OPTIONS racing a DELETE answer 200/204 or 404, never 500', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 30; i++) {
      const key = `race${i}`;
      assert.equal((await h.req('POST', '/application', { businessKey: key, product: 'p', price: 1 })).status, 201);
      const answers = await Promise.all([
        h.req('GET', `/application/${key}/decision`),
        h.req('DELETE', `/application/${key}`),
        h.req('GET', `/application/${key}`),
        h.req('HEAD', `/application/${key}`),
        h.req('OPTIONS', `/application/${key}/decision`),
        h.req('GET', '/application?size=100'),
      ]);
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    assert.deepEqual([...statuses.keys()].filter((s) => ![200, 204, 404].includes(s)), [], JSON.stringify([...statuses]));
    assert.equal((await h.req('GET', '/application')).body.total ?? 0, 0);
  });
});

describe('facade: instance files are named so that distinct keys never meet on any platform', () => {
  it('case-differing keys and Windows device names get distinct, safe names; names read back', () => {
    const keys = ['Abc', 'abc', 'ABC', 'CON', 'con', 'nul', 'AUX.txt', 'a~b', 'a~B', 'x'.repeat(128), 'Y'.repeat(128)];
    const names = keys.map(fileNameOf);
    assert.equal(new Set(names.map((n) => n.toLowerCase())).size, keys.length, names.join(' '));
    for (const n of names) {
      assert.match(n, /^[kh]-[a-z0-9._~-]+\.json$/);
      assert.ok(n.length <= 255);
      assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(n));
    }
    keys.forEach((k, i) => {
      if (names[i].startsWith('k-')) assert.equal(keyOfFileName(names[i]), k);
    });
  });

  it('keys that differ in case are two instances; a data folder of the previous layout is read and moved', async () => {
    const dataDir = tempDir('bra-names-');
    // The previous version wrote <key>.json: one such file.
    const h0 = new FacadeHarness({ dataDir });
    await h0.start();
    await h0.req('POST', '/application', { businessKey: 'Old', product: 'kept' });
    await h0.stop();
    const dir = path.join(dataDir, 'instances');
    const [slot] = slotFileNames('Old');
    fs.writeFileSync(path.join(dir, 'Old.json'), decodeSlot(fs.readFileSync(path.join(dir, slot)))!.json);
    fs.rmSync(path.join(dir, slot));
    const h = new FacadeHarness({ dataDir });
    await h.start();
    try {
      assert.equal((await h.req('GET', '/application/Old')).body.product, 'kept');
      assert.ok(!fs.existsSync(path.join(dir, 'Old.json')));
      assert.equal((await h.req('POST', '/application', { businessKey: 'Abc', product: 'upper' })).status, 201);
      assert.equal((await h.req('POST', '/application', { businessKey: 'abc', product: 'lower' })).status, 201);
      assert.equal((await h.req('POST', '/application', { businessKey: 'CON', product: 'device' })).status, 201);
      assert.equal((await h.req('GET', '/application/Abc')).body.product, 'upper');
      assert.equal((await h.req('GET', '/application/abc')).body.product, 'lower');
      await h.restart();
      assert.equal((await h.req('GET', '/application')).body.total, 4);
      assert.equal((await h.req('GET', '/application/CON')).body.product, 'device');
    } finally {
      await h.stop();
    }
  });
});
