/**
 * Real executable process models, written by others (Camunda 7 and 8 examples, Flowable examples, bpmn-engine's
 * own test models; read from the shared corpus, provenance in its MANIFEST.tsv), annotated here at test time
 * with linkedResource and given a UML model each, then driven through the facade over real HTTP along
 * their paths. The files themselves are not changed in the repository: the annotation is this test's.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS as SHARED_CORPUS, CORPUS_ABSENT, CORPUS_PRESENT, httpCall, spawnServe, stopServe, umlModel, type ClassSpec, tempDir } from '../helpers';
import { annotate } from './annotate';
import { FacadeHarness } from './harness';

const CORPUS = path.join(SHARED_CORPUS, 'bpmn');

type Step =
  | { start: Record<string, unknown>; status?: number }
  | { message: string; body: Record<string, unknown>; status?: number }
  | { put: string; body: Record<string, unknown> }
  /** until a timer has moved the instance on: its waiting tasks are these */
  | { waitFor: string[] };

interface Path {
  name: string;
  steps: Step[];
  /** the pass-through log lines that show the branch taken */
  passes?: string[];
  skips?: string[];
  /** where a model waits forever on Camunda: the instance ends as an incident at this element (default: completed) */
  incidentAt?: string;
}

interface Case {
  title: string;
  files: string[];
  /** extra BPMN files of our own (a called process) */
  own?: Record<string, string>;
  links: Record<string, string>;
  classes: Record<string, ClassSpec>;
  associations: Array<[string, string, string]>;
  root: string;
  paths: Path[];
  /** serve with --allow-scripts (the model's JavaScript conditions and script tasks) */
  allowScripts?: boolean;
}

const S = (n: string) => `sid-${n}`;

const CASES: Case[] = [
  {
    title: 'Camunda 7 · TwitterDemoProcess (#{approved} after a review)',
    files: ['camunda-examples-TwitterDemoProcess.bpmn'],
    links: { TwitterDemoProcess: 'Tweet', user_task_review_tweet: 'Review' },
    classes: { Tweet: { content: 'String' }, Review: { approved: 'Boolean' } },
    associations: [['Tweet', 'Review', '0..1']],
    root: 'tweet',
    paths: [
      { name: 'approved', steps: [{ start: { content: 'hello' } }, { put: 'review', body: { approved: true } }], passes: ['service_task_publish_on_twitter'], skips: ['service_task_send_rejection_notification'] },
      { name: 'rejected', steps: [{ start: { content: 'spam' } }, { put: 'review', body: { approved: false } }], passes: ['service_task_send_rejection_notification'], skips: ['service_task_publish_on_twitter'] },
    ],
  },
  {
    title: 'Camunda 7 · job announcement publication (parallel branches, #{twitter} / #{facebook} from start data)',
    files: ['camunda-examples-job-announcement-publication.bpmn'],
    links: { 'camunda-testing-job-announcement-publication': 'Announcement' },
    classes: { Announcement: { twitter: 'Boolean', facebook: 'Boolean' } },
    associations: [],
    root: 'announcement',
    paths: [
      { name: 'Twitter only', steps: [{ start: { twitter: true, facebook: false } }], passes: ['publish_announcement_website', 'publish_announcement_twitter'], skips: ['publish_announcement_facebook'] },
      { name: 'Facebook only', steps: [{ start: { twitter: false, facebook: true } }], passes: ['publish_announcement_facebook'], skips: ['publish_announcement_twitter'] },
    ],
  },
  {
    title: 'Camunda 7 · message start event',
    files: ['camunda-examples-message-start-process.bpmn'],
    links: { Message_Start_Process: 'Request', UserTask_1: 'Work' },
    classes: { Request: { topic: 'String' }, Work: { done: 'Boolean' } },
    associations: [['Request', 'Work', '0..1']],
    root: 'request',
    paths: [
      { name: 'started by the message, generated key', steps: [{ message: 'instantiationMessage', body: { topic: 'a' }, status: 201 }, { put: 'work', body: { done: true } }] },
      { name: 'started by the message with a business key', steps: [{ message: 'instantiationMessage', body: { businessKey: 'given', topic: 'b' }, status: 201 }, { put: 'work', body: { done: false } }] },
    ],
  },
  {
    title: 'Camunda 7 · call activity (main process of the multi-tenancy example) into a called process of our own',
    files: ['camunda-examples-mainProcess-callActivity.bpmn'],
    own: {
      'sub-process.bpmn': `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs_sub" targetNamespace="t">
  <bpmn:process id="subProcess" isExecutable="true">
    <bpmn:extensionElements><linkedResource name="Case" /></bpmn:extensionElements>
    <bpmn:startEvent id="S"/><bpmn:userTask id="Check" name="check"><bpmn:extensionElements><linkedResource name="Check" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:exclusiveGateway id="Ok" name="ok?"/><bpmn:userTask id="Fix" name="fix"><bpmn:extensionElements><linkedResource name="Fix" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="E1"/><bpmn:endEvent id="E2"/>
    <bpmn:sequenceFlow id="a" sourceRef="S" targetRef="Check"/><bpmn:sequenceFlow id="b" sourceRef="Check" targetRef="Ok"/>
    <bpmn:sequenceFlow id="c" sourceRef="Ok" targetRef="E1"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${ok and priority == 'low'}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="d" sourceRef="Ok" targetRef="Fix"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${not ok or priority != 'low'}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="e" sourceRef="Fix" targetRef="E2"/>
  </bpmn:process>
</bpmn:definitions>
`,
    },
    links: { mainProcess: 'Case' },
    classes: { Case: { priority: 'String' }, Check: { ok: 'Boolean' }, Fix: { note: 'String' } },
    associations: [
      ['Case', 'Check', '0..1'],
      ['Case', 'Fix', '0..1'],
    ],
    root: 'case',
    paths: [
      { name: 'checked ok (the caller’s priority reaches the called process)', steps: [{ start: { priority: 'low' } }, { put: 'check', body: { ok: true } }] },
      { name: 'needs a fix', steps: [{ start: { priority: 'high' } }, { put: 'check', body: { ok: true } }, { put: 'fix', body: { note: 'done' } }] },
    ],
  },
  {
    title: 'Flowable · loan (three outcomes of a review, an advanced review)',
    files: ['flowable-examples-loan.bpmn'],
    links: {
      loan: 'Loan',
      [S('E499C4FD-601A-428B-8A94-53A4702BCA5A')]: 'Details',
      [S('9C9AE870-0DA8-4D3A-8F71-E93EC9AB70BD')]: 'LoanReview',
      [S('E2AD03B5-E29D-4118-851B-3FEB4A2DF9AD')]: 'AdvancedReview',
      [S('786BC734-A9A0-419D-87AD-DF3EAA269671')]: 'Acceptance',
      [S('8197ACA7-AF91-42B2-AD61-38AC56434D4D')]: 'Rejection',
    },
    classes: {
      Loan: { amount: 'Integer' },
      Details: { applicant: 'String' },
      LoanReview: { form_loanreview_outcome: 'String' },
      AdvancedReview: { form_advreview_outcome: 'String' },
      Acceptance: { sent: 'Boolean' },
      Rejection: { sent: 'Boolean' },
    },
    associations: [
      ['Loan', 'Details', '0..1'],
      ['Loan', 'LoanReview', '0..1'],
      ['Loan', 'AdvancedReview', '0..1'],
      ['Loan', 'Acceptance', '0..1'],
      ['Loan', 'Rejection', '0..1'],
    ],
    root: 'loan',
    paths: [
      {
        name: 'accepted',
        steps: [{ start: { amount: 1000 } }, { put: 'details', body: { applicant: 'Ada' } }, { put: 'loan-review', body: { form_loanreview_outcome: 'Accept' } }, { put: 'acceptance', body: { sent: true } }],
      },
      {
        name: 'considered, then rejected',
        steps: [
          { start: { amount: 9000 } },
          { put: 'details', body: { applicant: 'Bob' } },
          { put: 'loan-review', body: { form_loanreview_outcome: 'Consider' } },
          { put: 'advanced-review', body: { form_advreview_outcome: 'Reject' } },
          { put: 'rejection', body: { sent: true } },
        ],
      },
    ],
  },
  {
    title: 'Flowable · quick benchmark process (parallel user tasks in a subprocess, ${inputValid}, ${goUp}, a 3 h timer)',
    files: ['flowable-examples-benchmark-process.bpmn'],
    links: {
      testProcess: 'Input',
      [S('26AE8D7A-CE33-4712-8039-F11A9936B345')]: 'Inspection',
      [S('DBA3')]: 'TaskA',
      [S('D793E9E0-6150-4EAC-8DD9-6FB4B19C1061')]: 'TaskB',
      [S('2744')]: 'TaskC',
      [S('F662')]: 'TaskD',
      [S('7283')]: 'Resolution',
    },
    classes: { Input: { inputValid: 'Boolean', goUp: 'Boolean' }, Inspection: { ok: 'Boolean' }, TaskA: { done: 'Boolean' }, TaskB: { done: 'Boolean' }, TaskC: { done: 'Boolean' }, TaskD: { done: 'Boolean' }, Resolution: { done: 'Boolean' } },
    associations: [
      ['Input', 'Inspection', '0..1'],
      ['Input', 'TaskA', '0..1'],
      ['Input', 'TaskB', '0..1'],
      ['Input', 'TaskC', '0..1'],
      ['Input', 'TaskD', '0..1'],
      ['Input', 'Resolution', '0..1'],
    ],
    root: 'input',
    paths: [
      { name: 'invalid input is inspected', steps: [{ start: { inputValid: false, goUp: false } }, { put: 'inspection', body: { ok: true } }] },
      {
        name: 'valid input: tasks A, B, C in parallel, then D',
        steps: [{ start: { inputValid: true, goUp: true } }, { put: 'task-a', body: { done: true } }, { put: 'task-b', body: { done: true } }, { put: 'task-c', body: { done: true } }, { put: 'task-d', body: { done: true } }],
      },
    ],
  },
  {
    title: 'Camunda 8 · payment process (FEEL =remainingAmount > 0, Zeebe job workers pass through)',
    files: ['camunda8-examples-payment_process.bpmn'],
    links: { paymentProcess: 'Payment', CheckPaymentDataTask: 'PaymentCheck' },
    classes: { Payment: { remainingAmount: 'Real' }, PaymentCheck: { errorResolved: 'Boolean' } },
    associations: [['Payment', 'PaymentCheck', '0..*']],
    root: 'payment',
    paths: [
      { name: 'credit sufficient', steps: [{ start: { remainingAmount: 0 } }], passes: ['ChargeCustomerCreditTask'], skips: ['ChargeCreditCardTask'] },
      { name: 'credit card charged', steps: [{ start: { remainingAmount: 25.5 } }], passes: ['ChargeCustomerCreditTask', 'ChargeCreditCardTask'] },
    ],
  },
  {
    title: 'Camunda 7 · invoice payment (embedded forms; error and escalation boundaries)',
    files: ['camunda-examples-invoicePayment.bpmn'],
    links: { embeddedFormsBpmnEvents: 'Invoice', Task_16y91ka: 'Payment', Task_1a2twqz: 'Archive', Task_0q869n2: 'Supervision' },
    classes: { Invoice: { amount: 'Real' }, Payment: { paid: 'Boolean' }, Archive: { done: 'Boolean' }, Supervision: { done: 'Boolean' } },
    associations: [
      ['Invoice', 'Payment', '0..1'],
      ['Invoice', 'Archive', '0..1'],
      ['Invoice', 'Supervision', '0..1'],
    ],
    root: 'invoice',
    paths: [{ name: 'paid', steps: [{ start: { amount: 12 } }, { put: 'payment', body: { paid: true } }] }],
  },
  {
    title: 'Camunda 7 · failed-job retry example (four service tasks)',
    files: ['camunda-examples-retry-example.bpmn'],
    links: { process: 'Job' },
    classes: { Job: { name: 'String' } },
    associations: [],
    root: 'job',
    paths: [{ name: 'all pass through', steps: [{ start: { name: 'x' } }], passes: ['service-fetch-data', 'service-send-data'] }],
  },
  {
    title: "bpmn-engine's own multiple-joins (parallel joins behind exclusive splits: Camunda waits forever, so an incident)",
    files: ['bpmnengine-multiple-joins.bpmn'],
    links: { 'multiple-joins': 'Joins', userTask1: 'First', userTask2: 'Second', userTask3: 'Third' },
    classes: { Joins: { input: 'Integer' }, First: { done: 'Boolean' }, Second: { done: 'Boolean' }, Third: { done: 'Boolean' } },
    associations: [
      ['Joins', 'First', '0..1'],
      ['Joins', 'Second', '0..1'],
      ['Joins', 'Third', '0..1'],
    ],
    root: 'joins',
    allowScripts: true,
    paths: [
      { name: 'input 60: the script path reaches join1, which never gets join2’s token', steps: [{ start: { input: 60 } }], incidentAt: 'join1' },
      { name: 'input 40, then the default branch: join2 never gets userTask2’s token', steps: [{ start: { input: 40 } }, { put: 'first', body: { done: true } }, { put: 'third', body: { done: true } }], incidentAt: 'join2' },
      { name: 'input 50: both conditions hold, userTask2 is taken; join2 still waits for userTask3', steps: [{ start: { input: 50 } }, { put: 'first', body: { done: true } }, { put: 'second', body: { done: true } }], incidentAt: 'join2' },
    ],
  },
  {
    title: "bpmn-engine's own call-activity model (a call activity into a process with one task)",
    files: ['bpmnengine-call-activity.bpmn'],
    links: { Process_1: 'Caller' },
    classes: { Caller: { name: 'String' } },
    associations: [],
    root: 'caller',
    paths: [{ name: 'the called process runs its task and ends; the caller ends', steps: [{ start: { name: 'x' } }] }],
  },
  {
    title: "bpmn-engine's mother-of-all (scripts, a sub process with a 0.1 s timer, an inclusive split into a parallel join)",
    files: ['bpmnengine-mother-of-all.bpmn'],
    links: { motherOfAll: 'Mother', userTask1: 'First', subUserTask1: 'SubTask' },
    classes: { Mother: { label: 'String' }, First: { done: 'Boolean' }, SubTask: { done: 'Boolean' } },
    associations: [
      ['Mother', 'First', '0..1'],
      ['Mother', 'SubTask', '0..1'],
    ],
    root: 'mother',
    allowScripts: true,
    paths: [
      {
        name: 'the timer interrupts the sub user task; the inclusive split takes both unconditioned flows, the join never gets the default branch’s token',
        steps: [{ start: { label: 'a' } }, { put: 'first', body: { done: true } }, { waitFor: [] }],
        incidentAt: 'join',
      },
    ],
  },
  {
    title: 'Camunda 7 · XSLT script task',
    files: ['camunda-examples-xslt-example.bpmn'],
    links: { 'xslt-example': 'Transformation' },
    classes: { Transformation: { input: 'String' } },
    associations: [],
    root: 'transformation',
    paths: [{ name: 'the script passes through', steps: [{ start: { input: '<a/>' } }], passes: ['ScriptTask_1'] }],
  },
];

/** Results of every path, printed after the suite (the closing note's table). */
const table: string[] = [];

describe('real process models from public examples, annotated and driven through the facade (embedded engine, real HTTP)', function () {
  this.timeout(20000);
  if (!CORPUS_PRESENT) {
    it(CORPUS_ABSENT);
    return;
  }
  after(() => {
    if (process.env.REAL_MODELS_TABLE) fs.writeFileSync(process.env.REAL_MODELS_TABLE, table.join('\n') + '\n');
  });

  for (const c of CASES) {
    describe(c.title, () => {
      const lines: string[] = [];
      let h: FacadeHarness;
      let dir = '';
      before(async () => {
        dir = tempDir('bra-real-');
        for (const f of c.files) fs.writeFileSync(path.join(dir, f), annotate(fs.readFileSync(path.join(CORPUS, f), 'utf8'), resolveIds(c.links, path.join(CORPUS, f))));
        for (const [f, text] of Object.entries(c.own ?? {})) fs.writeFileSync(path.join(dir, f), text);
        fs.writeFileSync(path.join(dir, 'resources.uml'), umlModel(c.classes, c.associations));
        h = new FacadeHarness({ bpmnFile: dir, log: (l) => lines.push(l), ...(c.allowScripts ? { allowScripts: true } : {}) });
        await h.start();
      });
      after(() => h?.stop());

      for (const p of c.paths) {
        it(p.name, async () => {
          lines.length = 0;
          let key = '';
          for (const s of p.steps) {
            if ('start' in s) {
              const r = await h.req('POST', `/${c.root}`, s.start);
              assert.equal(r.status, s.status ?? 201, r.text);
              key = decodeURIComponent(r.headers.get('location')!.split('/').pop()!);
            } else if ('message' in s) {
              const r = await h.req('POST', `/messages/${s.message}`, s.body);
              assert.equal(r.status, s.status ?? 200, r.text);
              key = r.body.businessKey;
            } else if ('waitFor' in s) {
              // A timer moves the instance on by itself: until the tasks waiting are these (at most 5 s).
              await h.until(`/${c.root}/${key}`, (b) => JSON.stringify(b._process.waiting.map((w: { activityId: string }) => w.activityId)) === JSON.stringify(s.waitFor), 5000);
            } else {
              const r = await h.req('PUT', `/${c.root}/${key}/${s.put}`, s.body);
              assert.equal(r.status, 200, `${s.put}: ${r.text}`);
            }
          }
          const root = (await h.req('GET', `/${c.root}/${key}`)).body;
          assert.equal(root._process.state, p.incidentAt ? 'incident' : 'completed', JSON.stringify(root._process));
          if (p.incidentAt) assert.equal(root._process.incident.elementId, p.incidentAt, root._process.incident.message);
          for (const id of p.passes ?? []) assert.ok(lines.some((l) => l.includes(` ${id} `)), `${id} passed through: ${lines.join(' | ')}`);
          for (const id of p.skips ?? []) assert.ok(!lines.some((l) => l.includes(` ${id} `)), `${id} must not run on this path`);
          table.push(`| ${c.title} | ${p.name} | ${p.steps.length} request${p.steps.length === 1 ? '' : 's'} | ${p.incidentAt ? `incident at ${p.incidentAt}` : 'completed'} |`);
        });
        if (p.steps.length < 2) continue;
        // The same path with `serve` stopped (SIGKILL and SIGTERM in turn) and started again after every step:
        // each wait state this model has, restarted, then the rest of the flow to its end.
        it(`${p.name} — serve stopped and started again after every step`, async function () {
          this.timeout(60_000);
          const args = [dir, '--port', '0', '--data-dir', tempDir('bra-real-restart-'), ...(c.allowScripts ? ['--allow-scripts'] : [])];
          let server = await spawnServe(args);
          let key = '';
          try {
            for (const [i, s] of p.steps.entries()) {
              key = await step(server.url, c.root, s, key).catch((e: Error) => {
                throw new Error(`${e.message}\nafter ${i} restart(s); server log:\n${server.output()}`);
              });
              if (i === p.steps.length - 1) break;
              await stopServe(server, i % 2 === 0 ? 'SIGKILL' : 'SIGTERM');
              server = await spawnServe(args);
            }
            const root = (await httpCall(server.url, 'GET', `/${c.root}/${key}`)).body;
            assert.equal(root._process.state, p.incidentAt ? 'incident' : 'completed', JSON.stringify(root._process));
            if (p.incidentAt) assert.equal(root._process.incident.elementId, p.incidentAt, root._process.incident.message);
          } finally {
            await stopServe(server, 'SIGTERM');
          }
        });
      }
    });
  }
});

/** Flowable's ids are long UUIDs; the cases name them by a prefix. */
function resolveIds(links: Record<string, string>, file: string): Record<string, string> {
  const text = fs.readFileSync(file, 'utf8');
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(links)) {
    if (text.includes(`id="${id}"`)) out[id] = r;
    else {
      const m = new RegExp(`id="(${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^"]*)"`).exec(text);
      if (!m) throw new Error(`${path.basename(file)}: no element ${id}`);
      out[m[1]] = r;
    }
  }
  return out;
}

/** One step of a path against a facade at `base` (over real HTTP); the instance's business key after it. */
async function step(base: string, root: string, s: Step, key: string): Promise<string> {
  const send = (method: string, url: string, body?: unknown) => httpCall(base, method, url, body);
  if ('start' in s) {
    const r = await send('POST', `/${root}`, s.start);
    assert.equal(r.status, s.status ?? 201, r.text);
    return decodeURIComponent(r.headers.get('location')!.split('/').pop()!);
  }
  if ('message' in s) {
    const r = await send('POST', `/messages/${s.message}`, s.body);
    assert.equal(r.status, s.status ?? 200, r.text);
    return r.body.businessKey as string;
  }
  if ('waitFor' in s) {
    // A timer moves the instance on by itself: until the tasks waiting are these (at most 5 s).
    const want = JSON.stringify(s.waitFor);
    for (const end = Date.now() + 5000; ; ) {
      const b = (await send('GET', `/${root}/${key}`)).body;
      if (JSON.stringify(b._process.waiting.map((w: { activityId: string }) => w.activityId)) === want || b._process.state !== 'active') return key;
      if (Date.now() > end) assert.fail(`${key} never waited at ${want}: ${JSON.stringify(b._process)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const r = await send('PUT', `/${root}/${key}/${s.put}`, s.body);
  assert.equal(r.status, 200, `${s.put}: ${r.text}`);
  return key;
}
