/**
 * A STAND-IN for Camunda 7's engine-rest, for the adapter's tests: no Camunda engine can run on these
 * machines. It serves the subset of engine-rest the adapter calls, over a real HTTP server, and runs the
 * processes on bpmn-engine (the embedded engine), so the facade's whole HTTP suite can run through the
 * adapter. Every request it receives and every response it sends is validated against
 * shared/contracts/camunda7-engine-rest-7.15.openapi.json (history operations against history-contract.ts);
 * a violation is recorded and fails the test.
 *
 * What this proves: the adapter speaks the contract and the facade keeps its semantics over a remote,
 * stateless port. What it does not prove: Camunda's own behaviour (variable scoping rules, JUEL on Java
 * maps, history levels, error messages beyond those 7.15's sources show); only a live engine can.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type OpenAPIBackend from 'openapi-backend';
import { EmbeddedEngine } from '../../../server/src/facade/embedded/embeddedEngine';
import { EngineError, type InstanceSnapshot, type WaitingActivity } from '../../../server/src/facade/ports';
import { loadApi } from '../../../server/src/facade/start';
import { plainAll, typedAll, type TypedValue } from '../../../server/src/facade/camunda7/variables';
import { FIXTURES, tempDir } from '../../helpers';
import { openApiValidator } from '../contract';
import { HISTORY_PATHS } from './history-contract';

const CONTRACT = path.join(FIXTURES, 'contracts', 'camunda7-engine-rest-7.15.openapi.json');

export interface StandInOptions {
  bpmnFile: string | string[];
  model?: string;
  /** answer every request with this status (an engine failing), until cleared */
  failWith?: number;
}

/** What live Camunda 7.24 answered the loser of two completions of one task at once (seen on CI). */
export const LOST_RACE = "ENGINE-03005 Execution of 'INSERT VariableInstanceEntity[0c5f03dc-efad-11f1-8b95-02fc00000001]' failed. Entity was updated by another transaction concurrently.";

interface Violation {
  request: string;
  problem: string;
}

class Rest extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'RestException',
  ) {
    super(message);
  }
}

export class Camunda7StandIn {
  app!: FastifyInstance;
  url = '';
  readonly violations: Violation[] = [];
  /** requests received, as `METHOD /path` */
  readonly requests: string[] = [];
  /** the same with their bodies and Authorization headers */
  readonly received: { request: string; body: unknown; authorization?: string }[] = [];
  readonly deployments: { name: string; files: string[] }[] = [];
  failWith: number | undefined;
  /** the next task completion fails as the loser of a race does on live Camunda 7.24, completing nothing */
  loseNextCompletion = false;
  private engine!: EmbeddedEngine;
  private contract!: OpenAPIBackend;
  private processId = '';
  private readonly taskOwner = new Map<string, string>();
  private readonly terminated = new Set<string>();
  private readonly messageIds = new Map<string, string>();
  private dataDir = '';

  constructor(private readonly o: StandInOptions) {
    this.failWith = o.failWith;
  }

  async start(port = 0): Promise<this> {
    const { api, projects } = loadApi(this.o.bpmnFile, this.o.model);
    this.processId = api.process.id;
    for (const p of projects) for (const pr of p.doc.processes) for (const t of pr.messageTriggers) if (t.messageRef) this.messageIds.set(t.messageName, t.messageRef);
    this.dataDir = tempDir('bra-c7-standin-');
    this.engine = new EmbeddedEngine({ sources: projects.map((p) => ({ file: p.bpmnFile, text: p.text, doc: p.doc })), processId: api.process.id, dataDir: this.dataDir });
    await this.engine.init();
    this.contract = await loadContract();
    // Its ids carry the business key (pi-<key>), so path segments get as long as keys do; engine-rest has no such limit.
    this.app = Fastify({ routerOptions: { maxParamLength: 1024 } });
    this.app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    this.app.addHook('onRequest', async (req, reply) => {
      this.requests.push(`${req.method} ${req.url.split('?')[0]}`);
      if (this.failWith) return reply.code(this.failWith).send({ type: 'ProcessEngineException', message: 'the stand-in was told to fail' });
    });
    this.app.addHook('preHandler', async (req) => {
      this.received.push({ request: `${req.method} ${req.url.split('?')[0]}`, body: req.body, authorization: req.headers.authorization });
      this.checkRequest(req);
    });
    this.app.addHook('onSend', async (req, reply, payload) => {
      this.checkResponse(req, reply, payload);
      return payload;
    });
    this.app.setErrorHandler((err, _req, reply) => {
      if (err instanceof Rest) return reply.code(err.status).send({ type: err.type, message: err.message });
      return reply.code(500).send({ type: 'ProcessEngineException', message: (err as Error).message });
    });
    this.routes();
    await this.app.listen({ port, host: '127.0.0.1' });
    const addr = this.app.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}/engine-rest`;
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.engine?.close();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Fails when the adapter sent or was fed anything outside the contract. */
  assertClean(): void {
    if (this.violations.length) {
      const list = this.violations.map((v) => `${v.request}: ${v.problem}`).join('\n  ');
      this.violations.length = 0;
      throw new Error(`engine-rest contract violations:\n  ${list}`);
    }
  }

  private routes(): void {
    const r = '/engine-rest';
    const app = this.app;
    app.get(`${r}/process-definition/key/:key`, async (req) => {
      const { key } = req.params as { key: string };
      if (key !== this.processId) throw new Rest(400, `No matching process definition with key: ${key} and no tenant-id`, 'InvalidRequestException');
      return { id: `${key}:1:1`, key, name: key, version: 1, suspended: false, tenantId: null };
    });
    app.post(`${r}/deployment/create`, async (req) => {
      const form = await new Response(req.body as Buffer, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      const files = [...form.entries()].filter(([, v]) => typeof v !== 'string').map(([k]) => k);
      this.deployments.push({ name: String(form.get('deployment-name')), files });
      return { id: `dep-${this.deployments.length}`, name: form.get('deployment-name'), source: form.get('deployment-source'), tenantId: null, deploymentTime: new Date().toISOString(), links: [], deployedProcessDefinitions: {} };
    });
    app.post(`${r}/process-definition/key/:key/start`, async (req) => {
      const { key } = req.params as { key: string };
      if (key !== this.processId) throw new Rest(400, `No matching process definition with key: ${key} and no tenant-id`, 'InvalidRequestException');
      const body = req.body as { businessKey?: string; variables?: Record<string, TypedValue> };
      const snap = await this.engine.start({ processId: key, businessKey: body.businessKey!, data: {}, variables: plainAll(body.variables ?? {}) }).catch((e) => {
        throw camundaFailure(e, `Cannot instantiate process definition ${key}:1:1`);
      });
      return { ...this.instanceDto(snap), variables: null };
    });
    app.post(`${r}/message`, async (req) => {
      const body = req.body as { messageName: string; businessKey?: string; processVariables?: Record<string, TypedValue> };
      const messageId = this.messageIds.get(body.messageName);
      if (!messageId) throw new Rest(400, `Cannot correlate message '${body.messageName}': No process definition or execution matches the parameters`, 'MismatchingMessageCorrelationException');
      const snap = await this.engine
        .start({ processId: this.processId, businessKey: body.businessKey!, data: {}, variables: plainAll(body.processVariables ?? {}), startMessage: { messageId } })
        .catch((e) => {
          throw camundaFailure(e, `Cannot correlate message '${body.messageName}'`);
        });
      return [{ resultType: 'ProcessDefinition', processInstance: this.instanceDto(snap), execution: null, variables: null }];
    });
    app.get(`${r}/process-instance`, async (req) => {
      const q = req.query as Record<string, string>;
      const snap = q.businessKey ? await this.active(q.businessKey) : undefined;
      return snap ? [this.instanceDto(snap)] : [];
    });
    app.get(`${r}/process-instance/:id/variables`, async (req) => {
      const snap = await this.byInstanceId((req.params as { id: string }).id);
      return typedAll(snap.variables);
    });
    app.post(`${r}/process-instance/:id/variables`, async (req, reply) => {
      const snap = await this.byInstanceId((req.params as { id: string }).id);
      const body = req.body as { modifications?: Record<string, TypedValue> };
      await this.engine.update(snap.businessKey, () => ({ data: {}, variables: { values: plainAll(body.modifications ?? {}), scope: 'process' } }));
      return reply.code(204).send();
    });
    app.delete(`${r}/process-instance/:id`, async (req, reply) => {
      const snap = await this.byInstanceId((req.params as { id: string }).id, 404);
      this.terminated.add(snap.businessKey);
      return reply.code(204).send();
    });
    app.get(`${r}/task`, async (req) => {
      const q = req.query as Record<string, string>;
      const snap = q.processInstanceBusinessKey ? await this.active(q.processInstanceBusinessKey) : undefined;
      if (!snap) return [];
      // `processVariables`: comma-separated `name_operator_value` (the REST reference's form); only `eq`, what
      // the adapter sends, anything else refused so that no test passes on a filter this ignores.
      for (const c of q.processVariables ? q.processVariables.split(',') : []) {
        const [name, op, value, ...more] = c.split('_');
        if (more.length || value === undefined) throw new Rest(400, `processVariables: '${c}' is not name_operator_value`);
        if (op !== 'eq') throw new Rest(400, `the stand-in supports only eq in processVariables, not ${op}`);
        if (snap.variables[name] !== value) return [];
      }
      return snap.waiting.filter((w) => w.kind === 'task').map((w) => this.taskDto(snap, w));
    });
    app.post(`${r}/task/:id/complete`, async (req, reply) => {
      const { id } = req.params as { id: string };
      const key = this.taskOwner.get(id);
      const body = req.body as { variables?: Record<string, TypedValue> };
      const gone = new Rest(500, `Cannot complete task ${id}: Cannot find task with id ${id}: task is null`);
      if (!key || !(await this.active(key))) throw gone;
      if (this.loseNextCompletion) {
        this.loseNextCompletion = false;
        throw new Rest(500, `Cannot complete task ${id}: ${LOST_RACE}`, 'ProcessEngineException');
      }
      await this.engine
        .update(key, (snap) => {
          if (!snap.waiting.some((w) => w.executionId === id && w.kind === 'task')) throw gone;
          return { data: {}, complete: { executionId: id }, variables: { values: plainAll(body.variables ?? {}), scope: 'process', executionId: id } };
        })
        .catch((e) => {
          throw camundaFailure(e, `Cannot complete task ${id}`);
        });
      return reply.code(204).send();
    });
    app.post(`${r}/execution/:id/localVariables`, async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = req.body as { modifications?: Record<string, TypedValue>; deletions?: string[] };
      const key = this.taskOwner.get(id);
      if (!key) throw new Rest(500, `execution ${id} doesn't exist`, 'NullValueException');
      const values = { ...plainAll(body.modifications ?? {}), ...Object.fromEntries((body.deletions ?? []).map((n) => [n, null])) };
      await this.engine.update(key, (snap) => {
        const w = snap.waiting.find((x) => this.executionOf(snap, x) === id);
        if (!w) throw new Rest(500, `execution ${id} doesn't exist`, 'NullValueException');
        return { data: {}, variables: { values, scope: 'local', executionId: w.executionId } };
      });
      return reply.code(204).send();
    });
    app.get(`${r}/event-subscription`, async (req) => {
      const q = req.query as Record<string, string>;
      const snap = q.processInstanceId ? await this.byInstanceId(q.processInstanceId).catch(() => undefined) : undefined;
      if (!snap) return [];
      return snap.waiting
        .filter((w) => w.kind !== 'task')
        .map((w) => {
          this.taskOwner.set(w.executionId, snap.businessKey);
          return { id: `sub-${w.executionId}`, eventType: 'message', eventName: w.messageName ?? null, executionId: w.executionId, processInstanceId: instanceId(snap.businessKey), activityId: w.activityId, createdDate: snap.startedAt, tenantId: null };
        });
    });
    app.post(`${r}/execution/:id/messageSubscriptions/:name/trigger`, async (req, reply) => {
      const { id, name } = req.params as { id: string; name: string };
      const key = this.taskOwner.get(id);
      const body = req.body as { variables?: Record<string, TypedValue> };
      const none = new Rest(500, `Execution with id '${id}' does not have a subscription to a message event with name '${name}'`, 'InvalidRequestException');
      if (!key) throw none;
      await this.engine
        .update(key, (snap) => {
          const w = snap.waiting.find((x) => x.executionId === id && x.messageName === name);
          if (!w) throw none;
          const variables = { values: plainAll(body.variables ?? {}), scope: 'process' as const, executionId: id };
          return w.kind === 'receiveTask' ? { data: {}, complete: { executionId: id }, variables } : { data: {}, messageId: this.messageIds.get(name) ?? name, variables };
        })
        .catch((e) => {
          throw camundaFailure(e, `Cannot trigger message '${name}' on execution ${id}`);
        });
      return reply.code(204).send();
    });
    app.get(`${r}/history/process-instance`, async (req) => {
      const q = req.query as Record<string, string>;
      let all = await this.historic();
      if (q.processInstanceBusinessKey) all = all.filter((h) => h.businessKey === q.processInstanceBusinessKey);
      if (q.finished === 'true') all = all.filter((h) => h.state !== 'ACTIVE');
      const first = Number(q.firstResult ?? 0);
      return all.slice(first, q.maxResults ? first + Number(q.maxResults) : undefined);
    });
    app.get(`${r}/history/process-instance/count`, async () => ({ count: (await this.historic()).length }));
    app.delete(`${r}/history/process-instance/:id`, async (req, reply) => {
      const key = keyOf((req.params as { id: string }).id);
      const snap = await this.engine.get(key);
      if (!snap || (snap.state === 'active' && !this.terminated.has(key))) throw new Rest(404, `No historic process instance found with id: ${(req.params as { id: string }).id}`, 'InvalidRequestException');
      await this.engine.delete(key);
      this.terminated.delete(key);
      return reply.code(204).send();
    });
    app.get(`${r}/history/variable-instance`, async (req) => {
      const q = req.query as Record<string, string>;
      const ids = q.processInstanceIdIn ? q.processInstanceIdIn.split(',') : q.processInstanceId ? [q.processInstanceId] : [];
      const out: unknown[] = [];
      for (const id of ids) {
        const snap = await this.engine.get(keyOf(id));
        if (!snap) continue;
        for (const [name, v] of Object.entries(typedAll(snap.variables))) {
          if (q.variableName && name !== q.variableName) continue;
          out.push({ id: `${id}-${name}`, name, ...v, processDefinitionKey: this.processId, processInstanceId: id, executionId: id, activityInstanceId: id, state: 'CREATED' });
        }
      }
      return out;
    });
  }

  private async historic(): Promise<{ id: string; businessKey: string; state: string }[]> {
    const { items } = await this.engine.list({ offset: 0, limit: 1_000_000 });
    return items
      .sort((a, b) => (a.businessKey < b.businessKey ? -1 : a.businessKey > b.businessKey ? 1 : 0))
      .map((s) => ({
        id: instanceId(s.businessKey),
        businessKey: s.businessKey,
        processDefinitionId: `${this.processId}:1:1`,
        processDefinitionKey: this.processId,
        startTime: s.startedAt,
        endTime: s.endedAt ?? (this.terminated.has(s.businessKey) ? new Date().toISOString() : null),
        rootProcessInstanceId: instanceId(s.businessKey),
        superProcessInstanceId: null,
        tenantId: null,
        state: this.terminated.has(s.businessKey) ? 'EXTERNALLY_TERMINATED' : s.state === 'completed' ? 'COMPLETED' : 'ACTIVE',
      }));
  }

  private async active(businessKey: string): Promise<InstanceSnapshot | undefined> {
    if (this.terminated.has(businessKey)) return undefined;
    const snap = await this.engine.get(businessKey);
    return snap?.state === 'active' ? snap : undefined;
  }

  /** 7.15's document: an unknown instance is 500 for its variables, 404 for its DELETE. */
  private async byInstanceId(id: string, status = 500): Promise<InstanceSnapshot> {
    const snap = await this.active(keyOf(id));
    if (!snap) throw new Rest(status, `process instance ${id} does not exist`, status === 404 ? 'InvalidRequestException' : 'NullValueException');
    return snap;
  }

  /** A multi-instance iteration's task runs in the iteration's execution; others in the instance's. */
  private executionOf(snap: InstanceSnapshot, w: WaitingActivity): string {
    return w.scopeId !== w.executionId ? w.scopeId : instanceId(snap.businessKey);
  }

  private taskDto(snap: InstanceSnapshot, w: WaitingActivity) {
    this.taskOwner.set(w.executionId, snap.businessKey);
    if (w.scopeId !== w.executionId) this.taskOwner.set(w.scopeId, snap.businessKey);
    return {
      id: w.executionId,
      name: w.activityId,
      assignee: null,
      created: snap.startedAt,
      executionId: this.executionOf(snap, w),
      processDefinitionId: `${this.processId}:1:1`,
      processInstanceId: instanceId(snap.businessKey),
      taskDefinitionKey: w.activityId,
      suspended: false,
      tenantId: null,
    };
  }

  private instanceDto(snap: InstanceSnapshot) {
    return { id: instanceId(snap.businessKey), definitionId: `${this.processId}:1:1`, businessKey: snap.businessKey, caseInstanceId: null, ended: false, suspended: false, tenantId: null, links: [] };
  }

  private checkRequest(req: FastifyRequest): void {
    const where = `${req.method} ${req.url}`;
    const u = new URL(req.url, 'http://x');
    const pathname = u.pathname.replace(/^\/engine-rest/, '');
    const op = this.contract.matchOperation({ method: req.method.toLowerCase(), path: pathname, query: u.search.slice(1), headers: {} });
    if (!op) {
      this.violations.push({ request: where, problem: 'no operation of the contract' });
      throw new Rest(404, `no such engine-rest operation: ${where}`);
    }
    if (String(req.headers['content-type'] ?? '').startsWith('multipart/')) return;
    const result = this.contract.validateRequest({ method: req.method.toLowerCase(), path: pathname, query: u.search.slice(1), headers: req.headers as Record<string, string>, body: req.body }, op);
    if (!result.valid) {
      const problem = result.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ');
      this.violations.push({ request: where, problem: `request: ${problem}` });
      throw new Rest(400, `invalid request: ${problem}`, 'InvalidRequestException');
    }
  }

  private checkResponse(req: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    // A told failure stands for what is in front of a dead engine (a proxy's 503), outside the contract on purpose.
    if (this.failWith && reply.statusCode === this.failWith) return;
    const u = new URL(req.url, 'http://x');
    const pathname = u.pathname.replace(/^\/engine-rest/, '');
    const op = this.contract.matchOperation({ method: req.method.toLowerCase(), path: pathname, query: '', headers: {} });
    if (!op) return;
    const status = reply.statusCode;
    const body = typeof payload === 'string' && payload ? JSON.parse(payload) : undefined;
    const declared = (op.responses ?? {}) as Record<string, unknown>;
    // 7.15 answers a failed completion or start with 500 RestException, which its document does not declare (contracts/README.md).
    if (!declared[String(status)] && !(status === 500 && body && typeof body.type === 'string' && typeof body.message === 'string')) {
      this.violations.push({ request: `${req.method} ${req.url}`, problem: `response status ${status} is not declared` });
      return;
    }
    if (status === 204 || !declared[String(status)]) return;
    const result = this.contract.validateResponse(body, op, status);
    if (result.errors?.length) this.violations.push({ request: `${req.method} ${req.url}`, problem: `response: ${result.errors.map((e) => `${e.instancePath} ${e.message}`).join('; ')}` });
  }
}

function instanceId(businessKey: string): string {
  return `pi-${businessKey}`;
}

function keyOf(id: string): string {
  return id.replace(/^pi-/, '');
}

/** What 7.15 answers when the engine cannot go on: 500 RestException "<what>: <engine message>" (ENGINE-02004 for no outgoing flow). */
function camundaFailure(e: unknown, what: string): Error {
  if (e instanceof Rest) return e;
  if (e instanceof EngineError && e.kind === 'rejected') {
    const id = e.element?.id;
    const why = /no condition of its outgoing flows holds/.test(e.message) && id
      ? `ENGINE-02004 No outgoing sequence flow for the element with id '${id}' could be selected for continuing the process.`
      : // Like Camunda's "Unknown property used in expression: ${…}. Cause: …": the expression, not the element.
        e.message.replace(/^the process cannot continue at [^:]+: /, '');
    return new Rest(500, `${what}: ${why}`);
  }
  if (e instanceof EngineError && e.kind === 'conflict') return new Rest(500, `${what}: ${LOST_RACE}`, 'ProcessEngineException');
  return new Rest(500, `${what}: ${(e as Error).message}`, 'ProcessEngineException');
}

/**
 * The contract's validator, built once per test process: openapi-backend compiles the whole 7.15 document
 * (about 12 s on these machines), which every stand-in start paid, and under load a suite's before hook
 * ran past mocha's 20 s. It only validates, so the stand-ins can share it.
 */
let contract: Promise<OpenAPIBackend> | undefined;

function loadContract(): Promise<OpenAPIBackend> {
  contract ??= buildContract();
  return contract;
}

async function buildContract(): Promise<OpenAPIBackend> {
  const doc = JSON.parse(fs.readFileSync(CONTRACT, 'utf8'));
  // contracts/README.md: VariableValueDto.value carries any JSON value although declared `type: object`.
  delete doc.components.schemas.VariableValueDto.properties.value.type;
  Object.assign(doc.paths, HISTORY_PATHS);
  return openApiValidator(doc);
}
