/**
 * A STAND-IN for Camunda 8's orchestration cluster REST API (v2), for the adapter's tests: no Zeebe
 * cluster can run on these machines. It serves the subset of /v2 the adapter calls over a real HTTP
 * server and runs the processes on a token machine of its own (../standins/tokens.ts) that follows
 * Camunda 8's documented variable scopes, not on the product's engine. Its answers are judged by the
 * official client itself: the tests run the client with CAMUNDA_SDK_VALIDATION=strict, so a request or
 * answer outside the client's schemas fails the call (and so the test).
 *
 * It imitates what the adapter must cope with:
 * - variable scopes (docs, "Variables"): every element instance is a scope; `local: true` writes stay in
 *   that scope and vanish with it; a completion's variables propagate to the nearest scope that has the
 *   name, else to the process instance; a condition reads its gateway's scopes;
 * - eventual consistency: with `lagMs`, searches show the state as it was before the last command until
 *   that much time has passed (commands themselves act at once, as on Zeebe);
 * - no rollback: a completion the process cannot take is accepted (204) and the instance gets an incident
 *   at the element (EXTRACT_VALUE_ERROR for a condition that is not a boolean, e.g. a missing variable).
 *
 * What it does not prove: the broker's own FEEL (feelin here), message TTLs and buffering, job workers
 * (service tasks pass through), the real lag of the exporter, error texts beyond the problem
 * `title`/`status` the client reads. It runs the shared suites' Camunda 7 models too: see tokens.ts for
 * the two leniencies that takes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { loadApi } from '../../../server/src/facade/start';
import { readModel } from '../standins/model';
import { TokenMachine, type ElementInstance, type ProcessInstance, type TokenView } from '../standins/tokens';

export interface Camunda8StandInOptions {
  bpmnFile: string | string[];
  model?: string;
  /** searches lag behind commands by this much (ms) */
  lagMs?: number;
  /** answer every request with this status (an engine failing), until cleared */
  failWith?: number;
  /** whether the served process counts as deployed before any deployment (default true) */
  deployed?: boolean;
}

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const TENANT = '<default>';
const DEFINITION_KEY = '2251799813685001';
/** what the search shows of a value before it says isTruncated (Zeebe's default is 8 KB) */
const TRUNCATE_AT = 8191;

type Filter = Record<string, any>;

/** A filter value: equal to `v`, or in `$in`, or unset. */
function matches(filter: unknown, v: unknown): boolean {
  if (filter === undefined) return true;
  if (filter && typeof filter === 'object') {
    const f = filter as { $in?: unknown[]; $eq?: unknown; $neq?: unknown; $exists?: boolean };
    if (f.$in) return f.$in.includes(v);
    if ('$eq' in f) return f.$eq === v;
    if ('$neq' in f) return f.$neq !== v;
    if (f.$exists !== undefined) return f.$exists === (v !== undefined);
  }
  return filter === v;
}

export class Camunda8StandIn {
  app!: FastifyInstance;
  url = '';
  /** requests received, as `METHOD /path` */
  readonly requests: string[] = [];
  readonly received: { request: string; body: unknown; authorization?: string }[] = [];
  readonly deployments: string[][] = [];
  failWith: number | undefined;
  /** answer searches without their `page` (outside the client's schemas), to show that the client judges answers */
  breakAnswers = false;
  lagMs: number;
  machine!: TokenMachine;
  private deployed: boolean;
  private processId = '';
  private next = 2251799813686000n;
  /** what searches see until `until` (the state before the last command), when lagMs > 0 */
  private stale: { view: TokenView; until: number } | undefined;
  /** variable key → its scope and name */
  private readonly variableKeys = new Map<string, { scopeKey: string; name: string; processInstanceKey: string }>();
  private readonly keyOfVariable = new Map<string, string>();

  constructor(private readonly o: Camunda8StandInOptions) {
    this.failWith = o.failWith;
    this.lagMs = o.lagMs ?? 0;
    this.deployed = o.deployed ?? true;
  }

  async start(port = 0): Promise<this> {
    const { api, projects } = loadApi(this.o.bpmnFile, this.o.model);
    this.processId = api.process.id;
    this.machine = new TokenMachine(await readModel(projects.map((p) => p.bpmnFile)), 'zeebe', () => String(this.next++));
    this.app = Fastify({ routerOptions: { maxParamLength: 1024 } });
    this.app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    this.app.addHook('onRequest', async (req, reply) => {
      this.requests.push(`${req.method} ${req.url.split('?')[0]}`);
      if (this.failWith) return reply.code(this.failWith).type('application/problem+json').send({ type: 'about:blank', title: 'UNAVAILABLE', status: this.failWith, detail: 'the stand-in was told to fail', instance: req.url });
    });
    this.app.addHook('preHandler', async (req) => {
      this.received.push({ request: `${req.method} ${req.url.split('?')[0]}`, body: req.body, authorization: req.headers.authorization });
    });
    this.app.addHook('onSend', async (_req, _reply, payload) => {
      if (!this.breakAnswers || typeof payload !== 'string' || !payload.includes('"items"')) return payload;
      const { page: _page, ...rest } = JSON.parse(payload) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    this.app.setErrorHandler((err, req, reply) => {
      const p = err instanceof Problem ? err : new Problem(500, 'INTERNAL', (err as Error).message);
      return reply.code(p.status).type('application/problem+json').send({ type: 'about:blank', title: p.title, status: p.status, detail: p.detail, instance: req.url });
    });
    this.routes();
    await this.app.listen({ port, host: '127.0.0.1' });
    const addr = this.app.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
  }

  /** The state as a search sees it now (lagging behind commands by lagMs). */
  view(): TokenView {
    if (this.stale && Date.now() < this.stale.until) return this.stale.view;
    this.stale = undefined;
    return this.machine;
  }

  /** The root instance of a business key (the newest not cancelled). */
  private rootOf(businessKey: string): ProcessInstance | undefined {
    const m = this.machine;
    return m.instances().filter((i) => !i.parentKey && i.state !== 'TERMINATED' && m.processVariables(i.key).businessKey === businessKey).pop();
  }

  private command<T>(fn: () => T): T {
    if (this.lagMs > 0 && !this.stale) this.stale = { view: this.machine.frozen(), until: Number.MAX_SAFE_INTEGER };
    try {
      return this.machine.command(fn);
    } finally {
      if (this.stale) this.stale.until = Date.now() + this.lagMs;
    }
  }

  private routes(): void {
    this.definitionRoutes();
    this.instanceRoutes();
    this.taskRoutes();
    this.variableRoutes();
    this.messageRoutes();
  }

  private definitionRoutes(): void {
    this.app.post('/v2/deployments', async (req) => {
      const form = await new Response(req.body as Buffer, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      const files = form.getAll('resources').map((f) => (typeof f === 'string' ? f : f.name));
      this.deployments.push(files);
      this.deployed = true;
      return { deploymentKey: String(this.next++), tenantId: TENANT, deployments: [{ processDefinition: { processDefinitionId: this.processId, processDefinitionVersion: 1, resourceName: files[0] ?? 'x.bpmn', tenantId: TENANT, processDefinitionKey: DEFINITION_KEY } }] };
    });
    this.app.post('/v2/process-definitions/search', async () => {
      const items = this.deployed ? [{ processDefinitionId: this.processId, name: this.processId, version: 1, resourceName: `${this.processId}.bpmn`, tenantId: TENANT, processDefinitionKey: DEFINITION_KEY }] : [];
      return { items, page: { totalItems: items.length } };
    });
  }

  private instanceRoutes(): void {
    const app = this.app;
    app.post('/v2/process-instances', async (req) => {
      const body = req.body as { processDefinitionId: string; variables?: Record<string, unknown> };
      if (!this.deployed || body.processDefinitionId !== this.processId) throw new Problem(404, 'NOT_FOUND', `Expected to find process definition with process ID '${body.processDefinitionId}', but none found`);
      const inst = this.command(() => this.machine.start(this.processId, body.variables ?? {}));
      return { processDefinitionId: this.processId, processDefinitionVersion: 1, tenantId: TENANT, variables: {}, processDefinitionKey: DEFINITION_KEY, processInstanceKey: inst.key };
    });
    app.post('/v2/process-instances/search', async (req) => {
      const body = req.body as { filter?: Filter; page?: { from?: number; limit?: number } };
      const f = body.filter ?? {};
      const view = this.view();
      const all = view
        .instances()
        .filter((i) => matches(f.processDefinitionId, i.processId) && matches(f.state, i.state) && matches(f.parentProcessInstanceKey, i.parentKey))
        .filter((i) => ((f.variables ?? []) as { name: string; value: string }[]).every((v) => JSON.stringify(view.processVariables(i.key)[v.name]) === v.value));
      const from = body.page?.from ?? 0;
      const items = all.slice(from, from + (body.page?.limit ?? 100)).map((i) => this.instanceResult(view, i));
      return { items, page: { totalItems: all.length } };
    });
    app.get('/v2/process-instances/:key', async (req) => {
      const key = (req.params as { key: string }).key;
      const view = this.view();
      const i = view.instance(key);
      if (!i) throw new Problem(404, 'NOT_FOUND', `Process instance with key '${key}' not found`);
      return this.instanceResult(view, i);
    });
    app.post('/v2/process-instances/:key/cancellation', async (req, reply) => {
      const key = (req.params as { key: string }).key;
      if (this.machine.instance(key)?.state !== 'ACTIVE') throw new Problem(404, 'NOT_FOUND', `Expected to cancel a process instance with key '${key}', but no such process was found`);
      this.command(() => this.machine.cancel(key));
      return reply.code(204).send();
    });
    app.post('/v2/element-instances/search', async (req) => {
      const f = ((req.body as { filter?: Filter }).filter ?? {}) as Filter;
      const view = this.view();
      const items = view
        .elements()
        .filter((e) => matches(f.processInstanceKey, e.processInstanceKey) && matches(f.elementId, e.elementId) && matches(f.type, e.type) && matches(f.elementInstanceKey, e.key) && matches(f.elementInstanceScopeKey, e.parentKey ?? e.processInstanceKey) && (f.state === undefined || matches(f.state, 'ACTIVE')))
        .map((e) => ({ processDefinitionId: this.processId, startDate: e.startDate, elementId: e.elementId, elementName: e.elementId, type: e.type, state: 'ACTIVE', hasIncident: !!e.incident, tenantId: TENANT, elementInstanceKey: e.key, processInstanceKey: e.processInstanceKey, processDefinitionKey: DEFINITION_KEY }));
      return { items, page: { totalItems: items.length } };
    });
    app.post('/v2/incidents/search', async (req) => {
      const f = ((req.body as { filter?: Filter }).filter ?? {}) as Filter;
      const items = this.view()
        .elements()
        .filter((e) => e.incident && matches(f.processInstanceKey, e.processInstanceKey))
        .map((e) => ({ processDefinitionId: this.processId, errorType: e.incident!.errorType, errorMessage: e.incident!.message, elementId: e.elementId, creationTime: e.startDate, state: 'ACTIVE', tenantId: TENANT, incidentKey: `${e.key}1`, processDefinitionKey: DEFINITION_KEY, processInstanceKey: e.processInstanceKey, elementInstanceKey: e.key }));
      return { items, page: { totalItems: items.length } };
    });
  }

  private taskRoutes(): void {
    this.app.post('/v2/user-tasks/search', async (req) => {
      const f = ((req.body as { filter?: Filter }).filter ?? {}) as Filter;
      const view = this.view();
      const conditions = (f.processInstanceVariables ?? []) as { name: string; value: string }[];
      const items = view
        .elements()
        .filter((e) => e.userTaskKey && conditions.every((c) => JSON.stringify(view.processVariables(e.processInstanceKey)[c.name]) === JSON.stringify(JSON.parse(c.value))))
        .map((e) => this.taskResult(e, view.instance(e.processInstanceKey)?.processId ?? this.processId));
      return { items, page: { totalItems: items.length } };
    });
    this.app.post('/v2/user-tasks/:key/completion', async (req, reply) => {
      const key = (req.params as { key: string }).key;
      const task = this.machine.elements().find((e) => e.userTaskKey === key);
      if (!task) throw new Problem(404, 'NOT_FOUND', `Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete user task with key '${key}', but no such user task was found`);
      // No rollback: what the process cannot take becomes an incident; the completion stands (204).
      this.command(() => this.machine.complete(task.key, (req.body as { variables?: Record<string, unknown> } | undefined)?.variables ?? {}));
      return reply.code(204).send();
    });
  }

  private variableRoutes(): void {
    this.app.put('/v2/element-instances/:key/variables', async (req, reply) => {
      const key = (req.params as { key: string }).key;
      const body = req.body as { variables: Record<string, unknown>; local?: boolean };
      if (!this.machine.element(key)) throw new Problem(404, 'NOT_FOUND', `Expected to update variables for element with key '${key}', but no such element was found`);
      this.command(() => this.machine.setVariables(key, body.variables, !!body.local));
      return reply.code(204).send();
    });
    this.app.post('/v2/variables/search', async (req) => {
      const body = req.body as { filter?: Filter };
      const f = body.filter ?? {};
      const view = this.view();
      const items: unknown[] = [];
      for (const inst of view.instances()) {
        if (!matches(f.processInstanceKey, inst.key)) continue;
        const scopes: Array<[string, Record<string, unknown>]> = inst.state === 'ACTIVE' ? view.elements().filter((e) => e.processInstanceKey === inst.key && e.scope).map((e) => [e.key, e.vars]) : [[inst.key, view.processVariables(inst.key)]];
        for (const [scopeKey, vars] of scopes) {
          if (!matches(f.scopeKey, scopeKey)) continue;
          for (const [name, value] of Object.entries(vars)) {
            if (!matches(f.name, name)) continue;
            const json = JSON.stringify(value ?? null);
            const truncated = json.length > TRUNCATE_AT;
            items.push({ name, value: truncated ? json.slice(0, TRUNCATE_AT) : json, isTruncated: truncated, tenantId: TENANT, variableKey: this.variableKey(scopeKey, name, inst.key), scopeKey, processInstanceKey: inst.key });
          }
        }
      }
      return { items, page: { totalItems: items.length } };
    });
    this.app.get('/v2/variables/:key', async (req) => {
      const key = (req.params as { key: string }).key;
      const v = this.variableKeys.get(key);
      const view = this.view();
      const scope = v && (view.element(v.scopeKey)?.vars ?? (v.scopeKey === v.processInstanceKey ? view.processVariables(v.scopeKey) : undefined));
      if (!v || !scope || !(v.name in scope)) throw new Problem(404, 'NOT_FOUND', `Variable with key '${key}' not found`);
      return { name: v.name, value: JSON.stringify(scope[v.name] ?? null), tenantId: TENANT, variableKey: key, scopeKey: v.scopeKey, processInstanceKey: v.processInstanceKey };
    });
  }

  private messageRoutes(): void {
    this.app.post('/v2/messages/correlation', async (req) => {
      const body = req.body as { name: string; correlationKey?: string; variables?: Record<string, unknown> };
      const key = body.correlationKey ?? '';
      const waiting = this.machine.elements().find((e) => e.subscription?.messageName === body.name && e.subscription.correlationKey === key);
      if (waiting) {
        this.command(() => this.machine.complete(waiting.key, body.variables ?? {}));
        return { tenantId: TENANT, messageKey: String(this.next++), processInstanceKey: waiting.processInstanceKey };
      }
      const started = this.machine.model.startedBy.get(body.name);
      if (started && !(this.rootOf(key)?.state === 'ACTIVE')) {
        const inst = this.command(() => this.machine.start(started, body.variables ?? {}, { message: body.name }));
        return { tenantId: TENANT, messageKey: String(this.next++), processInstanceKey: inst.key };
      }
      throw new Problem(404, 'NOT_FOUND', `Command 'CORRELATE' rejected with code 'NOT_FOUND': Expected to find subscription for message with name '${body.name}' and correlation key '${key}', but none was found.`);
    });
    this.app.post('/v2/message-subscriptions/search', async (req) => {
      const f = ((req.body as { filter?: Filter }).filter ?? {}) as Filter;
      const items = this.view()
        .elements()
        .filter((e) => e.subscription && matches(f.correlationKey, e.subscription.correlationKey))
        .map((e) => ({
          messageSubscriptionKey: `${e.key}2`,
          processDefinitionId: this.processId,
          processDefinitionKey: DEFINITION_KEY,
          processInstanceKey: e.processInstanceKey,
          elementId: e.elementId,
          elementInstanceKey: e.key,
          messageSubscriptionState: 'CREATED',
          lastUpdatedDate: e.startDate,
          messageName: e.subscription!.messageName,
          correlationKey: e.subscription!.correlationKey,
          tenantId: TENANT,
        }));
      return { items, page: { totalItems: items.length } };
    });
  }

  private variableKey(scopeKey: string, name: string, processInstanceKey: string): string {
    const id = `${scopeKey}\u0000${name}`;
    let key = this.keyOfVariable.get(id);
    if (!key) {
      key = String(this.next++);
      this.keyOfVariable.set(id, key);
      this.variableKeys.set(key, { scopeKey, name, processInstanceKey });
    }
    return key;
  }

  private instanceResult(view: TokenView, i: ProcessInstance) {
    return {
      processDefinitionId: i.processId,
      processDefinitionName: i.processId,
      processDefinitionVersion: 1,
      startDate: i.startDate,
      ...(i.endDate ? { endDate: i.endDate } : {}),
      state: i.state,
      hasIncident: view.elements().some((e) => e.processInstanceKey === i.key && e.incident),
      tenantId: TENANT,
      processInstanceKey: i.key,
      processDefinitionKey: DEFINITION_KEY,
      ...(i.parentKey ? { parentProcessInstanceKey: i.parentKey, parentElementInstanceKey: i.callKey } : {}),
    };
  }

  private taskResult(e: ElementInstance, processId: string) {
    return {
      name: e.elementId,
      state: 'CREATED',
      elementId: e.elementId,
      candidateGroups: [],
      candidateUsers: [],
      processDefinitionId: processId,
      creationDate: e.startDate,
      tenantId: TENANT,
      processDefinitionVersion: 1,
      customHeaders: {},
      priority: 50,
      userTaskKey: e.userTaskKey!,
      elementInstanceKey: e.key,
      processName: processId,
      processDefinitionKey: DEFINITION_KEY,
      processInstanceKey: e.processInstanceKey,
    };
  }
}
