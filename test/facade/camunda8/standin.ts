/**
 * A STAND-IN for Camunda 8's orchestration cluster REST API (v2), for the adapter's tests: no Zeebe
 * cluster can run on these machines. It serves the subset of /v2 the adapter calls over a real HTTP
 * server and runs the processes on bpmn-engine (the embedded engine). Its answers are judged by the
 * official client itself: the tests run the client with CAMUNDA_SDK_VALIDATION=strict, so a request or
 * answer outside the client's schemas fails the call (and so the test).
 *
 * It imitates the two behaviours the adapter must cope with:
 * - eventual consistency: with `lagMs`, searches show an instance as it was before the last command
 *   until that much time has passed (commands themselves act at once, as on Zeebe);
 * - no rollback: a completion the process cannot take is accepted (204) and the instance gets an
 *   incident at the element, as Zeebe does.
 *
 * What it does not prove: Zeebe's own behaviour (variable propagation across scopes, FEEL on the
 * broker, message TTLs, the real lag of the exporter), nor the REST API's error texts beyond the
 * problem `title`/`status` the client reads.
 */
import * as fs from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { EmbeddedEngine } from '../../../server/src/facade/embedded/embeddedEngine';
import { EngineError, type InstanceSnapshot } from '../../../server/src/facade/ports';
import { loadApi } from '../../../server/src/facade/start';
import { tempDir } from '../../helpers';

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

interface Terminated {
  key: string;
  businessKey: string;
  startDate: string;
  endDate: string;
  variables: Record<string, unknown>;
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
  private deployed: boolean;
  private engine!: EmbeddedEngine;
  private processId = '';
  private dataDir = '';
  private next = 2251799813686000n;
  private readonly keys = new Map<string, string>();
  private readonly byKey = new Map<string, { businessKey: string; what: string }>();
  private readonly startMessages = new Map<string, string>();
  private readonly messageIds = new Map<string, string>();
  private readonly terminated: Terminated[] = [];
  private readonly incidents = new Map<string, { elementId: string; message: string; task: string }>();
  private readonly stale = new Map<string, { snap: InstanceSnapshot | undefined; until: number }>();

  constructor(private readonly o: Camunda8StandInOptions) {
    this.failWith = o.failWith;
    this.lagMs = o.lagMs ?? 0;
    this.deployed = o.deployed ?? true;
  }

  async start(port = 0): Promise<this> {
    const { api, projects } = loadApi(this.o.bpmnFile, this.o.model);
    this.processId = api.process.id;
    for (const p of projects) {
      for (const pr of p.doc.processes) {
        for (const t of pr.messageTriggers) {
          if (!t.messageRef) continue;
          this.messageIds.set(t.messageName, t.messageRef);
          if (t.kind === 'startEvent') this.startMessages.set(t.messageName, t.messageRef);
        }
      }
    }
    this.dataDir = tempDir('bra-c8-standin-');
    this.engine = new EmbeddedEngine({ sources: projects.map((p) => ({ file: p.bpmnFile, text: p.text, doc: p.doc })), processId: api.process.id, dataDir: this.dataDir });
    await this.engine.init();
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
    await this.engine?.close();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The instance as a search sees it now (lagging behind commands by lagMs). */
  async visible(businessKey: string): Promise<InstanceSnapshot | undefined> {
    const s = this.stale.get(businessKey);
    if (s && Date.now() < s.until) return s.snap;
    this.stale.delete(businessKey);
    return this.engine.get(businessKey);
  }

  private async command<T>(businessKey: string, fn: () => Promise<T>): Promise<T> {
    if (this.lagMs > 0 && !this.stale.has(businessKey)) this.stale.set(businessKey, { snap: await this.engine.get(businessKey), until: 0 });
    try {
      return await fn();
    } finally {
      const s = this.stale.get(businessKey);
      if (s) s.until = Date.now() + this.lagMs;
    }
  }

  private keyOf(what: string, businessKey: string): string {
    const id = `${businessKey}\u0000${what}`;
    let k = this.keys.get(id);
    if (!k) {
      k = String(this.next++);
      this.keys.set(id, k);
      this.byKey.set(k, { businessKey, what });
    }
    return k;
  }

  private instanceKey(businessKey: string): string {
    return this.keyOf('instance', businessKey);
  }

  private owner(key: string, kind: string): { businessKey: string; what: string } {
    const o = this.byKey.get(key);
    if (!o || !o.what.startsWith(kind)) throw new Problem(404, 'NOT_FOUND', `Expected to find a ${kind} with key '${key}', but none was found`);
    return o;
  }

  private routes(): void {
    const app = this.app;
    const v2 = '/v2';
    app.post(`${v2}/deployments`, async (req) => {
      const form = await new Response(req.body as Buffer, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      const files = form.getAll('resources').map((f) => (typeof f === 'string' ? f : f.name));
      this.deployments.push(files);
      this.deployed = true;
      return { deploymentKey: String(this.next++), tenantId: TENANT, deployments: [{ processDefinition: { processDefinitionId: this.processId, processDefinitionVersion: 1, resourceName: files[0] ?? 'x.bpmn', tenantId: TENANT, processDefinitionKey: DEFINITION_KEY } }] };
    });
    app.post(`${v2}/process-definitions/search`, async () => {
      const items = this.deployed ? [{ processDefinitionId: this.processId, name: this.processId, version: 1, resourceName: `${this.processId}.bpmn`, tenantId: TENANT, processDefinitionKey: DEFINITION_KEY }] : [];
      return { items, page: { totalItems: items.length } };
    });
    app.post(`${v2}/process-instances`, async (req) => {
      const body = req.body as { processDefinitionId: string; variables?: Record<string, unknown> };
      if (!this.deployed || body.processDefinitionId !== this.processId) throw new Problem(404, 'NOT_FOUND', `Expected to find process definition with process ID '${body.processDefinitionId}', but none found`);
      const businessKey = String(body.variables?.businessKey ?? `generated-${this.next}`);
      await this.command(businessKey, () => this.engine.start({ processId: this.processId, businessKey, data: {}, variables: body.variables ?? {} })).catch((e) => {
        throw zeebeFailure(e);
      });
      return { processDefinitionId: this.processId, processDefinitionVersion: 1, tenantId: TENANT, variables: {}, processDefinitionKey: DEFINITION_KEY, processInstanceKey: this.instanceKey(businessKey) };
    });
    app.post(`${v2}/process-instances/search`, async (req) => {
      const body = req.body as { filter?: Record<string, any>; page?: { from?: number; limit?: number } };
      const f = body.filter ?? {};
      let all = await this.allInstances();
      if (f.processDefinitionId && f.processDefinitionId !== this.processId) all = [];
      if (f.state?.$neq) all = all.filter((i) => i.state !== f.state.$neq);
      for (const v of f.variables ?? []) all = all.filter((i) => JSON.stringify(i.variables[v.name]) === v.value);
      const from = body.page?.from ?? 0;
      const items = all.slice(from, from + (body.page?.limit ?? 100)).map(({ variables: _v, ...i }) => i);
      return { items, page: { totalItems: all.length } };
    });
    app.get(`${v2}/process-instances/:key`, async (req) => {
      const key = (req.params as { key: string }).key;
      const found = (await this.allInstances()).find((i) => i.processInstanceKey === key);
      if (!found) throw new Problem(404, 'NOT_FOUND', `Process instance with key '${key}' not found`);
      const { variables: _v, ...i } = found;
      return i;
    });
    app.post(`${v2}/process-instances/:key/cancellation`, async (req, reply) => {
      const { businessKey } = this.owner((req.params as { key: string }).key, 'instance');
      const snap = await this.engine.get(businessKey);
      if (!snap || snap.state !== 'active') throw new Problem(404, 'NOT_FOUND', `Expected to cancel a process instance with key '${(req.params as { key: string }).key}', but no such process was found`);
      await this.command(businessKey, async () => {
        this.terminated.push({ key: this.instanceKey(businessKey), businessKey, startDate: snap.startedAt, endDate: new Date().toISOString(), variables: snap.variables });
        // A new start with the same business key is a new instance with a new key.
        const id = `${businessKey}\u0000instance`;
        this.keys.delete(id);
        this.incidents.delete(businessKey);
        await this.engine.delete(businessKey);
      });
      return reply.code(204).send();
    });
    app.post(`${v2}/user-tasks/search`, async (req) => {
      const f = (req.body as { filter?: Record<string, any> }).filter ?? {};
      const bk = (f.processInstanceVariables as { name: string; value: string }[] | undefined)?.find((v) => v.name === 'businessKey');
      const businessKey = bk ? (JSON.parse(bk.value) as string) : undefined;
      const snap = businessKey !== undefined ? await this.visible(businessKey) : undefined;
      const hidden = businessKey !== undefined ? this.incidents.get(businessKey)?.task : undefined;
      // The other process-instance variable conditions (values as JSON, compared as the search does: equal).
      const others = ((f.processInstanceVariables ?? []) as { name: string; value: string }[]).filter((v) => v.name !== 'businessKey');
      const matches = !!snap && others.every((c) => JSON.stringify(snap.variables[c.name]) === JSON.stringify(JSON.parse(c.value)));
      const items = !snap || snap.state !== 'active' || !matches ? [] : snap.waiting.filter((w) => w.kind === 'task' && w.executionId !== hidden).map((w) => this.taskResult(snap, w.executionId, w.scopeId, w.activityId));
      return { items, page: { totalItems: items.length } };
    });
    app.post(`${v2}/user-tasks/:key/completion`, async (req, reply) => {
      const key = (req.params as { key: string }).key;
      const { businessKey, what } = this.owner(key, 'task');
      const executionId = what.slice('task:'.length);
      const body = (req.body ?? {}) as { variables?: Record<string, unknown> };
      const gone = new Problem(404, 'NOT_FOUND', `Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete user task with key '${key}', but no such user task was found`);
      const snap = await this.engine.get(businessKey);
      if (!snap || snap.state !== 'active' || this.incidents.get(businessKey)?.task === executionId || !snap.waiting.some((w) => w.executionId === executionId)) throw gone;
      await this.command(businessKey, async () => {
        try {
          await this.engine.update(businessKey, (now) => {
            if (!now.waiting.some((w) => w.executionId === executionId)) throw gone;
            return { data: {}, complete: { executionId }, variables: { values: body.variables ?? {}, scope: 'process', executionId } };
          });
        } catch (e) {
          if (e === gone) throw gone;
          // Zeebe does not roll back: the task is done, the token waits at the element with an incident.
          if (!(e instanceof EngineError && e.kind === 'rejected')) throw zeebeFailure(e);
          // The completion's variables are set all the same.
          await this.engine.update(businessKey, () => ({ data: {}, variables: { values: body.variables ?? {}, scope: 'process' } }));
          this.incidents.set(businessKey, { elementId: e.element?.id ?? '', message: e.message, task: executionId });
        }
      });
      return reply.code(204).send();
    });
    app.put(`${v2}/element-instances/:key/variables`, async (req, reply) => {
      const key = (req.params as { key: string }).key;
      const o = this.byKey.get(key);
      if (!o) throw new Problem(404, 'NOT_FOUND', `Expected to update variables for element with key '${key}', but no such element was found`);
      const body = req.body as { variables: Record<string, unknown>; local?: boolean };
      await this.command(o.businessKey, () =>
        this.engine.update(o.businessKey, (snap) => {
          if (o.what === 'instance') return { data: {}, variables: { values: body.variables, scope: 'process' } };
          const scope = o.what.slice(o.what.indexOf(':') + 1);
          const w = snap.waiting.find((x) => x.scopeId === scope || x.executionId === scope);
          if (!w) throw new Problem(404, 'NOT_FOUND', `Expected to update variables for element with key '${key}', but no such element was found`);
          return { data: {}, variables: { values: body.variables, scope: body.local ? 'local' : 'process', executionId: w.executionId } };
        }),
      );
      return reply.code(204).send();
    });
    app.post(`${v2}/variables/search`, async (req) => {
      const body = req.body as { filter?: Record<string, any>; page?: { limit?: number } };
      const f = body.filter ?? {};
      const keys: string[] = typeof f.processInstanceKey === 'string' ? [f.processInstanceKey] : (f.processInstanceKey?.$in ?? []);
      const names: string[] | undefined = typeof f.name === 'string' ? [f.name] : f.name?.$in;
      const items: unknown[] = [];
      for (const k of keys) {
        const inst = (await this.allInstances()).find((i) => i.processInstanceKey === k);
        if (!inst || (f.scopeKey && f.scopeKey !== k)) continue;
        for (const [name, value] of Object.entries(inst.variables)) {
          if (names && !names.includes(name)) continue;
          const json = JSON.stringify(value ?? null);
          const truncated = json.length > TRUNCATE_AT;
          items.push({ name, value: truncated ? json.slice(0, TRUNCATE_AT) : json, isTruncated: truncated, tenantId: TENANT, variableKey: this.keyOf(`variable:${name}`, inst.businessKey), scopeKey: k, processInstanceKey: k });
        }
      }
      return { items, page: { totalItems: items.length } };
    });
    app.get(`${v2}/variables/:key`, async (req) => {
      const key = (req.params as { key: string }).key;
      const { businessKey, what } = this.owner(key, 'variable');
      const name = what.slice('variable:'.length);
      const snap = await this.visible(businessKey);
      if (!snap || !(name in snap.variables)) throw new Problem(404, 'NOT_FOUND', `Variable with key '${key}' not found`);
      const pk = this.instanceKey(businessKey);
      return { name, value: JSON.stringify(snap.variables[name] ?? null), tenantId: TENANT, variableKey: key, scopeKey: pk, processInstanceKey: pk };
    });
    app.post(`${v2}/messages/correlation`, async (req) => {
      const body = req.body as { name: string; correlationKey?: string; variables?: Record<string, unknown> };
      const key = body.correlationKey ?? '';
      const none = new Problem(404, 'NOT_FOUND', `Command 'CORRELATE' rejected with code 'NOT_FOUND': Expected to find subscription for message with name '${body.name}' and correlation key '${key}', but none was found.`);
      const startMessage = this.startMessages.get(body.name);
      const snap = await this.engine.get(key);
      if (startMessage && !(snap && snap.state === 'active')) {
        const businessKey = String(body.variables?.businessKey ?? key);
        await this.command(businessKey, () => this.engine.start({ processId: this.processId, businessKey, data: {}, variables: body.variables ?? {}, startMessage: { messageId: startMessage } })).catch((e) => {
          throw zeebeFailure(e);
        });
        return { tenantId: TENANT, messageKey: String(this.next++), processInstanceKey: this.instanceKey(businessKey) };
      }
      if (!snap || snap.state !== 'active') throw none;
      const w = snap.waiting.find((x) => x.kind !== 'task' && x.messageName === body.name);
      if (!w) throw none;
      await this.command(key, () =>
        this.engine.update(key, () => {
          const variables = { values: body.variables ?? {}, scope: 'process' as const, executionId: w.executionId };
          return w.kind === 'receiveTask' ? { data: {}, complete: { executionId: w.executionId }, variables } : { data: {}, messageId: this.messageIds.get(body.name) ?? body.name, variables };
        }),
      ).catch((e) => {
        if (e instanceof EngineError && e.kind === 'rejected') {
          this.incidents.set(key, { elementId: e.element?.id ?? '', message: e.message, task: '' });
          return;
        }
        throw zeebeFailure(e);
      });
      return { tenantId: TENANT, messageKey: String(this.next++), processInstanceKey: this.instanceKey(key) };
    });
    app.post(`${v2}/message-subscriptions/search`, async (req) => {
      const f = (req.body as { filter?: Record<string, any> }).filter ?? {};
      const key = typeof f.correlationKey === 'string' ? f.correlationKey : undefined;
      const snap = key !== undefined ? await this.visible(key) : undefined;
      const items = !snap || snap.state !== 'active'
        ? []
        : snap.waiting
            .filter((w) => w.kind !== 'task')
            .map((w) => ({
              messageSubscriptionKey: this.keyOf(`subscription:${w.executionId}`, snap.businessKey),
              processDefinitionId: this.processId,
              processDefinitionKey: DEFINITION_KEY,
              processInstanceKey: this.instanceKey(snap.businessKey),
              elementId: w.activityId,
              elementInstanceKey: this.keyOf(`scope:${w.executionId}`, snap.businessKey),
              messageSubscriptionState: 'CREATED',
              lastUpdatedDate: snap.startedAt,
              messageName: w.messageName,
              correlationKey: snap.businessKey,
              tenantId: TENANT,
            }));
      return { items, page: { totalItems: items.length } };
    });
    app.post(`${v2}/incidents/search`, async (req) => {
      const f = (req.body as { filter?: Record<string, any> }).filter ?? {};
      const owner = typeof f.processInstanceKey === 'string' ? this.byKey.get(f.processInstanceKey) : undefined;
      const i = owner ? this.incidents.get(owner.businessKey) : undefined;
      const items = i
        ? [{ processDefinitionId: this.processId, errorType: 'CONDITION_ERROR', errorMessage: i.message, elementId: i.elementId, creationTime: new Date().toISOString(), state: 'ACTIVE', tenantId: TENANT, incidentKey: this.keyOf('incident', owner!.businessKey), processDefinitionKey: DEFINITION_KEY, processInstanceKey: f.processInstanceKey, elementInstanceKey: this.keyOf(`scope:${i.elementId}`, owner!.businessKey) }]
        : [];
      return { items, page: { totalItems: items.length } };
    });
  }

  private taskResult(snap: InstanceSnapshot, executionId: string, scopeId: string, elementId: string) {
    return {
      name: elementId,
      state: 'CREATED',
      elementId,
      candidateGroups: [],
      candidateUsers: [],
      processDefinitionId: this.processId,
      creationDate: snap.startedAt,
      tenantId: TENANT,
      processDefinitionVersion: 1,
      customHeaders: {},
      priority: 50,
      userTaskKey: this.keyOf(`task:${executionId}`, snap.businessKey),
      elementInstanceKey: this.keyOf(`scope:${scopeId}`, snap.businessKey),
      processName: this.processId,
      processDefinitionKey: DEFINITION_KEY,
      processInstanceKey: this.instanceKey(snap.businessKey),
    };
  }

  /** Every root instance as the search sees it: running, completed and cancelled. */
  private async allInstances() {
    const { items } = await this.engine.list({ offset: 0, limit: 1_000_000 });
    const out = [];
    for (const s of items) {
      const v = await this.visible(s.businessKey);
      if (!v) continue;
      out.push({
        processDefinitionId: this.processId,
        processDefinitionName: this.processId,
        processDefinitionVersion: 1,
        startDate: v.startedAt,
        ...(v.state === 'completed' ? { endDate: v.endedAt ?? v.startedAt } : {}),
        state: v.state === 'completed' ? ('COMPLETED' as const) : ('ACTIVE' as const),
        hasIncident: this.incidents.has(s.businessKey),
        tenantId: TENANT,
        processInstanceKey: this.instanceKey(s.businessKey),
        processDefinitionKey: DEFINITION_KEY,
        businessKey: s.businessKey,
        variables: v.variables,
      });
    }
    for (const t of this.terminated) {
      out.push({ processDefinitionId: this.processId, processDefinitionName: this.processId, processDefinitionVersion: 1, startDate: t.startDate, endDate: t.endDate, state: 'TERMINATED' as const, hasIncident: false, tenantId: TENANT, processInstanceKey: t.key, processDefinitionKey: DEFINITION_KEY, businessKey: t.businessKey, variables: t.variables });
    }
    return out.sort((a, b) => (BigInt(a.processInstanceKey) < BigInt(b.processInstanceKey) ? -1 : 1));
  }
}

/** What Zeebe answers when a command cannot be taken: a problem with the rejection. */
function zeebeFailure(e: unknown): Error {
  if (e instanceof Problem) return e;
  if (e instanceof EngineError && e.kind === 'conflict') return new Problem(409, 'INVALID_STATE', e.message);
  if (e instanceof EngineError && e.kind === 'rejected') return new Problem(400, 'INVALID_ARGUMENT', e.message);
  return new Problem(500, 'INTERNAL', (e as Error).message);
}
