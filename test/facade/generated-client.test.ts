import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers';
import { FacadeHarness } from './harness';

const BIN = path.join(ROOT, 'node_modules', '.bin');

/** The client a user would write against the generated types (openapi-typescript + openapi-fetch). */
const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const client = createClient<paths>({ baseUrl: process.env.BASE_URL! });

async function main(): Promise<void> {
  const created = await client.POST('/application', { body: { businessKey: 'generated-1', product: 'car', price: 1200 } });
  if (created.response.status !== 201 || !created.data) throw new Error('start: ' + created.response.status);
  const params = { path: { businessKey: 'generated-1' } };
  const docs = await client.GET('/application/{businessKey}/document', { params });
  const items = ((docs.data as { _embedded?: { document?: Array<{ documentId: string }> } })?._embedded?.document) ?? [];
  if (items.length !== 2) throw new Error('documents: ' + items.length);
  for (const item of items) {
    const put = await client.PUT('/application/{businessKey}/document/{documentId}', { params: { path: { businessKey: 'generated-1', documentId: item.documentId } }, body: { description: 'passport', type: 'identity' } });
    if (put.response.status !== 200) throw new Error('document: ' + put.response.status);
  }
  const decision = await client.PUT('/application/{businessKey}/decision', { params, body: { accepted: true, premium: 99.5 } });
  if (decision.data?.accepted !== true) throw new Error('decision');
  const refused = await client.PUT('/application/{businessKey}/decision', { params, body: { accepted: false } });
  if (refused.response.status !== 409 || !refused.error) throw new Error('a second decision must be refused: ' + refused.response.status);
  await client.PUT('/application/{businessKey}/decision/approval', { params, body: { approved: true } });
  const end = await client.GET('/application/{businessKey}', { params });
  const state = (end.data as { _process?: { state?: string } } | undefined)?._process?.state;
  console.log('STATE ' + state);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

describe('a client generated from /openapi.json (openapi-typescript + openapi-fetch)', function () {
  this.timeout(60000);
  const h = new FacadeHarness();
  before(() => h.start());
  after(() => h.stop());

  it('compiles under tsc --strict and walks the process', async () => {
    // Inside the repository, so that the client finds openapi-fetch in node_modules.
    const dir = fs.mkdtempSync(path.join(ROOT, '.test-tmp-client-'));
    try {
      fs.writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify((await h.req('GET', '/openapi.json')).body));
      fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
      const gen = spawnSync(path.join(BIN, 'openapi-typescript'), ['openapi.json', '-o', 'api.ts'], { cwd: dir, encoding: 'utf8' });
      assert.equal(gen.status, 0, gen.stderr);
      fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT);
      const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', 'client.ts', 'api.ts'], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
      // Not spawnSync: the facade answers from this process, whose event loop must keep running.
      const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['client.js'], { cwd: dir, env: { ...process.env, BASE_URL: h.running.url } });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /STATE completed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
