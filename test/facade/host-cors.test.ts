import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { hostAllowed } from '../../server/src/facade/http';
import { FacadeHarness } from './harness';

/** The harness whose contract checker judges the raw requests too (set by each describe). */
let current: FacadeHarness | undefined;

/** A request with any Host header (fetch() does not let a test set it); its answer is checked against the served OpenAPI too. */
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const body = text && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text;
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        current?.contract.check(method, path, res.statusCode!, h, body, text);
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const PATHS = ['/application', '/application/x', '/application/x/decision', '/messages/anything', '/openapi.json', '/docs', '/docs/static/index.html', '/nowhere'];

describe('facade: only Host values that name this machine (DNS rebinding), CORS only when asked', () => {
  for (const token of [undefined, 'secret']) {
    describe(token ? 'with a token' : 'without a token', () => {
      const h = new FacadeHarness({ token });
      before(async () => {
        await h.start();
        current = h;
      });
      after(() => h.stop());

      it('Host: evil.example gets 403 problem+json on every path, before anything else', async () => {
        for (const p of PATHS) {
          for (const host of ['evil.example', 'evil.example:3000', 'attacker.test:80']) {
            const r = await raw(h.running.url, 'GET', p, { Host: host, ...(token ? { Authorization: `Bearer ${token}` } : {}) });
            assert.equal(r.status, 403, `${host} ${p}`);
            assert.match(String(r.headers['content-type']), /application\/problem\+json/);
            assert.match(r.body.detail, /is not allowed here/);
          }
        }
      });

      it('localhost, 127.0.0.1 and [::1] with any port pass', async () => {
        for (const host of ['localhost', 'localhost:1', '127.0.0.1:3000', '[::1]:8080', '[::1]', 'LOCALHOST:99']) {
          const r = await raw(h.running.url, 'GET', '/openapi.json', { Host: host });
          assert.equal(r.status, 200, host);
        }
      });

      it('the docs and the OpenAPI document are readable without the token; instance data is not', async () => {
        assert.equal((await raw(h.running.url, 'GET', '/openapi.json')).status, 200);
        assert.equal((await raw(h.running.url, 'GET', '/docs')).status, 200);
        assert.equal((await raw(h.running.url, 'GET', '/docs/static/swagger-ui.css')).status, 200);
        assert.equal((await raw(h.running.url, 'GET', '/application')).status, token ? 401 : 200);
        assert.equal((await raw(h.running.url, 'POST', '/openapi.json')).status, token ? 401 : 405);
      });
    });
  }

  describe('--allowed-host and --cors', () => {
    const h = new FacadeHarness({ allowedHosts: ['api.test'], cors: 'https://app.example' });
    before(async () => {
      await h.start();
      current = h;
    });
    after(() => h.stop());

    it('a listed name passes; others are still refused', async () => {
      assert.equal((await raw(h.running.url, 'GET', '/application', { Host: 'api.test:3000' })).status, 200);
      assert.equal((await raw(h.running.url, 'GET', '/application', { Host: 'other.test' })).status, 403);
    });

    it('the named origin gets CORS headers and its preflight is answered; other origins get none', async () => {
      const ok = await raw(h.running.url, 'GET', '/application', { Origin: 'https://app.example' });
      assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
      const pre = await raw(h.running.url, 'OPTIONS', '/application', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
      assert.equal(pre.status, 204);
      assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
      const other = await raw(h.running.url, 'GET', '/application', { Origin: 'https://evil.example' });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    });
  });

  it('without --cors no CORS header is sent (a page elsewhere cannot read the local API)', async () => {
    const h = new FacadeHarness();
    await h.start();
    current = h;
    try {
      const r = await raw(h.running.url, 'GET', '/application', { Origin: 'https://app.example' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    } finally {
      await h.stop();
    }
  });

  it('bound elsewhere, any Host passes unless --allowed-host narrows it', () => {
    assert.equal(hostAllowed('evil.example', '0.0.0.0', []), true);
    assert.equal(hostAllowed('evil.example', '0.0.0.0', ['api.test']), false);
    assert.equal(hostAllowed('api.test:443', '0.0.0.0', ['api.test']), true);
    assert.equal(hostAllowed('localhost:3000', '::1', []), true);
    assert.equal(hostAllowed(undefined, '127.0.0.1', []), false);
    assert.equal(hostAllowed('a b', '127.0.0.1', []), false);
  });
});
