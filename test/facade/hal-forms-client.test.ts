import { strict as assert } from 'node:assert';
import { Client } from 'ketting';
import { FacadeHarness } from './harness';

/**
 * A HAL-FORMS client library that nobody on this project wrote (Ketting 8) walks the README's process
 * from the entry point using only links and forms: no URI is built by hand, and the 1-to-N documents are
 * the items embedded in their collection.
 */
describe('a HAL-FORMS client library (Ketting) walks the process by links and forms only', function () {
  this.timeout(20000);
  const h = new FacadeHarness();
  before(() => h.start());
  after(() => h.stop());

  it('start form → documents (embedded) → decision → approval → completed', async () => {
    const client = new Client(h.running.url);
    let requests = 0;
    client.use((request, next) => {
      requests++;
      return next(request);
    });
    const entry = await client.go('/application').get();
    const startForm = entry.action('default');
    assert.deepEqual(startForm.fields.map((f) => f.name), ['businessKey', 'product', 'price', 'applicant']);
    const created = await startForm.submit({ businessKey: 'ketting-1', product: 'car', price: 1200 });
    const before = requests;
    // The 201's Content-Location told Ketting that its body is the new instance: following Location needs no request.
    const app = await client.go(created.headers.get('location')!).get();
    assert.equal(requests, before, 'served from the cache that Content-Location filled');
    assert.equal(app.uri, `${h.running.url}/application/ketting-1`);
    assert.equal(app.data.product, 'car');

    const documents = await app.follow('document').get();
    const items = documents.followAll('document');
    assert.equal(items.length, 2);
    for (const [i, item] of items.entries()) {
      const doc = await item.get(); // served from the embedded representation
      assert.ok(doc.hasAction('default'), 'the embedded item carries its form');
      await doc.action('default').submit({ description: `doc ${i}`, type: 'identity' });
    }

    const decisionResource = app.follow('decision');
    const decision = await decisionResource.refresh();
    assert.ok(decision.hasAction('default'));
    await decision.action('default').submit({ accepted: true, premium: 99.5 });

    const approval = await (await decisionResource.refresh()).follow('approval').refresh();
    await approval.action('default').submit({ approved: true });

    const end = await client.go(app.uri).refresh();
    assert.equal(end.data._process.state, 'completed');
    assert.equal(end.hasAction('default'), false);
  });
});
