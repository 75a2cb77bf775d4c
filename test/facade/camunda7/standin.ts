/**
 * A STAND-IN for Camunda 7's engine-rest, for the adapter's tests: no Camunda engine can run on these
 * machines (the live engines of test/engines judge the adapter too). It serves the subset of engine-rest
 * the adapter calls, over a real HTTP server, and runs the processes on a token machine of its own
 * (../standins/tokens.ts) that keeps Camunda 7's execution tree: the process instance, subprocesses,
 * multi-instance bodies and inner instances are scope executions holding variables; a plain task runs in
 * its parent's execution; a command the process cannot take is rolled back whole. Every request it receives and every response it sends is validated against
 * shared/contracts/camunda7-engine-rest-7.15.openapi.json (history operations against history-contract.ts);
 * a violation is recorded and fails the test.
 *
 * What this proves: the adapter speaks the contract and the facade keeps its semantics over a remote,
 * stateless port. What it does not prove: Camunda's own JUEL on Java maps (the product's JUEL reader stands
 * in), concurrent executions of parallel branches, history levels, error messages beyond those 7.15's
 * sources show; the live engines do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type OpenAPIBackend from 'openapi-backend';
import { randomUUID } from 'node:crypto';
import { loadApi } from '../../../server/src/facade/start';
import { plainAll, typedAll, type TypedValue } from '../../../server/src/facade/camunda7/variables';
import { FIXTURES } from '../../helpers';
import { readModel } from '../standins/model';
import { CommandFailed, TokenMachine, type ElementInstance, type ProcessInstance } from '../standins/tokens';
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
  readonly received: { request: string; body: unknown; authorization?: string; requestId?: string }[] = [];
  readonly deployments: { name: string; files: string[] }[] = [];
  failWith: number | undefined;
  /** the next task completion fails as the loser of a race does on live Camunda 7.24, completing nothing */
  loseNextCompletion = false;
  machine!: TokenMachine;
  private contract!: OpenAPIBackend;
  private processId = '';

  constructor(private readonly o: StandInOptions) {
    this.failWith = o.failWith;
  }

  async start(port = 0): Promise<this> {
    const { api, projects } = loadApi(this.o.bpmnFile, this.o.model);
    this.processId = api.process.id;
    this.machine = new TokenMachine(await readModel(projects.map((p) => p.bpmnFile)), 'camunda7', () => randomUUID());
    this.contract = await loadContract();
    this.app = Fastify();
    this.app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    this.app.addHook('onRequest', async (req, reply) => {
      this.requests.push(`${req.method} ${req.url.split('?')[0]}`);
      if (this.failWith) return reply.code(this.failWith).send({ type: 'ProcessEngineException', message: 'the stand-in was told to fail' });
    });
    this.app.addHook('preHandler', async (req) => {
      this.received.push({ request: `${req.method} ${req.url.split('?')[0]}`, body: req.body, authorization: req.headers.authorization, requestId: req.headers['x-request-id'] as string | undefined });
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
    this.definitionRoutes();
    this.instanceRoutes();
    this.taskRoutes();
    this.messageRoutes();
    this.historyRoutes();
    await this.app.listen({ port, host: '127.0.0.1' });
    const addr = this.app.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}/engine-rest`;
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
  }

  /** Fails when the adapter sent or was fed anything outside the contract. */
  assertClean(): void {
    if (this.violations.length) {
      const list = this.violations.map((v) => `${v.request}: ${v.problem}`).join('\n  ');
      this.violations.length = 0;
      throw new Error(`engine-rest contract violations:\n  ${list}`);
    }
  }

  /** A command in one transaction: what fails is rolled back and answered as 7.15 does. */
  private command<T>(what: string, fn: () => T): T {
    try {
      return this.machine.command(fn);
    } catch (e) {
      if (e instanceof Rest) throw e;
      throw new Rest(500, `${what}: ${(e as Error).message}`, e instanceof CommandFailed ? 'RestException' : 'ProcessEngineException');
    }
  }

  private definitionRoutes(): void {
    const r = '/engine-rest';
    this.app.get(`${r}/process-definition/key/:key`, async (req) => {
      const { key } = req.params as { key: string };
      if (key !== this.processId) throw new Rest(400, `No matching process definition with key: ${key} and no tenant-id`, 'InvalidRequestException');
      return { id: `${key}:1:1`, key, name: key, version: 1, suspended: false, tenantId: null };
    });
    this.app.post(`${r}/deployment/create`, async (req) => {
      const form = await new Response(req.body as Buffer, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      const files = [...form.entries()].filter(([, v]) => typeof v !== 'string').map(([k]) => k);
      this.deployments.push({ name: String(form.get('deployment-name')), files });
      return { id: `dep-${this.deployments.length}`, name: form.get('deployment-name'), source: form.get('deployment-source'), tenantId: null, deploymentTime: new Date().toISOString(), links: [], deployedProcessDefinitions: {} };
    });
  }

  private instanceRoutes(): void {
    const r = '/engine-rest';
    const app = this.app;
    app.post(`${r}/process-definition/key/:key/start`, async (req) => {
      const { key } = req.params as { key: string };
      if (key !== this.processId) throw new Rest(400, `No matching process definition with key: ${key} and no tenant-id`, 'InvalidRequestException');
      const body = req.body as { businessKey?: string; variables?: Record<string, TypedValue> };
      const inst = this.command(`Cannot instantiate process definition ${key}:1:1`, () => this.machine.start(key, plainAll(body.variables ?? {}), { businessKey: body.businessKey }));
      return { ...this.instanceDto(inst), variables: null };
    });
    app.get(`${r}/process-instance`, async (req) => {
      const q = req.query as Record<string, string>;
      const found = this.machine
        .instances()
        .filter((i) => i.state === 'ACTIVE' && (!q.businessKey || i.businessKey === q.businessKey) && (!q.processDefinitionKey || i.processId === q.processDefinitionKey) && (q.rootProcessInstances !== 'true' || !i.parentKey));
      return found.slice(0, q.maxResults ? Number(q.maxResults) : undefined).map((i) => this.instanceDto(i));
    });
    app.get(`${r}/process-instance/:id/variables`, async (req) => typedAll(this.active((req.params as { id: string }).id).vars));
    app.post(`${r}/process-instance/:id/variables`, async (req, reply) => {
      const root = this.active((req.params as { id: string }).id);
      const body = req.body as { modifications?: Record<string, TypedValue>; deletions?: string[] };
      this.command('Cannot modify variables', () => {
        this.machine.setVariables(root.key, plainAll(body.modifications ?? {}), true);
        this.machine.deleteLocal(root.key, body.deletions ?? []);
      });
      return reply.code(204).send();
    });
    app.delete(`${r}/process-instance/:id`, async (req, reply) => {
      const root = this.active((req.params as { id: string }).id, 404);
      this.machine.cancel(root.key);
      return reply.code(204).send();
    });
    app.post(`${r}/execution/:id/localVariables`, async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = req.body as { modifications?: Record<string, TypedValue>; deletions?: string[] };
      if (!this.machine.element(id)?.scope) throw new Rest(500, `execution ${id} doesn't exist`, 'NullValueException');
      this.command('Cannot modify variables', () => {
        this.machine.setVariables(id, plainAll(body.modifications ?? {}), true);
        this.machine.deleteLocal(id, body.deletions ?? []);
      });
      return reply.code(204).send();
    });
  }

  private taskRoutes(): void {
    const r = '/engine-rest';
    this.app.get(`${r}/task`, async (req) => {
      const q = req.query as Record<string, string>;
      // `processVariables`: comma-separated `name_operator_value` (the REST reference's form); only `eq`, what
      // the adapter sends, anything else refused so that no test passes on a filter this ignores.
      const conditions = (q.processVariables ? q.processVariables.split(',') : []).map((c) => {
        const [name, op, value, ...more] = c.split('_');
        if (more.length || value === undefined) throw new Rest(400, `processVariables: '${c}' is not name_operator_value`);
        if (op !== 'eq') throw new Rest(400, `the stand-in supports only eq in processVariables, not ${op}`);
        return { name, value };
      });
      return this.machine
        .elements()
        .filter((e) => e.userTaskKey && (!q.processInstanceBusinessKey || this.machine.instance(e.processInstanceKey)?.businessKey === q.processInstanceBusinessKey))
        .filter((e) => conditions.every((c) => this.machine.processVariables(e.processInstanceKey)[c.name] === c.value))
        .map((e) => this.taskDto(e));
    });
    this.app.post(`${r}/task/:id/complete`, async (req, reply) => {
      const { id } = req.params as { id: string };
      const task = this.machine.elements().find((e) => e.userTaskKey === id);
      if (!task) throw new Rest(500, `Cannot complete task ${id}: Cannot find task with id ${id}: task is null`);
      if (this.loseNextCompletion) {
        this.loseNextCompletion = false;
        throw new Rest(500, `Cannot complete task ${id}: ${LOST_RACE}`, 'ProcessEngineException');
      }
      const body = req.body as { variables?: Record<string, TypedValue> };
      this.command(`Cannot complete task ${id}`, () => this.machine.complete(task.key, plainAll(body.variables ?? {})));
      return reply.code(204).send();
    });
  }

  private messageRoutes(): void {
    const r = '/engine-rest';
    this.app.post(`${r}/message`, async (req) => {
      const body = req.body as { messageName: string; businessKey?: string; processVariables?: Record<string, TypedValue> };
      const started = this.machine.model.startedBy.get(body.messageName);
      if (!started) throw new Rest(400, `Cannot correlate message '${body.messageName}': No process definition or execution matches the parameters`, 'MismatchingMessageCorrelationException');
      const inst = this.command(`Cannot correlate message '${body.messageName}'`, () => this.machine.start(started, plainAll(body.processVariables ?? {}), { businessKey: body.businessKey, message: body.messageName }));
      return [{ resultType: 'ProcessDefinition', processInstance: this.instanceDto(inst), execution: null, variables: null }];
    });
    this.app.get(`${r}/event-subscription`, async (req) => {
      const q = req.query as Record<string, string>;
      return this.machine
        .elements()
        .filter((e) => e.subscription && (!q.processInstanceId || e.processInstanceKey === q.processInstanceId))
        .map((e) => ({ id: `sub-${e.key}`, eventType: 'message', eventName: e.subscription!.messageName, executionId: e.key, processInstanceId: e.processInstanceKey, activityId: e.elementId, createdDate: e.startDate, tenantId: null }));
    });
    this.app.post(`${r}/execution/:id/messageSubscriptions/:name/trigger`, async (req, reply) => {
      const { id, name } = req.params as { id: string; name: string };
      const e = this.machine.element(id);
      if (!e || e.subscription?.messageName !== name) throw new Rest(500, `Execution with id '${id}' does not have a subscription to a message event with name '${name}'`, 'InvalidRequestException');
      const body = req.body as { variables?: Record<string, TypedValue> };
      this.command(`Cannot trigger message '${name}' on execution ${id}`, () => this.machine.complete(id, plainAll(body.variables ?? {})));
      return reply.code(204).send();
    });
  }

  private historyRoutes(): void {
    const r = '/engine-rest';
    const app = this.app;
    app.get(`${r}/history/process-instance`, async (req) => {
      const q = req.query as Record<string, string>;
      let all = this.historic(q);
      if (q.processInstanceBusinessKey) all = all.filter((h) => h.businessKey === q.processInstanceBusinessKey);
      if (q.finished === 'true') all = all.filter((h) => h.state !== 'ACTIVE');
      const first = Number(q.firstResult ?? 0);
      return all.slice(first, q.maxResults ? first + Number(q.maxResults) : undefined);
    });
    app.get(`${r}/history/process-instance/count`, async (req) => ({ count: this.historic(req.query as Record<string, string>).length }));
    app.delete(`${r}/history/process-instance/:id`, async (req, reply) => {
      const { id } = req.params as { id: string };
      const i = this.machine.instance(id);
      if (!i || i.state === 'ACTIVE') throw new Rest(404, `No historic process instance found with id: ${id}`, 'InvalidRequestException');
      this.machine.forget(id);
      return reply.code(204).send();
    });
    app.get(`${r}/history/variable-instance`, async (req) => {
      const q = req.query as Record<string, string>;
      const ids = q.processInstanceIdIn ? q.processInstanceIdIn.split(',') : q.processInstanceId ? [q.processInstanceId] : [];
      const out: unknown[] = [];
      for (const id of ids) {
        if (!this.machine.instance(id)) continue;
        for (const [name, v] of Object.entries(typedAll(this.machine.processVariables(id)))) {
          if (q.variableName && name !== q.variableName) continue;
          out.push({ id: `${id}-${name}`, name, ...v, processDefinitionKey: this.machine.instance(id)!.processId, processInstanceId: id, executionId: id, activityInstanceId: id, state: 'CREATED' });
        }
      }
      return out;
    });
  }

  private historic(q: Record<string, string>) {
    return this.machine
      .instances()
      .filter((i) => !q.processDefinitionKey || i.processId === q.processDefinitionKey)
      .sort((a, b) => ((a.businessKey ?? '') < (b.businessKey ?? '') ? -1 : (a.businessKey ?? '') > (b.businessKey ?? '') ? 1 : 0))
      .map((i) => ({
        id: i.key,
        businessKey: i.businessKey ?? null,
        processDefinitionId: `${i.processId}:1:1`,
        processDefinitionKey: i.processId,
        startTime: i.startDate,
        endTime: i.endDate ?? null,
        rootProcessInstanceId: i.parentKey ?? i.key,
        superProcessInstanceId: i.parentKey ?? null,
        tenantId: null,
        state: i.state === 'TERMINATED' ? 'EXTERNALLY_TERMINATED' : i.state,
      }));
  }

  /** 7.15's document: an unknown instance is 500 for its variables, 404 for its DELETE. */
  private active(id: string, status = 500) {
    const root = this.machine.instance(id)?.state === 'ACTIVE' ? this.machine.element(id) : undefined;
    if (!root) throw new Rest(status, `process instance ${id} does not exist`, status === 404 ? 'InvalidRequestException' : 'NullValueException');
    return root;
  }

  /** A task's execution: the scope it runs in (Camunda 7: a plain task runs in its parent's execution). */
  private taskDto(e: ElementInstance) {
    const inst = this.machine.instance(e.processInstanceKey)!;
    return {
      id: e.userTaskKey!,
      name: e.elementId,
      assignee: null,
      created: e.startDate,
      executionId: this.machine.scopeOf(e).key,
      processDefinitionId: `${inst.processId}:1:1`,
      processInstanceId: e.processInstanceKey,
      taskDefinitionKey: e.elementId,
      suspended: false,
      tenantId: null,
    };
  }

  private instanceDto(i: ProcessInstance) {
    return { id: i.key, definitionId: `${i.processId}:1:1`, businessKey: i.businessKey ?? null, caseInstanceId: null, ended: i.state !== 'ACTIVE', suspended: false, tenantId: null, links: [] };
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
