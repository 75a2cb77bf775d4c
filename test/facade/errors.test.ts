import { strict as assert } from 'node:assert';
import { FacadeHarness } from './harness';

describe('facade: every error status, as problem+json', () => {
  const h = new FacadeHarness({ bodyLimit: 2048 });
  let docUrl = '';
  before(async () => {
    await h.start();
    await h.req('POST', '/application', { businessKey: 'k1' });
    const docs = await h.req('GET', '/application/k1/document');
    docUrl = `/application/k1/document/${docs.body._embedded.document[0].documentId}`;
  });
  after(() => h.stop());

  function isProblem(r: { status: number; headers: Headers; body: any }, status: number) {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.headers.get('content-type')!, /application\/problem\+json/);
    assert.equal(r.body.status, status);
    assert.ok(r.body.title && r.body.detail);
  }

  it('400: bad JSON, wrong types, unknown fields, not an object — nothing written', async () => {
    isProblem(await h.req('PUT', docUrl, '{"description": '), 400);
    isProblem(await h.req('PUT', docUrl, '[1,2]'), 400);
    const wrong = await h.req('PUT', docUrl, { description: 42, type: 'x', colour: 'red' });
    isProblem(wrong, 400);
    assert.deepEqual(
      wrong.body.errors.map((e: { name: string }) => e.name).sort(),
      ['colour', 'description'],
    );
    const date = await h.req('POST', '/application', { applicant: { birthDate: 'yesterday' } });
    isProblem(date, 400);
    assert.equal(date.body.errors[0].name, 'applicant.birthDate');
    isProblem(await h.req('POST', '/application', { businessKey: '../etc' }), 400);
    isProblem(await h.req('GET', '/application?limit=1000'), 400);
    const doc = await h.req('GET', docUrl);
    assert.equal(doc.body.description, undefined, 'nothing was written');
    assert.ok(doc.body._templates.default, 'the task is still active');
  });

  it('404: unknown instance, unknown iteration, unknown path', async () => {
    isProblem(await h.req('GET', '/application/nope'), 404);
    isProblem(await h.req('GET', '/application/nope/decision'), 404);
    isProblem(await h.req('GET', '/application/k1/document/not-an-iteration'), 404);
    isProblem(await h.req('PUT', '/application/nope/decision', { accepted: true }), 404);
    isProblem(await h.req('GET', '/nothing/here'), 404);
  });

  it('405: methods that never apply, with Allow', async () => {
    const post = await h.req('POST', '/application/k1/decision', {});
    isProblem(post, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
    isProblem(await h.req('DELETE', '/application/k1/decision'), 405);
    isProblem(await h.req('PUT', '/application/k1', { product: 'x' }), 405);
    isProblem(await h.req('DELETE', '/application'), 405);
  });

  it('409: write while the linked activity is not active, with Allow and the reason', async () => {
    const r = await h.req('PUT', '/application/k1/decision/approval', { approved: true });
    isProblem(r, 409);
    assert.equal(r.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.match(r.body.detail, /'approve decision'/);
    isProblem(await h.req('POST', '/application', { businessKey: 'k1' }), 409);
  });

  it('412: a stale If-Match', async () => {
    const r = await h.req('PUT', docUrl, { description: 'x', type: 'y' }, { 'if-match': '"stale"' });
    isProblem(r, 412);
    assert.ok(r.headers.get('etag'));
  });

  it('413: a body over the limit', async () => {
    isProblem(await h.req('PUT', docUrl, { description: 'x'.repeat(5000), type: 'y' }), 413);
  });

  it('415: a body that is not JSON', async () => {
    isProblem(await h.req('PUT', docUrl, 'description=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
  });
});

describe('facade: bearer token', () => {
  const h = new FacadeHarness({ token: 's3cret' });
  before(() => h.start());
  after(() => h.stop());

  it('401 without or with a wrong token, 2xx with it', async () => {
    const none = await h.req('GET', '/application');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await h.req('GET', '/application', undefined, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await h.req('GET', '/openapi.json')).status, 200, 'the OpenAPI document holds no instance data: readable without the token');
    assert.equal((await h.req('GET', '/application', undefined, { authorization: 'Bearer s3cret' })).status, 200);
  });

  it('binds to 127.0.0.1 by default', () => {
    assert.match(h.running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
