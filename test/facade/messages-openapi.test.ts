import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { FIXTURES } from '../helpers';
import { FacadeHarness } from './harness';
import { dynamicImport } from '../bench/stats';

describe('facade: message endpoints (message start event, receive task, message catch event)', () => {
  const h = new FacadeHarness({ bpmnFile: path.join(FIXTURES, 'messages', 'orders.bpmn') });
  before(() => h.start());
  after(() => h.stop());

  it('a message start event starts an instance; a receive task and a catch event are correlated by business key', async () => {
    const started = await h.req('POST', '/messages/orderPlaced', { businessKey: 'o1' });
    assert.equal(started.status, 201, started.text);
    assert.equal(started.headers.get('location'), '/order/o1');
    const root = await h.req('GET', '/order/o1');
    assert.deepEqual(root.body._process.waiting, [{ activityId: 'Wait_payment', name: 'wait for payment', message: 'paymentReceived' }]);

    // Not waiting for this one yet
    assert.equal((await h.req('POST', '/messages/parcelShipped', { businessKey: 'o1' })).status, 404);
    // The shipment cannot be written before payment
    assert.equal((await h.req('PUT', '/order/o1/shipment', { carrier: 'DHL' })).status, 409);

    const paid = await h.req('POST', '/messages/paymentReceived', { businessKey: 'o1' });
    assert.equal(paid.status, 200, paid.text);
    const ship = await h.req('PUT', '/order/o1/shipment', { carrier: 'UPS', parcels: 2, shippedAt: '2026-11-21T10:00:00Z', labels: ['a', 'b'] });
    assert.equal(ship.status, 200, ship.text);
    assert.deepEqual((await h.req('GET', '/order/o1')).body._process.waiting, [{ activityId: 'Catch_shipped', name: 'parcel shipped', message: 'parcelShipped' }]);
    assert.equal((await h.req('POST', '/messages/parcelShipped', { businessKey: 'o1' })).status, 200);
    assert.equal((await h.req('GET', '/order/o1')).body._process.state, 'completed');
  });

  it('404 when no instance waits or the message is unknown; 400 for a bad body', async () => {
    assert.equal((await h.req('POST', '/messages/paymentReceived', { businessKey: 'nobody' })).status, 404);
    assert.equal((await h.req('POST', '/messages/paymentReceived', {})).status, 404);
    assert.equal((await h.req('POST', '/messages/noSuchMessage', {})).status, 404);
    assert.equal((await h.req('POST', '/messages/orderPlaced', { businessKey: 'o2', extra: 1 })).status, 400);
    assert.equal((await h.req('GET', '/messages/orderPlaced')).status, 405);
  });

  it('enumerations, arrays and dates are validated from the UML types', async () => {
    await h.req('POST', '/messages/orderPlaced', { businessKey: 'o3' });
    await h.req('POST', '/messages/paymentReceived', { businessKey: 'o3' });
    const bad = await h.req('PUT', '/order/o3/shipment', { carrier: 'Pigeon', parcels: 1.5, shippedAt: 'now', labels: 'a' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { name: string }) => e.name).sort(), ['carrier', 'labels', 'parcels', 'shippedAt']);
  });
});

describe('facade: OpenAPI and docs', () => {
  const h = new FacadeHarness();
  before(() => h.start());
  after(() => h.stop());

  it('GET /openapi.json is a valid OpenAPI 3.1 document describing every route', async () => {
    const r = await h.req('GET', '/openapi.json');
    assert.equal(r.status, 200);
    const { Validator } = await dynamicImport('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const res = await validator.validate(r.body);
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 2));
    assert.equal(r.body.openapi, '3.1.0');
    for (const p of ['/application', '/application/{businessKey}', '/application/{businessKey}/document/{documentId}', '/application/{businessKey}/decision/approval']) {
      assert.ok(r.body.paths[p], p);
    }
    assert.ok(r.body.paths['/application/{businessKey}/decision'].put);
    assert.equal(r.body.paths['/application/{businessKey}'].put, undefined, 'the root is never writable');
    assert.deepEqual(r.body.components.schemas.Decision.properties.premium, { type: 'number', description: 'UML type Real' });
  });

  it('GET /docs serves interactive docs without the internet', async () => {
    const r = await h.req('GET', '/docs/static/index.html');
    assert.equal(r.status, 200);
    assert.match(r.text, /swagger-ui/i);
    assert.doesNotMatch(r.text, /(src|href)="https?:/, 'every asset is served locally');
    for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/json']) {
      assert.equal((await h.req('GET', asset)).status, 200, asset);
    }
  });
});
