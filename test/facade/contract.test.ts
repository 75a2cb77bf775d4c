import { strict as assert } from 'node:assert';
import { ContractChecker } from './contract';
import { FacadeHarness } from './harness';

describe('the contract check of the HTTP tests is a real judge', () => {
  const h = new FacadeHarness();
  before(() => h.start());
  after(() => h.stop());

  it('responses that the document describes pass; an undeclared status, content type or body fails', async () => {
    const r = await h.req('POST', '/application', { businessKey: 'c1', product: 'car' });
    assert.equal(r.status, 201);
    assert.ok(h.contract.checked > 0);
    const c = new ContractChecker();
    await c.init((await h.req('GET', '/openapi.json')).body);
    const hal = new Headers({ 'content-type': 'application/hal+json' });
    c.check('GET', '/application/c1', 200, hal, r.body, r.text);
    assert.equal(c.violations.length, 0, JSON.stringify(c.violations));
    c.check('GET', '/application/c1', 418, hal, {}, '{}');
    c.check('GET', '/application/c1', 200, new Headers({ 'content-type': 'text/html' }), undefined, '<p>');
    c.check('GET', '/application/c1', 200, hal, { ...r.body, product: 5 }, 'x');
    assert.deepEqual(
      c.violations.map((v) => v.problem.split(':')[0]),
      ['status 418 is not declared for getApplication', "content type 'text/html' is not declared for 200 of getApplication", 'body'],
    );
    assert.throws(() => ContractChecker.report(c), /does not describe/);
  });
});
