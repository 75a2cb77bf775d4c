import { strict as assert } from 'node:assert';
import { ENGINES, engineTitle, FacadeHarness } from './harness';

for (const engine of ENGINES)
describe(`facade: the paper’s flow over real HTTP (${engineTitle(engine)})`, () => {
  const h = new FacadeHarness({ engine });
  before(() => h.start());
  after(() => h.stop());

  it('creates an application, takes two documents, a decision and an approval, and ends the process', async () => {
    // Create
    const created = await h.req('POST', '/application', { businessKey: 'app-1', product: 'car insurance', price: 1200, applicant: { name: 'Ada', birthDate: '1990-01-02T00:00:00Z' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), '/application/app-1');
    assert.match(created.headers.get('content-type')!, /application\/hal\+json/);
    assert.ok(created.headers.get('etag'));
    assert.equal(created.body.product, 'car insurance');
    assert.deepEqual(created.body._links.self, { href: '/application/app-1' });
    assert.deepEqual(created.body._links.document, { href: '/application/app-1/document' });
    assert.deepEqual(created.body._links.decision, { href: '/application/app-1/decision', title: 'Decision' });
    assert.deepEqual(Object.keys(created.body._templates), ['delete'], 'the root is not writable: no task is linked to it');

    // The two document iterations
    const docs = await h.req('GET', '/application/app-1/document');
    assert.equal(docs.status, 200);
    const items = docs.body._embedded.document;
    assert.equal(items.length, 2);
    const [d1, d2] = items.map((i: { documentId: string }) => i.documentId);
    assert.notEqual(d1, d2);

    // Not yet: the decision is readable but not writable while documents are collected
    const early = await h.req('GET', '/application/app-1/decision');
    assert.equal(early.status, 200);
    assert.equal(early.body._templates, undefined);
    assert.equal(early.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const tooEarly = await h.req('PUT', '/application/app-1/decision', { accepted: true, premium: 10 });
    assert.equal(tooEarly.status, 409);
    assert.equal(tooEarly.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.match(tooEarly.body.detail, /only while 'evaluate application' is active; the process is at 'upload document'/);

    const doc1 = await h.req('GET', `/application/app-1/document/${d1}`);
    assert.equal(doc1.status, 200);
    assert.deepEqual(Object.keys(doc1.body._templates), ['default', 'patch']);
    assert.equal(doc1.body._templates.default.method, 'PUT');
    assert.deepEqual(doc1.body._links.collection, { href: '/application/app-1/document' });
    assert.deepEqual(doc1.body._links.up, { href: '/application/app-1' });

    const put1 = await h.req('PUT', `/application/app-1/document/${d1}`, { description: 'passport', type: 'identity' });
    assert.equal(put1.status, 200, put1.text);
    assert.equal(put1.body.description, 'passport');
    assert.equal(put1.body._templates, undefined, 'completed: no longer writable');

    // Writing one iteration did not complete the other
    const doc2 = await h.req('GET', `/application/app-1/document/${d2}`);
    assert.deepEqual(Object.keys(doc2.body._templates), ['default', 'patch']);
    const again = await h.req('PUT', `/application/app-1/document/${d1}`, { description: 'again', type: 'x' });
    assert.equal(again.status, 409);
    const put2 = await h.req('PUT', `/application/app-1/document/${d2}`, { description: 'salary slip', type: 'income' });
    assert.equal(put2.status, 200);

    // Decision
    const decision = await h.req('GET', '/application/app-1/decision');
    assert.deepEqual(Object.keys(decision.body._templates), ['default', 'patch']);
    assert.equal(decision.headers.get('allow'), 'GET, HEAD, OPTIONS, PUT, PATCH');
    assert.deepEqual(decision.body._links.approval, { href: '/application/app-1/decision/approval', title: 'Approval' });
    const putDecision = await h.req('PUT', '/application/app-1/decision', { accepted: true, premium: 99.5 });
    assert.equal(putDecision.status, 200);

    // Approval
    const putApproval = await h.req('PUT', '/application/app-1/decision/approval', { approved: true });
    assert.equal(putApproval.status, 200);

    // The process ended; everything is still readable with its last data
    const root = await h.req('GET', '/application/app-1');
    assert.equal(root.body._process.state, 'completed');
    assert.deepEqual(root.body._process.waiting, []);
    assert.equal((await h.req('GET', '/application/app-1/decision')).body.premium, 99.5);
    assert.equal((await h.req('GET', `/application/app-1/document/${d2}`)).body.type, 'income');
    const finalDocs = await h.req('GET', '/application/app-1/document');
    assert.equal(finalDocs.body.count, 2);
    const late = await h.req('PUT', '/application/app-1/decision/approval', { approved: false });
    assert.equal(late.status, 409);
    assert.match(late.body.detail, /the process has ended/);
  });

  it('lists instances in pages with next/prev links', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await h.req('POST', '/application', { product: `p${i}` })).status, 201);
    const page = await h.req('GET', '/application?offset=1&limit=2');
    assert.equal(page.status, 200);
    assert.equal(page.body.total, 4);
    assert.equal(page.body._embedded.application.length, 2);
    assert.deepEqual(page.body._links.next, { href: '/application?offset=3&limit=2' });
    assert.deepEqual(page.body._links.prev, { href: '/application?offset=0&limit=2' });
    assert.equal(page.body._templates.default.method, 'POST');
  });

  it('PATCH merges and keeps the activity active; If-Match guards against lost updates', async () => {
    await h.req('POST', '/application', { businessKey: 'patchy' });
    const docs = await h.req('GET', '/application/patchy/document');
    const id = docs.body._embedded.document[0].documentId;
    const url = `/application/patchy/document/${id}`;
    const p1 = await h.req('PATCH', url, { description: 'draft' }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(p1.status, 200, p1.text);
    const etag = p1.headers.get('etag')!;
    const p2 = await h.req('PATCH', url, { type: 'identity' }, { 'content-type': 'application/merge-patch+json', 'if-match': etag });
    assert.equal(p2.status, 200);
    assert.equal(p2.body.description, 'draft');
    assert.equal(p2.body.type, 'identity');
    assert.deepEqual(Object.keys(p2.body._templates), ['default', 'patch'], 'still active');
    const stale = await h.req('PATCH', url, { type: 'x' }, { 'content-type': 'application/merge-patch+json', 'if-match': etag });
    assert.equal(stale.status, 412);
    assert.equal((await h.req('GET', url)).body.type, 'identity', 'nothing written on 412');
    const removed = await h.req('PATCH', url, { description: null }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(removed.body.description, undefined);
    const notModified = await h.req('GET', url, undefined, { 'if-none-match': removed.headers.get('etag')! });
    assert.equal(notModified.status, 304);
  });

  it('OPTIONS answers Allow; DELETE removes the instance', async () => {
    await h.req('POST', '/application', { businessKey: 'gone' });
    const o = await h.req('OPTIONS', '/application/gone/decision');
    assert.equal(o.status, 204);
    assert.equal(o.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.equal((await h.req('OPTIONS', '/application')).headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    assert.equal((await h.req('DELETE', '/application/gone')).status, 204);
    assert.equal((await h.req('GET', '/application/gone')).status, 404);
    assert.equal((await h.req('DELETE', '/application/gone')).status, 404);
  });

  it('answers plain JSON to a client that asks only for it', async () => {
    await h.req('POST', '/application', { businessKey: 'plain', product: 'bike' });
    const r = await h.req('GET', '/application/plain', undefined, { accept: 'application/json' });
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.equal(r.body.product, 'bike');
    const hal = await h.req('GET', '/application/plain', undefined, { accept: 'application/hal+json, application/json;q=0.5' });
    assert.match(hal.headers.get('content-type')!, /^application\/hal\+json/);
  });

  it('serialises writes to one instance: concurrent merge patches lose nothing', async () => {
    await h.req('POST', '/application', { businessKey: 'busy' });
    const id = (await h.req('GET', '/application/busy/document')).body._embedded.document[0].documentId;
    const url = `/application/busy/document/${id}`;
    const bodies = Array.from({ length: 20 }, (_, i) => (i % 2 ? { description: `d${i}` } : { type: `t${i}` }));
    const results = await Promise.all(bodies.map((b) => h.req('PATCH', url, b, { 'content-type': 'application/merge-patch+json' })));
    assert.ok(results.every((r) => r.status === 200));
    const versions = new Set(results.map((r) => `${r.body.description}|${r.body.type}`));
    assert.equal(versions.size, 20, 'each patch saw the result of the one before it');
    const final = (await h.req('GET', url)).body;
    assert.ok(final.description && final.type);
  });
  it('a rejected decision ends the process at the accepted? gateway: the decision is a process variable', async () => {
    assert.equal((await h.req('POST', '/application', { businessKey: 'app-rejected', product: 'boat', price: 1 })).status, 201);
    for (const d of (await h.req('GET', '/application/app-rejected/document')).body._embedded.document) {
      assert.equal((await h.req('PUT', `/application/app-rejected/document/${d.documentId}`, { description: 'x', type: 'y' })).status, 200);
    }
    assert.equal((await h.req('PUT', '/application/app-rejected/decision', { accepted: false, premium: 0 })).status, 200);
    const root = await h.req('GET', '/application/app-rejected');
    assert.equal(root.body._process.state, 'completed');
    const approval = await h.req('PUT', '/application/app-rejected/decision/approval', { approved: true });
    assert.equal(approval.status, 409);
    assert.match(approval.body.detail, /the process has ended/);
  });
  it('as HAL-FORMS clients need it: the start form lists every field, 201 says Content-Location, embedded items are the items, Content-Type follows Accept', async () => {
    const list = await h.req('GET', '/application');
    const start = list.body._templates.default;
    assert.deepEqual(
      start.properties.map((p: { name: string; type: string }) => [p.name, p.type]),
      [
        ['businessKey', 'text'],
        ['product', 'text'],
        ['price', 'number'],
        ['applicant', 'textarea'],
      ],
    );
    assert.match(start.properties[3].prompt, /a JSON object \(Person\)/);
    const created = await h.req('POST', '/application', { businessKey: 'hf-1', product: 'car' });
    assert.equal(created.headers.get('content-location'), '/application/hf-1');
    const coll = await h.req('GET', '/application/hf-1/document');
    for (const embedded of coll.body._embedded.document) {
      const item = await h.req('GET', embedded._links.self.href);
      assert.deepEqual(embedded, item.body, 'an embedded item is the item');
      assert.ok(embedded._templates.default, 'with its forms');
    }
    for (const [accept, type] of [
      ['application/prs.hal-forms+json', 'application/prs.hal-forms+json'],
      ['application/json', 'application/json'],
      ['application/hal+json;q=0.9, application/prs.hal-forms+json;q=0.5', 'application/hal+json'],
      ['*/*', 'application/hal+json'],
    ]) {
      const r = await h.req('GET', '/application/hf-1', undefined, { accept });
      assert.equal(r.headers.get('content-type')!.split(';')[0], type, accept);
    }
  });
});
