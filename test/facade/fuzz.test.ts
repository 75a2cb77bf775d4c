import { strict as assert } from 'node:assert';
import { rng } from '../helpers';
import { ENGINES, engineTitle, FacadeHarness } from './harness';

const METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE', 'PROPFIND'];
const TYPES = [undefined, 'application/json', 'application/merge-patch+json', 'text/plain', 'application/json; charset=latin1', 'application/hal+json', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ';;;'];
const ACCEPTS = [undefined, 'application/json', 'application/hal+json', 'application/prs.hal-forms+json', 'text/html', '*/*', 'application/xml', ';q=x'];
const IF_MATCH = [undefined, undefined, '"x"', '*', 'W/"a"', `"${'a'.repeat(20)}.12345678"`];
const BODIES = [
  undefined,
  '',
  '{',
  'null',
  '[]',
  '{}',
  '"text"',
  '12',
  '\u0000',
  '{"accepted":true,"premium":1}',
  '{"accepted":"yes"}',
  '{"premium":1e400}',
  '{"price":9007199254740993}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"businessKey":"a"}',
  '{"businessKey":""}',
  '{"businessKey":"CON"}',
  '{"businessKey":"../x"}',
  '{"businessKey":123}',
  '{"description":"d","type":"t"}',
  '{"approved":true}',
  '{"a":"\ud800"}',
  `{"product":"${'p'.repeat(100_000)}"}`,
  JSON.stringify({ a: Array(5000).fill({ b: [1, 2, 3] }) }),
  '['.repeat(2000) + ']'.repeat(2000),
];

/**
 * Requests no one would send on purpose, thrown at the facade over real HTTP while instances are
 * created and deleted beside them: every answer is a status below 500, errors are problem+json, and the
 * facade still serves afterwards. (A GET beside a DELETE answered 500 until this ran.)
 */
for (const engine of ENGINES) {
  describe(`facade fuzz: random methods, paths, headers and bodies — ${engineTitle(engine)}`, () => {
    const h = new FacadeHarness({ engine, log: () => undefined });
    before(() => h.start());
    after(() => h.stop());

    it('never answers 5xx; error bodies are problem+json with their status', async function () {
      this.timeout(120_000);
      const seed = Number(process.env.FUZZ_SEED ?? 20261123);
      const r = rng(seed);
      const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
      const longest = `K${'k'.repeat(127)}`; // the longest business key there is
      for (const k of ['a', 'b', 'c', longest]) await fetch(`${h.running.url}/application`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ businessKey: k, product: 'p', price: 1 }) });
      const doc = ((await (await fetch(`${h.running.url}/application/a/document`)).json()) as { _embedded: { document: Array<{ documentId: string }> } })._embedded.document[0].documentId;
      const paths = ['/application', '/application/a', '/application/b', '/application/c/decision', '/application/a/decision/approval', '/application/b/document', `/application/a/document/${doc}`, '/application/c/document/zzz', '/application/%00', '/application/%zz', `/application/${longest}`, `/application/${longest}/decision`, '/application/a/../b', '/application/a/decision/', '/messages/x', '/messages/', '/openapi.json', '/docs/json', `/application/${'x'.repeat(5000)}`, '/application/a?x=1&x=2', '/application?page=-1', '/application?page=abc&size=1e9', '/application?size=0', '//application', '/application/%E2%82%AC', '/application/a%2Fb', '/APPLICATION/a'];
      const failures: string[] = [];
      let sent = 0;
      const total = engine === 'embedded' ? 1200 : 400;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (sent < total) {
            sent++;
            const [method, p, type, accept, ifMatch, body] = [pick(METHODS), pick(paths), pick(TYPES), pick(ACCEPTS), pick(IF_MATCH), pick(BODIES)];
            const headers: Record<string, string> = {};
            if (type) headers['content-type'] = type;
            if (accept) headers.accept = accept;
            if (ifMatch) headers['if-match'] = ifMatch;
            const what = `${method} ${p.slice(0, 60)} [${type ?? ''}] ${(body ?? '').slice(0, 40)}`;
            const res = await fetch(h.running.url + p, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
            const text = await res.text();
            if (res.status >= 500) failures.push(`${what} → ${res.status} ${text.slice(0, 160)}`);
            else if (res.status >= 400 && text && !p.startsWith('/docs')) {
              const ct = res.headers.get('content-type') ?? '';
              if (!ct.startsWith('application/problem+json') || JSON.parse(text).status !== res.status) failures.push(`${what} → ${res.status} as ${ct}: ${text.slice(0, 120)}`);
            }
          }
        }),
      );
      assert.deepEqual(failures.slice(0, 10), [], `seed ${seed}: ${failures.length} bad answers`);
      const alive = await fetch(`${h.running.url}/openapi.json`);
      assert.equal(alive.status, 200);
    });
  });
}
