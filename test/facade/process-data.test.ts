import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFacade } from '../../server/src/facade/start';
import { FIXTURES, tempDir } from '../helpers';
import { completeExternalTasks, finishedActivities } from '../engines/live';
import { CAMUNDA7_ENGINES, EMBEDDED_AND_LIVE, ENGINES, engineTitle, FacadeHarness, isLive, type EngineUnderTest } from './harness';

const PD = path.join(FIXTURES, 'process-data');

/** Polls until `test` holds for the instance's root representation (bounded: timers fire within this). */
function until(h: FacadeHarness, key: string, test: (root: any) => boolean, ms = 8000): Promise<any> {
  return h.until(`/application/${key}`, test, ms);
}

/** A harness on one fixture, started and stopped around the suite, whose log lines the tests read. */
function loggedHarness(file: string): { h: FacadeHarness; lines: string[] } {
  const lines: string[] = [];
  const h = new FacadeHarness({ bpmnFile: path.join(PD, file), log: (l) => lines.push(l) });
  before(() => h.start());
  after(() => h.stop());
  return { h, lines };
}

const waitingAt = (root: any) => root._process.waiting.map((w: { activityId: string }) => w.activityId);

// JUEL is Camunda 7's notation, FEEL Camunda 8's: each adapter runs its own.
const NOTATIONS: Array<readonly ['juel' | 'feel', EngineUnderTest]> = [['juel', 'embedded'], ['feel', 'embedded'], ...CAMUNDA7_ENGINES.map((e) => ['juel', e] as const), ['feel', 'camunda8']];
for (const [notation, engine] of NOTATIONS) {
  describe(`process data: the paper's accepted? gateway in ${notation.toUpperCase()} (${engineTitle(engine)}, real HTTP)`, () => {
    const h = new FacadeHarness({ bpmnFile: path.join(PD, `gateway-${notation}.bpmn`), engine });
    before(() => h.start());
    after(() => h.stop());

    it('accepted: the decision reaches the gateway as a variable and the process goes to approval', async () => {
      assert.equal((await h.req('POST', '/application', { businessKey: 'yes', product: 'car', price: 1200 })).status, 201);
      const put = await h.req('PUT', '/application/yes/decision', { accepted: true, premium: 99.5 });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(waitingAt((await h.req('GET', '/application/yes')).body), ['Approve']);
      assert.equal((await h.req('PUT', '/application/yes/decision/approval', { approved: true })).status, 200);
      assert.equal((await h.req('GET', '/application/yes')).body._process.state, 'completed');
    });

    it('rejected: the other branch ends the process; approval is never writable', async () => {
      await h.req('POST', '/application', { businessKey: 'no', product: 'car', price: 1200 });
      assert.equal((await h.req('PUT', '/application/no/decision', { accepted: false, premium: 0 })).status, 200);
      const root = (await h.req('GET', '/application/no')).body;
      assert.equal(root._process.state, 'completed');
      assert.equal((await h.req('PUT', '/application/no/decision/approval', { approved: true })).status, 409);
    });
  });
}

for (const engine of ENGINES)
describe(`process data: a write the process cannot take is refused whole (422) (${engineTitle(engine)})`, () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, 'gateway-broken.bpmn'), engine });
  before(() => h.start());
  after(() => h.stop());

  it('an unknown variable in a condition: 422 naming the gateway and the expression; nothing written; the task stays active', async () => {
    await h.req('POST', '/application', { businessKey: 'b1', product: 'car', price: 10 });
    const before = await h.req('GET', '/application/b1/decision');
    const r = await h.req('PUT', '/application/b1/decision', { accepted: true, premium: 5 });
    assert.equal(r.status, 422, r.text);
    assert.match(r.headers.get('content-type')!, /application\/problem\+json/);
    assert.deepEqual(r.body.element, { id: 'Gw_accepted', name: 'accepted?' });
    assert.match(r.body.detail, /Gw_accepted 'accepted\?'.*premium > threshold.*Cannot resolve identifier 'threshold'/);
    const after = await h.req('GET', '/application/b1/decision');
    assert.deepEqual(after.body, before.body, 'nothing was written');
    assert.equal(after.headers.get('etag'), before.headers.get('etag'));
    assert.deepEqual(waitingAt((await h.req('GET', '/application/b1')).body), ['Evaluate']);
    // The instance is intact: the same refusal again, not a broken engine.
    assert.equal((await h.req('PUT', '/application/b1/decision', { accepted: false, premium: 1 })).status, 422);
    await h.restart();
    assert.equal((await h.req('PATCH', '/application/b1/decision', { premium: 2 }, { 'content-type': 'application/merge-patch+json' })).status, 200);
    assert.equal((await h.req('GET', '/application/b1/decision')).body.premium, 2);
  });
});

for (const engine of ENGINES)
describe(`process data: review rounds on a sequence-flow loop, service tasks ${isLive(engine) ? 'run on the engine' : 'pass through'} (${engineTitle(engine)})`, () => {
  const lines: string[] = [];
  // Drawn for Camunda 8 (FEEL) where it runs on the Camunda 8 stand-in.
  const h = new FacadeHarness({ bpmnFile: path.join(PD, engine === 'camunda8' ? 'review-feel.bpmn' : 'review.bpmn'), log: (l) => lines.push(l), maxLiveEngines: 1, engine });
  const calls: number[] = [];
  before(() => h.start());
  after(() => h.stop());

  it('#{approved} of each round decides; each round and correction is its own item with its own data', async () => {
    await h.req('POST', '/application', { businessKey: 'r1', product: 'paper' });
    await h.req('POST', '/application', { businessKey: 'other' }); // evicts r1's engine between writes
    const round = async (approved: boolean, comment: string) => {
      const items = (await h.req('GET', '/application/r1/review')).body._embedded.review;
      const open = items.filter((i: { _templates?: object }) => i._templates);
      assert.equal(open.length, 1, JSON.stringify(items));
      const sent = h.engineRequests().length;
      const put = await h.req('PUT', `/application/r1/review/${open[0].reviewId}`, { approved, comment });
      assert.equal(put.status, 200, put.text);
      calls.push(h.engineRequests().length - sent);
      await h.req('GET', '/application/other');
      return open[0].reviewId as string;
    };
    const first = await round(false, 'fix the abstract');
    assert.deepEqual(waitingAt((await h.req('GET', '/application/r1')).body), ['Correct']);
    // Issue 19: the round's variables go with the completion (process variables, no call of their own):
    // the task query, the completion, where the process went.
    if (engine !== 'embedded') assert.equal(calls[0], 3, h.engineRequests().slice(-calls[0]).join(', '));
    const corr = (await h.req('GET', '/application/r1/correction')).body._embedded.correction;
    assert.equal((await h.req('PUT', `/application/r1/correction/${corr[0].correctionId}`, { text: 'abstract rewritten' })).status, 200);
    const second = await round(true, 'fine now');
    assert.notEqual(first, second);
    if (isLive(engine)) {
      // A real engine calls the publisher bean (the test engine has one, as a team's application would) and
      // waits at the external task for a worker: the test is that worker.
      assert.equal(await finishedActivities(h.live!.url, 'r1', 'Publish'), 1, 'the engine ran publisher.publish once');
      const waiting = (await h.req('GET', '/application/r1')).body._process;
      assert.deepEqual([waiting.state, waiting.waiting], ['active', []], 'at the external task: nothing the API can write');
      assert.equal(await completeExternalTasks(h.live!.url, 'mail'), 1);
    }
    const root = (await h.req('GET', '/application/r1')).body;
    assert.equal(root._process.state, 'completed', isLive(engine) ? 'the worker completed notify' : 'publish and notify passed through');
    const reviews = (await h.req('GET', '/application/r1/review')).body._embedded.review;
    assert.deepEqual(reviews.map((r: { comment: string }) => r.comment).sort(), ['fine now', 'fix the abstract']);
    if (engine !== 'embedded') return; // the pass-through log is the embedded engine's (the stand-in's engine logs elsewhere)
    assert.ok(lines.some((l) => /Publish 'publish' passes through \(would call camunda:expression \$\{publisher\.publish\(execution\)\}\)/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /Notify 'notify author' passes through \(would call external task topic 'mail'\)/.test(l)), lines.join('\n'));
  });
});

for (const engine of ENGINES)
describe(`process data: a gateway inside a parallel multi-instance subprocess reads its own iteration's data (${engineTitle(engine)})`, () => {
  // Issue 19: a 1-to-N item's variables live in its subprocess instance, so each iteration's gateway reads its own.
  const h = new FacadeHarness({ bpmnFile: path.join(PD, engine === 'camunda8' ? 'mi-subprocess-feel.bpmn' : 'mi-subprocess.bpmn'), engine });
  before(() => h.start());
  after(() => h.stop());

  it("two iterations keep different values: each gateway decides on its own iteration's approved", async () => {
    assert.equal((await h.req('POST', '/application', { businessKey: 's1', product: 'two parts' })).status, 201);
    const items = (await h.req('GET', '/application/s1/review')).body._embedded.review as { reviewId: string }[];
    assert.equal(items.length, 2, JSON.stringify(items));
    const [r1, r2] = items.map((i) => i.reviewId);
    const patch = (id: string, body: object) => h.req('PATCH', `/application/s1/review/${id}`, body, { 'content-type': 'application/merge-patch+json' });
    // Both iterations get `approved` before either completes: as process variables the second would overwrite the first.
    assert.equal((await patch(r1, { approved: false })).status, 200);
    assert.equal((await patch(r2, { approved: true })).status, 200);
    // The PUTs leave `approved` out: each gateway reads the value its own iteration holds.
    const sent = h.engineRequests().length;
    const put1 = await h.req('PUT', `/application/s1/review/${r1}`, { comment: 'part one needs work' });
    assert.equal(put1.status, 200, put1.text);
    // README's calls per operation: an item in a subprocess takes 4 on Camunda 7 (which rolls back a completion
    // its gateway cannot take). Camunda 8: 6 (the search for its subprocess instance, and with two iterations
    // running, one more to tell which is the task's), +2 here: the gateway reads `approved`, which this PUT
    // does not write, so the instance's and the iteration's variables are read to judge it before completing.
    if (engine !== 'embedded') assert.equal(h.engineRequests().length - sent, engine === 'camunda8' ? 8 : 4, h.engineRequests().slice(sent).join(', '));
    assert.deepEqual(waitingAt((await h.req('GET', '/application/s1')).body).sort(), ['Correct_part', 'Review_part'], 'iteration 1 read its own approved = false');
    const put2 = await h.req('PUT', `/application/s1/review/${r2}`, { comment: 'part two is fine' });
    assert.equal(put2.status, 200, put2.text);
    assert.deepEqual(waitingAt((await h.req('GET', '/application/s1')).body), ['Correct_part'], 'iteration 2 read its own approved = true and ended');
    const reviews = (await h.req('GET', '/application/s1/review')).body._embedded.review as { reviewId: string; comment: string }[];
    assert.deepEqual(Object.fromEntries(reviews.map((r) => [r.reviewId, r.comment])), { [r1]: 'part one needs work', [r2]: 'part two is fine' }, 'each item keeps its own data');
    const corr = (await h.req('GET', '/application/s1/correction')).body._embedded.correction as { correctionId: string }[];
    assert.equal((await h.req('PUT', `/application/s1/correction/${corr[0].correctionId}`, { text: 'reworked' })).status, 200);
    assert.equal((await h.req('GET', '/application/s1')).body._process.state, 'completed');
  });
});

for (const engine of EMBEDDED_AND_LIVE) {
  for (const interrupting of [false, true]) {
    describe(`process data: an escalation thrown at the end of a called process reaches the call activity's ${interrupting ? 'interrupting' : 'non-interrupting'} boundary event, as on Camunda (${engineTitle(engine)})`, () => {
      // The fixture's boundary event is non-interrupting; the interrupting twin is the same folder with cancelActivity flipped.
      const dir = tempDir('bra-escalating-');
      for (const f of ['caller.bpmn', 'called.bpmn']) {
        const text = fs.readFileSync(path.join(PD, 'escalating-call', f), 'utf8');
        fs.writeFileSync(path.join(dir, f), interrupting ? text.replace('cancelActivity="false"', 'cancelActivity="true"') : text);
      }
      fs.copyFileSync(path.join(PD, 'resources.uml'), path.join(dir, 'resources.uml'));
      const h = new FacadeHarness({ bpmnFile: dir, engine });
      before(() => h.start());
      after(() => h.stop());

      it(interrupting ? 'the call activity is interrupted: only the escalation path goes on' : 'both go on: the escalation path and, once the called process has ended, the flow after the call', async () => {
        assert.equal((await h.req('POST', '/application', { businessKey: 'e1', product: 'car' })).status, 201);
        assert.equal((await h.req('PUT', '/application/e1/decision', { accepted: true, premium: 10 })).status, 200);
        assert.deepEqual(waitingAt((await h.req('GET', '/application/e1')).body), ['Approve']);
        await h.restart(); // the hand-over of the escalation is set up again for an instance read back from disk
        const put = await h.req('PUT', '/application/e1/decision/approval', { approved: true });
        assert.equal(put.status, 200, put.text);
        const root = (await h.req('GET', '/application/e1')).body;
        assert.deepEqual(waitingAt(root).sort(), interrupting ? ['Handle_late'] : ['After_check', 'Handle_late']);
        assert.equal(root._process.state, 'active');
      });
    });
  }
}

for (const engine of ENGINES)
describe(`process data: a call activity into a second file, with in/out mappings (${engineTitle(engine)})`, () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, 'call'), engine });
  before(() => h.start());
  after(() => h.stop());

  it('the called process runs once, with the caller business key; its tasks are written through the caller URIs; variables pass per the mappings', async () => {
    for (const [key, premium, approved, end] of [
      ['big', 5000, true, 'End_ok'],
      ['small', 10, false, 'End_refused'],
    ] as const) {
      await h.req('POST', '/application', { businessKey: key, product: 'house' });
      assert.equal((await h.req('PUT', `/application/${key}/decision`, { accepted: true, premium })).status, 200);
      const at = waitingAt((await h.req('GET', `/application/${key}`)).body);
      // premium → amount (camunda:in) decided the branch inside the called process
      assert.deepEqual(at, [premium > 1000 ? 'Approve_board' : 'Approve_clerk'], 'one called instance, at the branch its in-mapping chose');
      const put = await h.req('PUT', `/application/${key}/decision/approval`, { approved });
      assert.equal(put.status, 200, put.text);
      const root = (await h.req('GET', `/application/${key}`)).body;
      assert.equal(root._process.state, 'completed');
      assert.equal(end === 'End_ok' ? approved : !approved, true);
    }
    assert.equal((await h.req('GET', '/application')).body.total, 2, 'no instance of the called process was started on its own');
  });
});

describe('process data: timers fire at their time, in memory and after a restart', () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, 'timers.bpmn'), maxLiveEngines: 0 });
  before(() => h.start());
  after(() => h.stop());

  it('an intermediate timer with the engine evicted, then a boundary timer (duration from process data) that falls due while the server is down', async () => {
    await h.req('POST', '/application', { businessKey: 't1', escalateAfter: 'PT1S' });
    assert.deepEqual(waitingAt((await h.req('GET', '/application/t1')).body), [], 'waiting at the cooling-off timer');
    await until(h, 't1', (r) => waitingAt(r).includes('Evaluate'));
    await h.stop();
    // The boundary timer (1 s) falls due while nothing runs: wait for its due time to pass.
    await new Promise((r) => setTimeout(r, 1100));
    await h.start();
    const root = await until(h, 't1', (r) => waitingAt(r).includes('Escalate'), 3000);
    assert.ok(!waitingAt(root).includes('Evaluate'), 'the interrupting timer ended the evaluation');
    assert.equal((await h.req('PUT', '/application/t1/decision/approval', { approved: true })).status, 200);
    assert.equal((await h.req('GET', '/application/t1')).body._process.state, 'completed');
  });
});

// The mixed model (camunda:collection and zeebe:loopCharacteristics side by side) runs on the embedded engine;
// Camunda 7 takes only its own notation, so the stand-in and the live engines run the Camunda-only twin.
for (const engine of ['embedded', ...CAMUNDA7_ENGINES] as const)
describe(`process data: multi-instance tasks over a collection (${engine === 'embedded' ? 'camunda:collection in JUEL, zeebe:loopCharacteristics in FEEL' : 'camunda:collection in JUEL'}; ${engineTitle(engine)})`, () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, engine === 'embedded' ? 'multi-instance.bpmn' : 'multi-instance-camunda7.bpmn'), engine });
  before(() => h.start());
  after(() => h.stop());

  it('one item per element of the collection, each written on its own; the sequential one offers one at a time', async () => {
    assert.equal((await h.req('POST', '/application', { businessKey: 'mi', product: 'car,boat,house', products: ['car', 'boat', 'house'] })).status, 201);
    // The completion condition reads Camunda's loop variables (nrOfCompletedInstances, loopCounter, the element variable).
    const votes = (await h.req('GET', '/application/mi/vote')).body._embedded.vote;
    assert.equal(votes.length, 3);
    const sent = h.engineRequests().length;
    assert.equal((await h.req('PUT', `/application/mi/vote/${votes[0].voteId}`, { yes: true })).status, 200);
    // README's calls per operation: an item of a multi-instance task takes 4 (its iteration's variables first).
    if (engine !== 'embedded') assert.equal(h.engineRequests().length - sent, 4, h.engineRequests().slice(sent).join(', '));
    assert.equal((await h.req('PUT', `/application/mi/vote/${votes[1].voteId}`, { yes: true })).status, 200);
    // Two votes completed the multi-instance: the third iteration was cancelled and holds no data, so it is gone.
    assert.equal((await h.req('PUT', `/application/mi/vote/${votes[2].voteId}`, { yes: false })).status, 404);
    assert.equal((await h.req('GET', '/application/mi/vote')).body.count, 2);
    const reviews = (await h.req('GET', '/application/mi/review')).body._embedded.review;
    assert.equal(reviews.length, 3);
    assert.ok(reviews.every((r: { _templates?: object }) => r._templates));
    for (const [i, r] of reviews.entries()) {
      assert.equal((await h.req('PUT', `/application/mi/review/${r.reviewId}`, { approved: i !== 1, comment: `r${i}` })).status, 200);
    }
    assert.deepEqual((await h.req('GET', '/application/mi/review')).body._embedded.review.map((r: { comment: string }) => r.comment).sort(), ['r0', 'r1', 'r2']);
    for (let i = 0; i < 3; i++) {
      const open = (await h.req('GET', '/application/mi/correction')).body._embedded.correction.filter((c: { _templates?: object }) => c._templates);
      assert.equal(open.length, 1, 'sequential: one iteration at a time');
      assert.equal((await h.req('PUT', `/application/mi/correction/${open[0].correctionId}`, { text: `c${i}` })).status, 200);
    }
    assert.equal((await h.req('GET', '/application/mi')).body._process.state, 'completed');
  });
});

for (const engine of EMBEDDED_AND_LIVE) {
  describe(`process data: camunda:collection from String.split is refused as Camunda 7 refuses it (${engineTitle(engine)})`, () => {
    const h = new FacadeHarness({ bpmnFile: path.join(PD, 'collection-split.bpmn'), engine });
    before(() => h.start());
    after(() => h.stop());

    it('POST answers 422 problem+json naming the multi-instance task and the Collection it wants; no instance is left', async () => {
      const r = await h.req('POST', '/application', { businessKey: 'split', product: 'car,boat' });
      assert.equal(r.status, 422, r.text);
      assert.match(r.body.detail, /Review_each/);
      assert.match(r.body.detail, /Collection/);
      assert.equal((await h.req('GET', '/application/split')).status, 404);
    });
  });
}

describe('process data: JavaScript script conditions and script tasks run only with --allow-scripts', () => {
  const off = new FacadeHarness({ bpmnFile: path.join(PD, 'scripts.bpmn'), log: () => undefined });
  const on = new FacadeHarness({ bpmnFile: path.join(PD, 'scripts.bpmn'), allowScripts: true });
  before(async () => {
    await off.start();
    await on.start();
  });
  after(async () => {
    await off.stop();
    await on.stop();
  });

  it('off: the script task passes through and the script condition is refused (422 naming the gateway)', async () => {
    const r = await off.req('POST', '/application', { businessKey: 's1', price: 1500 });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.body.element.id, 'Gw_expensive');
    assert.match(r.body.detail, /javascript script condition is not run: scripts run only with --allow-scripts/);
    assert.equal((await off.req('GET', '/application/s1')).status, 404, 'nothing was started');
  });

  it('on: the script sets variables (execution.setVariable, resultVariable) that the script and JUEL conditions read', async () => {
    assert.equal((await on.req('POST', '/application', { businessKey: 'dear', price: 1500 })).status, 201);
    assert.deepEqual(waitingAt((await on.req('GET', '/application/dear')).body), ['Evaluate']);
    assert.equal((await on.req('POST', '/application', { businessKey: 'cheap', price: 100 })).status, 201);
    assert.equal((await on.req('GET', '/application/cheap')).body._process.state, 'completed');
  });
});

describe('process data: a timer that leads to a step the process cannot take', () => {
  const { h, lines } = loggedHarness('timers-broken.bpmn');

  it('becomes an incident in _process (element and message), logged; the instance stays where it was', async () => {
    await h.req('POST', '/application', { businessKey: 'i1', escalateAfter: 'PT1H' });
    const root = await until(h, 'i1', (r) => !!r._process.incident);
    assert.equal(root._process.incident.elementId, 'Gw_after');
    assert.equal(root._process.incident.elementName, 'still wanted?');
    assert.match(root._process.incident.message, /Cannot resolve identifier 'stillWanted'/);
    // Nothing waits (the timer has fired and is not retried): the instance cannot move, so its state says so.
    assert.equal(root._process.state, 'incident');
    assert.deepEqual(root._process.waiting, []);
    assert.ok(lines.some((l) => /\[i1\] incident: .*Gw_after/.test(l)), lines.join('\n'));
    await h.restart();
    assert.ok((await h.req('GET', '/application/i1')).body._process.incident, 'kept across a restart, not retried in a loop');
  });
});

describe('process data: a timer start event', () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, 'timer-start.bpmn'), maxLiveEngines: 0 });
  before(() => h.start());
  after(() => h.stop());

  it('the started instance waits for its start timer, then reaches the task (engine evicted meanwhile)', async () => {
    assert.equal((await h.req('POST', '/application', { businessKey: 'ts' })).status, 201);
    assert.deepEqual(waitingAt((await h.req('GET', '/application/ts')).body), []);
    await until(h, 'ts', (r) => waitingAt(r).includes('Evaluate'));
    assert.equal((await h.req('PUT', '/application/ts/decision', { accepted: true, premium: 1 })).status, 200);
    assert.equal((await h.req('GET', '/application/ts')).body._process.state, 'completed');
  });
});

for (const engine of ENGINES)
describe(`process data: message bodies become variables that conditions read (${engineTitle(engine)})`, () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, 'payments.bpmn'), engine });
  before(() => h.start());
  after(() => h.stop());

  it('paid in full ends the process; a part payment goes to the reminder; a bad body is 400', async () => {
    for (const [key, paid, done] of [
      ['p1', 150, true],
      ['p2', 20, false],
    ] as const) {
      await h.req('POST', '/application', { businessKey: key, price: 100 });
      const r = await h.req('POST', '/messages/paymentReceived', { businessKey: key, paid });
      assert.equal(r.status, 200, r.text);
      const root = (await h.req('GET', `/application/${key}`)).body;
      if (done) assert.equal(root._process.state, 'completed');
      else assert.deepEqual(waitingAt(root), ['Remind']);
    }
    await h.req('POST', '/application', { businessKey: 'p3', price: 100 });
    assert.equal((await h.req('POST', '/messages/paymentReceived', '{"businessKey": "p3", "paid": 1e400}')).status, 400);
    assert.deepEqual(waitingAt((await h.req('GET', '/application/p3')).body), ['Wait_payment']);
  });
});

describe('process data: standard loops as BPMN runs them (embedded bpmn-engine)', () => {
  const { h, lines } = loggedHarness('standard-loops.bpmn');

  it('loopCondition is a while-condition, tested before or after each pass; loopMaximum caps; one log line per pass', async () => {
    const r = await h.req('POST', '/application', { businessKey: 'loops', price: 2 });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(waitingAt(r.body), ['Evaluate']);
    const passes = (id: string) => lines.filter((l) => l.startsWith(`[loops] ${id} `)).map((l) => /\[pass (\d+)\]$/.exec(l)?.[1]);
    assert.deepEqual(passes('Once'), ['1'], 'testBefore=false, ${false}: one pass');
    assert.deepEqual(passes('Never'), [], 'testBefore=true, ${false}: no pass, and the process goes on');
    assert.deepEqual(passes('Thrice'), ['1', '2', '3'], '${true} with loopMaximum 3');
    assert.deepEqual(passes('WhileCheap'), ['1', '2'], '${loopCounter < price}, price 2');
  });
});

describe('process data: a loop that never ends does not hold the server (embedded bpmn-engine)', () => {
  const { h, lines } = loggedHarness('endless-loop.bpmn');

  it('stopped after about a second: 422 naming the element, nothing written; other instances and requests are served', async () => {
    for (const key of ['spin', 'other']) assert.equal((await h.req('POST', '/application', { businessKey: key })).status, 201);
    const before = await h.req('GET', '/application/spin/decision');
    const began = performance.now();
    const [spun, meanwhile] = await Promise.all([h.req('PUT', '/application/spin/decision', { accepted: true, premium: 1 }), h.req('GET', '/application/other')]);
    const took = performance.now() - began;
    assert.equal(spun.status, 422, spun.text);
    assert.match(spun.headers.get('content-type')!, /application\/problem\+json/);
    assert.deepEqual(spun.body.element, { id: 'Spin', name: 'spins' });
    assert.match(spun.body.detail, /^the process cannot continue at Spin 'spins': the process ran for more than 1 s without reaching a wait state \(a loop that never ends\?\), so it was stopped$/);
    assert.ok(took < 10_000, `answered after ${took.toFixed(0)} ms`);
    assert.equal(meanwhile.status, 200, 'a request sent during the loop was answered');
    // Nothing was written: the decision and the waiting task are as before; the instance takes the other branch.
    const after = await h.req('GET', '/application/spin/decision');
    assert.deepEqual(after.body, before.body);
    assert.deepEqual(waitingAt((await h.req('GET', '/application/spin')).body), ['Evaluate']);
    assert.equal((await h.req('PUT', '/application/spin/decision', { accepted: false, premium: 0 })).status, 200);
    assert.equal((await h.req('GET', '/application/spin')).body._process.state, 'completed');
    // The other instance was never touched, and the log holds the capped pass lines, not thousands.
    assert.equal((await h.req('PUT', '/application/other/decision', { accepted: false, premium: 0 })).status, 200);
    const spinLines = lines.filter((l) => l.startsWith('[spin] Spin '));
    assert.equal(spinLines.length, 101, spinLines.slice(-2).join('\n'));
    assert.match(spinLines[100], /passes on; further passes in this request are not logged/);
  });
});

describe('process data: a called process whose parallel join follows exclusive merges completes its call activity (embedded bpmn-engine)', () => {
  const { h, lines } = loggedHarness('call-join');

  it('the caller goes on and ends, as on Camunda (bpmn-engine left the call activity waiting forever)', async () => {
    for (const [key, accepted] of [['yes', true], ['no', false]] as const) {
      assert.equal((await h.req('POST', '/application', { businessKey: key })).status, 201);
      assert.equal((await h.req('PUT', `/application/${key}/decision`, { accepted, premium: 1 })).status, 200);
      const p = (await h.req('GET', `/application/${key}`)).body._process;
      assert.equal(p.state, 'completed', JSON.stringify(p));
    }
    assert.ok(lines.some((l) => /^\[yes\] the process called by Call has ended with only stray tokens left on m\d \(bpmn-engine\); Call completes, as on Camunda$/.test(l)), lines.join('\n'));
  });
});

// Camunda runs the model as BPMN says: the live engines are the judges here, the embedded engine must match them.
for (const engine of EMBEDDED_AND_LIVE) {
  describe(`process data: interrupting escalations cancel what they interrupt (${engineTitle(engine)})`, () => {
    const lines: string[] = [];
    const h = new FacadeHarness({ bpmnFile: path.join(PD, 'interrupting-escalations.bpmn'), engine, log: (l) => lines.push(l) });
    before(() => h.start());
    after(() => h.stop());

    it("the boundary event stops the subprocess's next task; the event subprocess cancels the waiting review (a user task of no resource) and the flow after its throw; only its task waits", async () => {
      assert.equal((await h.req('POST', '/application', { businessKey: 'esc' })).status, 201);
      const put = await h.req('PUT', '/application/esc/decision', { accepted: true, premium: 1 });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(waitingAt((await h.req('GET', '/application/esc')).body), ['Approve']);
      const done = await h.req('PUT', '/application/esc/decision/approval', { approved: true });
      assert.equal(done.status, 200, done.text);
      assert.equal((await h.req('GET', '/application/esc')).body._process.state, 'completed');
      if (engine === 'embedded') assert.deepEqual(lines.filter((l) => /After_/.test(l)), [], 'nothing after a throw ran');
      else for (const id of ['After_late', 'After_escalate']) assert.equal(await finishedActivities(h.live!.url, 'esc', id), 0, `${id} ran`);
    });
  });
}

for (const engine of EMBEDDED_AND_LIVE) {
  describe(`process data: a parallel join after an exclusive split waits as on Camunda (${engineTitle(engine)})`, () => {
    const lines: string[] = [];
    const h = new FacadeHarness({ bpmnFile: path.join(PD, 'join-after-choice.bpmn'), engine, log: (l) => lines.push(l) });
    before(() => h.start());
    after(() => h.stop());

    it('the task after the join never waits; the live engine keeps the instance active with nothing waiting, the embedded engine says incident at the join', async () => {
      for (const [key, accepted] of [['yes', true], ['no', false]] as const) {
        assert.equal((await h.req('POST', '/application', { businessKey: key })).status, 201);
        const put = await h.req('PUT', `/application/${key}/decision`, { accepted, premium: 1 });
        assert.equal(put.status, 200);
        const p = (await h.req('GET', `/application/${key}`)).body._process;
        assert.deepEqual(p.waiting, [], JSON.stringify(p));
        // The write's own answer says so where there is an incident (never a silent 200).
        assert.equal(put.body._process?.incident?.elementId, engine === 'embedded' ? 'Both' : undefined, JSON.stringify(put.body));
        if (engine !== 'embedded') {
          assert.equal(p.state, 'active');
          continue;
        }
        assert.equal(p.state, 'incident', JSON.stringify(p));
        assert.deepEqual([p.incident.elementId, p.incident.elementName], ['Both', 'both done']);
        assert.match(p.incident.message, /tokens stopped at Both 'both done'; a parallel join waits for a token on every incoming flow, and Both 'both done' never gets one on some of them: Camunda waits there forever too\)$/);
      }
      if (engine === 'embedded') assert.equal(lines.filter((l) => / incident: /.test(l)).length, 2, lines.join('\n'));
    });
  });
}

describe('process data: an instance that can no longer move is an incident, not a silent active (embedded bpmn-engine)', () => {
  const { h, lines } = loggedHarness('signal-wait.bpmn');

  it('state incident naming where the tokens stopped, in the instance and the list; logged once; writes answer 409 saying so; it stays so after a restart', async () => {
    assert.equal((await h.req('POST', '/application', { businessKey: 'stuck' })).status, 201);
    assert.equal((await h.req('PUT', '/application/stuck/decision', { accepted: true, premium: 1 })).status, 200);
    const p = (await h.req('GET', '/application/stuck')).body._process;
    assert.equal(p.state, 'incident');
    assert.deepEqual(p.waiting, []);
    assert.deepEqual([p.incident.elementId, p.incident.elementName], ['Wait_go', 'go given']);
    assert.equal(p.incident.message, "the instance can no longer move: the process has not ended, but nothing waits for a request, a message or a timer (its tokens stopped at Wait_go 'go given')");
    const listed = (await h.req('GET', '/application')).body._embedded.application.find((a: { businessKey: string }) => a.businessKey === 'stuck');
    assert.equal(listed.state, 'incident');
    const write = await h.req('PATCH', '/application/stuck/decision', { premium: 2 }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(write.status, 409);
    assert.match(write.body.detail, /the instance has an incident: the instance can no longer move/);
    await h.restart();
    assert.equal((await h.req('GET', '/application/stuck')).body._process.state, 'incident');
    assert.equal(lines.filter((l) => /^\[stuck\] incident: /.test(l)).length, 1, lines.join('\n'));
  });
});

describe('process data: a model with item definitions, a message with itemRef and an interface is served (embedded bpmn-engine)', () => {
  const h = new FacadeHarness({ bpmnFile: path.join(PD, 'item-definitions.bpmn') });
  before(() => h.start());
  after(() => h.stop());

  it('starts, waits at the receive task for its message, and ends when it comes', async () => {
    const r = await h.req('POST', '/application', { businessKey: 'typed' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(waitingAt(r.body), ['Wait_paid']);
    const m = await h.req('POST', '/messages/paid', { businessKey: 'typed' });
    assert.equal(m.status, 200, m.text);
    assert.equal((await h.req('GET', '/application/typed')).body._process.state, 'completed');
  });
});

describe('process data: what the embedded engine cannot load is refused at start naming the element (embedded bpmn-engine)', () => {
  it('a global task called by a call activity: serve refuses, naming the global task', async () => {
    await assert.rejects(
      startFacade({ bpmnFile: path.join(PD, 'global-task.bpmn'), port: 0, dataDir: tempDir('bra-global-'), log: () => undefined }),
      /bpmn-engine cannot read the model: Unknown activity type bpmn:GlobalScriptTask \(at Global_score 'score'\)/,
    );
  });
});
