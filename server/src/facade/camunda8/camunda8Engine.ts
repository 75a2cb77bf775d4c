/**
 * The engine port on Camunda 8's orchestration cluster REST API (v2), through the official client.
 * As with Camunda 7 the facade keeps nothing: resource data lives in the root instance's variables
 * (`resourceApi_data_<storage key>`, `resourceApi_version`, `resourceApi_startedAt`), found by the
 * variable `businessKey` (client 8.8 for an 8.8 cluster, which has no `businessId`; design.md).
 *
 * Two things differ from Camunda 7:
 * - Searches are eventually consistent: a command is done when it answers, but the search shows it a
 *   moment later. After its own writes the adapter waits (bounded) until the search shows them, so a
 *   client reads what it wrote; when the bound passes it answers `unavailable` (503 with Retry-After).
 * - A completion the process cannot take is not rolled back (Camunda 8 accepts it and raises an
 *   incident), so before completing the adapter evaluates the conditions the completion reaches with
 *   the variables it is about to write and refuses as every engine does (core/bpmn/conditionsAhead.ts).
 *   An incident that still arises shows in `_process.incident`.
 */
import * as path from 'node:path';
import { stuckAfter, type StuckAt } from '../../core/bpmn/conditionsAhead';
import { deployableText } from '../../core/bpmn/deployable';
import { MissingVariables } from '../../core/expressions';
import { KeyedMutex } from '../embedded/concurrency';
import { optimisticUpdate, written } from '../optimistic';
import { ServedModel, type ServedSource } from '../servedModel';
import { dataHash } from '../representation';
import {
  deploymentWarnings,
  EngineError,
  type DeploymentProblem,
  type InstanceSnapshot,
  type MessageRequest,
  type ProcessEngineAdapter,
  type ReadOptions,
  type StartRequest,
  type WaitingActivity,
  type WriteRequest,
} from '../ports';
import { createClients, EventualConsistencyTimeoutError, type C8Ops, type Consistency, type MessageSubscription, type Page, type ProcessInstance, type UserTask, type Variable } from './client';

export interface Camunda8Options {
  url: string;
  processId: string;
  sources: ServedSource[];
  rootStorageKey: string;
  /** storage keys of the singular resources below the root: their empty data's hash is stored at start (If-Match) */
  emptyKeys?: string[];
  timeout?: number;
  deploy?: boolean;
  /** how long to wait for the search to show what a command did, ms (default 5,000) */
  consistencyWait?: number;
  /** the client's configuration; process.env by default */
  env?: Record<string, string | undefined>;
  auth?: { user?: string; password?: string; token?: string };
  log?: (line: string) => void;
}

const BUSINESS_KEY = 'businessKey';
const DATA = 'resourceApi_data_';
const STARTED = 'resourceApi_startedAt';
const VERSION = 'resourceApi_version';
/** the data hash of each resource (representation.ts `dataHash`) beside its data: If-Match checks search by it */
const HASH = 'resourceApi_hash_';
const PAGE = 1000;
const POLL = 100;

interface Read {
  snap: InstanceSnapshot;
  rootKey: string;
  tasks: Map<string, UserTask>;
  subscriptions: MessageSubscription[];
  /** read with ReadOptions.waitingOnly: no data, no variables, the version unknown (a write then leaves it) */
  waitingOnly?: boolean;
}

export class Camunda8Engine implements ProcessEngineAdapter {
  readonly name = 'camunda8';
  private readonly reads: C8Ops;
  private readonly writes: C8Ops;
  private readonly rootKeys = new Map<string, string>();
  private readonly mutex = new KeyedMutex();
  private readonly served: ServedModel;
  private readonly wait: number;
  private readonly log: (line: string) => void;

  constructor(private readonly o: Camunda8Options) {
    ({ reads: this.reads, writes: this.writes } = createClients({ url: o.url, timeout: o.timeout, env: o.env, ...o.auth }));
    this.wait = o.consistencyWait ?? 5_000;
    this.log = o.log ?? (() => undefined);
    this.served = new ServedModel(o.sources);
  }

  async init(): Promise<string[]> {
    if (this.o.deploy) {
      const resources = this.o.sources.map((s) => new File([deployableText(s.text, s.doc)], path.basename(s.file), { type: 'application/xml' }));
      try {
        await this.writes.createDeployment({ resources });
        this.log(`deployed ${resources.length} file(s) to ${this.o.url}`);
      } catch (e) {
        const err = this.engineError(e);
        if (err.kind === 'unavailable') throw err;
        throw new EngineError(`the engine refused the deployment: ${err.message}`, 'rejected');
      }
      return [];
    }
    return deploymentWarnings(await this.deployment());
  }

  async notReady(): Promise<string | undefined> {
    return (await this.deployment())?.message;
  }

  /** Whether the served process is deployed (one search): undefined when it is, else why not. */
  private async deployment(): Promise<DeploymentProblem | undefined> {
    try {
      const defs = await this.reads.searchProcessDefinitions({ filter: { processDefinitionId: this.o.processId }, page: { limit: 1 } }, noWait());
      return defs.items.length ? undefined : { kind: 'not-deployed', message: `process '${this.o.processId}' is not deployed on ${this.o.url}` };
    } catch (e) {
      return { kind: 'unreachable', message: this.engineError(e).message };
    }
  }

  async start(req: StartRequest): Promise<InstanceSnapshot> {
    const key = req.businessKey;
    return this.mutex.run(key, async () => {
      if (await this.findRoot(key)) throw new EngineError(`an instance with business key '${key}' exists`, 'conflict');
      const startedAt = new Date().toISOString();
      const variables = { ...req.variables, [BUSINESS_KEY]: key, ...emptyHashes(this.o.emptyKeys, req.data), ...storeValues(req.data, 1), [STARTED]: startedAt };
      let rootKey: string | undefined;
      try {
        if (req.startMessage) {
          const name = this.served.messageName(req.startMessage.messageId);
          rootKey = (await this.writes.correlateMessage({ name, correlationKey: key, variables })).processInstanceKey;
        } else {
          rootKey = (await this.writes.createProcessInstance({ processDefinitionId: req.processId, variables })).processInstanceKey;
        }
      } catch (e) {
        throw this.engineError(e, 'start');
      }
      if (!rootKey) throw new EngineError('the engine started no instance for the message', 'rejected');
      this.rootKeys.set(key, rootKey);
      const started: InstanceSnapshot = { businessKey: key, processId: req.processId, state: 'active', startedAt, version: 0, waiting: [], data: req.data, variables: { ...req.variables, [BUSINESS_KEY]: key } };
      // The instance is searchable once its variables are: then its first tasks are too, or it waits elsewhere.
      await this.until(() => this.reads.searchVariables(variableQuery(rootKey!, VERSION), noWait()), (r) => r.items.length > 0, 'the new instance');
      return this.after({ snap: started, rootKey, tasks: new Map(), subscriptions: [] }, { data: {} }, {});
    });
  }

  async get(businessKey: string, options: ReadOptions = {}): Promise<InstanceSnapshot | undefined> {
    return (await this.read(businessKey, options))?.snap;
  }

  async list(page: { offset: number; limit: number }): Promise<{ total: number; items: InstanceSnapshot[] }> {
    const found = await this.call(() =>
      this.reads.searchProcessInstances(
        { filter: { processDefinitionId: this.o.processId, parentProcessInstanceKey: { $exists: false }, state: { $neq: 'TERMINATED' } }, sort: [{ field: 'processInstanceKey', order: 'ASC' }], page: { from: page.offset, limit: page.limit } },
        noWait(),
      ),
    );
    const keys = found.items.map((i) => i.processInstanceKey);
    const vars = keys.length
      ? await this.call(() => this.reads.searchVariables({ filter: { processInstanceKey: { $in: keys }, name: { $in: [BUSINESS_KEY, VERSION, STARTED, DATA + encode(this.o.rootStorageKey)] } }, page: { limit: PAGE } }, noWait()))
      : { items: [] as Variable[] };
    const items = await Promise.all(
      found.items.map(async (i) => {
        const own = vars.items.filter((v) => v.processInstanceKey === i.processInstanceKey && v.scopeKey === i.processInstanceKey);
        const split = splitVariables(await this.values(own));
        return instanceSnapshot(i, split, this.o.processId);
      }),
    );
    return { total: Number(found.page.totalItems), items };
  }

  /** Cancels the running instance; Camunda 8.8's REST API cannot delete an instance's history, so a cancelled one counts as gone. */
  async delete(businessKey: string): Promise<boolean> {
    return this.mutex.run(businessKey, async () => {
      const root = await this.findRoot(businessKey);
      this.rootKeys.delete(businessKey);
      if (!root) return false;
      if (root.state === 'ACTIVE') {
        try {
          await this.writes.cancelProcessInstance({ processInstanceKey: root.processInstanceKey });
        } catch (e) {
          const err = this.engineError(e);
          if (err.kind !== 'conflict') throw err;
        }
      }
      await this.until(() => this.reads.getProcessInstance({ processInstanceKey: root.processInstanceKey }, noWait()), (p) => p.state !== 'ACTIVE', 'the cancellation');
      return true;
    });
  }

  async update(businessKey: string, decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined, options: ReadOptions = {}): Promise<InstanceSnapshot | undefined> {
    return this.mutex.run(businessKey, () =>
      optimisticUpdate(decide, {
        read: (waitingOnly) => (waitingOnly ? this.readWaiting(businessKey, options) : this.read(businessKey, options)),
        apply: (read, req) => this.apply(read, req),
        classify: (e) => this.engineError(e),
        after: async (read, req) => {
          if ('messageId' in req || req.complete) return this.after(read, req, options);
          // A write that moves no token: wait until the search shows it, so the next read does.
          const version = String(read.snap.version + 1);
          await this.until(() => this.reads.searchVariables(variableQuery(read.rootKey, VERSION), noWait()), (r) => r.items.some((v) => v.value === version), 'the write');
          return written(read.snap, req);
        },
      }, options.waitingOnly),
    );
  }

  async close(): Promise<void> {
    await this.mutex.drain();
  }

  private async apply(read: Read, req: WriteRequest | MessageRequest): Promise<void> {
    const { snap, rootKey } = read;
    const store = storeValues(req.data, read.waitingOnly ? undefined : snap.version + 1);
    const v = req.variables;
    const values = v?.values ?? {};
    if ('messageId' in req) {
      const name = this.served.messageName(req.messageId);
      const sub = read.subscriptions.find((s) => s.messageName === name);
      if (!sub) throw new EngineError(`the instance is not waiting for message '${name}'`, 'conflict');
      return this.correlate(read, sub, values, store);
    }
    const target = req.complete?.executionId ?? v?.executionId;
    const task = target ? read.tasks.get(target) : undefined;
    const sub = target && !task ? read.subscriptions.find((s) => s.elementInstanceKey === target) : undefined;
    if (req.complete && !task && !sub) throw new EngineError('the activity is no longer active', 'conflict');
    const scopeKey = v?.scope === 'local' && task ? await this.itemScopeKey(task) : undefined;
    const processValues = scopeKey ? {} : values;
    const elementId = task?.elementId ?? sub?.elementId;
    if (req.complete && elementId) await this.refuseIfStuck(read, elementId, values, scopeKey);
    if (scopeKey) await this.writes.createElementInstanceVariables({ elementInstanceKey: scopeKey, variables: values, local: true });
    if (req.complete && sub) return this.correlate(read, sub, processValues, store);
    const inRoot = !task || task.processInstanceKey === rootKey;
    if (req.complete && task) {
      if (inRoot) return void (await this.writes.completeUserTask({ userTaskKey: task.userTaskKey, variables: { ...processValues, ...store } }));
      return this.beforeCalledCompletes(rootKey, store, () => this.writes.completeUserTask({ userTaskKey: task.userTaskKey, variables: processValues }));
    }
    if (!inRoot && Object.keys(processValues).length) await this.writes.createElementInstanceVariables({ elementInstanceKey: task!.processInstanceKey!, variables: processValues });
    await this.setRoot(rootKey, inRoot ? { ...processValues, ...store } : store);
  }

  /**
   * The element instance a 1-to-N item's variables belong to (design.md, "Process data"): a multi-instance
   * task's own inner instance; the enclosing subprocess's instance for a task in a subprocess (a user task
   * answer does not name its parent: the subprocess's active instances are searched, and where several run
   * at once, the one the task is a child of); none for a task on the main path or a sequence-flow loop,
   * whose variables go with the completion and propagate to the process (Camunda 8 docs, "Variables").
   */
  private async itemScopeKey(task: UserTask): Promise<string | undefined> {
    const scope = this.served.itemScopes.get(task.elementId ?? '');
    if (!scope) return undefined;
    if (scope.kind === 'iteration') return task.elementInstanceKey;
    const search = (filter: Record<string, unknown>) => this.call(() => this.reads.searchElementInstances({ filter: { processInstanceKey: task.processInstanceKey, state: 'ACTIVE', ...filter }, page: { limit: PAGE } }, noWait()));
    const candidates = (await search({ elementId: scope.subprocessId, type: 'SUB_PROCESS' })).items;
    if (candidates.length <= 1) return candidates[0]?.elementInstanceKey;
    for (const c of candidates) {
      const child = await search({ elementInstanceScopeKey: c.elementInstanceKey, elementInstanceKey: task.elementInstanceKey });
      if (child.items.length) return c.elementInstanceKey;
    }
    return undefined;
  }

  /** Camunda 8 would accept the completion and raise an incident: refuse it here instead, as Camunda 7 and the embedded engine do. */
  private async refuseIfStuck(read: Read, elementId: string, values: Record<string, unknown>, scopeKey?: string): Promise<void> {
    const doc = this.served.docOf.get(elementId);
    if (!doc) return;
    let stuck: StuckAt | undefined;
    if (read.waitingOnly) {
      // After a read of where the instance waits only, judge with what this write sets: the paper's
      // `=decision.accepted` after the decision task needs nothing more, so the PUT stays at three calls.
      let sure = false;
      try {
        stuck = stuckAfter(doc, elementId, values, { partial: true });
        sure = !stuck;
      } catch (e) {
        if (!(e instanceof MissingVariables)) throw e;
      }
      // A condition reads other variables, or the partial judgement refuses (FEEL does not report every
      // name it did not find, e.g. one that is also a built-in's): read the instance's (one search), judge on all.
      // An item's gateway also sees its iteration's or subprocess instance's variables (a condition reads its scopes).
      if (!sure) {
        const [root, scope] = await Promise.all([this.rootVariables(read.rootKey), scopeKey ? this.scopeVariables(scopeKey) : {}]);
        stuck = stuckAfter(doc, elementId, { ...root, ...scope, ...values });
      }
    } else {
      stuck = stuckAfter(doc, elementId, { ...read.snap.variables, ...values });
      if (stuck && scopeKey) stuck = stuckAfter(doc, elementId, { ...read.snap.variables, ...(await this.scopeVariables(scopeKey)), ...values });
    }
    if (!stuck) return;
    const name = this.served.names.get(stuck.elementId);
    throw new EngineError(`the process cannot continue at ${stuck.elementId}${name ? ` '${name}'` : ''}: ${stuck.message}`, 'rejected', { id: stuck.elementId, ...(name ? { name } : {}) });
  }

  private async correlate(read: Read, sub: MessageSubscription, values: Record<string, unknown>, store: Record<string, unknown>): Promise<void> {
    const { snap, rootKey } = read;
    const inRoot = sub.processInstanceKey === rootKey;
    const name = sub.messageName ?? '';
    if (sub.elementId) await this.refuseIfStuck(read, sub.elementId, values);
    const correlate = () => this.writes.correlateMessage({ name, correlationKey: sub.correlationKey ?? snap.businessKey, variables: inRoot ? { ...values, ...store } : values });
    if (inRoot) return void (await correlate());
    await this.beforeCalledCompletes(rootKey, store, correlate);
  }

  /**
   * A called instance's task or message completes only after the caller's data is written: completing it
   * can end the called instance and then the caller, whose element instance then takes no variables (Zeebe
   * answers 404 for a completed scope). When the completion fails, the caller's previous values are put back.
   */
  private async beforeCalledCompletes(rootKey: string, store: Record<string, unknown>, complete: () => Promise<unknown>): Promise<void> {
    const names = Object.keys(store);
    if (!names.length) return void (await complete());
    const all = await this.values((await this.searchRootVariables(rootKey)).items);
    await this.setRoot(rootKey, store);
    try {
      await complete();
    } catch (e) {
      // Zeebe cannot delete a variable: one that did not exist before is set to null.
      await this.setRoot(rootKey, Object.fromEntries(names.map((n) => [n, n in all ? all[n] : null]))).catch(() => undefined);
      throw e;
    }
  }

  private async setRoot(rootKey: string, variables: Record<string, unknown>): Promise<void> {
    if (Object.keys(variables).length) await this.writes.createElementInstanceVariables({ elementInstanceKey: rootKey, variables, local: true });
  }

  /**
   * Where the process went after a start, a completion or a message: waits until the search no longer
   * shows the completed task, then reads the tasks (and subscriptions); the data is what was written.
   */
  private async after(read: Read, req: WriteRequest | MessageRequest, options: ReadOptions): Promise<InstanceSnapshot> {
    const { snap, rootKey } = read;
    const done = 'messageId' in req ? undefined : req.complete?.executionId;
    const tasks = await this.until(() => this.tasksOf(snap.businessKey), (r) => !done || !r.items.some((t) => t.userTaskKey === done), 'where the process went');
    const subscriptions = await this.subscriptionsFor(snap.businessKey, options);
    const after = written(snap, req);
    if (!tasks.items.length && !subscriptions.length) {
      const state = await this.withInstanceState(after, rootKey);
      if (!state) throw new EngineError('the instance was cancelled meanwhile', 'conflict');
      return state;
    }
    return { ...after, state: 'active', waiting: this.waitingOf(tasks.items, subscriptions) };
  }

  /** When nothing waits at a task or message: has the instance ended, is it stuck at an incident, or at a timer? */
  private async withInstanceState(snap: InstanceSnapshot, rootKey: string): Promise<InstanceSnapshot | undefined> {
    const inst = await this.call(() => this.reads.getProcessInstance({ processInstanceKey: rootKey }, noWait()));
    if (inst.state === 'TERMINATED') {
      this.rootKeys.delete(snap.businessKey);
      return undefined;
    }
    if (inst.state === 'COMPLETED') {
      this.rootKeys.delete(snap.businessKey);
      return { ...snap, state: 'completed', endedAt: toIso(inst.endDate ?? new Date().toISOString()), waiting: [] };
    }
    if (!inst.hasIncident) return { ...snap, state: 'active', waiting: [] };
    const incidents = await this.call(() => this.reads.searchIncidents({ filter: { processInstanceKey: rootKey, state: 'ACTIVE' }, page: { limit: 1 } }, noWait()));
    const i = incidents.items[0];
    if (!i) return { ...snap, state: 'active', waiting: [] };
    const elementId = i.elementId ?? '';
    const name = this.served.names.get(elementId);
    this.log(`incident at ${elementId}${name ? ` '${name}'` : ''} of '${snap.businessKey}': ${i.errorMessage ?? i.errorType ?? ''}`);
    return { ...snap, state: 'active', waiting: [], incident: { elementId, ...(name ? { elementName: name } : {}), message: i.errorMessage ?? i.errorType ?? 'incident', at: new Date().toISOString() } };
  }

  /**
   * Where a running instance waits, and nothing else (one search). A decision right after the completed
   * element is judged with the write's own variables, and with the instance's only when it reads others
   * (refuseIfStuck).
   */
  private async readWaiting(businessKey: string, options: ReadOptions): Promise<Read | undefined> {
    const rootKey = this.rootKeys.get(businessKey);
    if (!rootKey) return this.read(businessKey, options);
    // With If-Match: only the tasks of an instance whose stored hash of the resource is the ETag's, so one
    // search both finds the task and checks the ETag; none found is judged again on the whole instance.
    const m = options.ifMatch;
    const [tasks, subscriptions] = await Promise.all([this.tasksOf(businessKey, m ? [{ name: HASH + encode(m.key), value: JSON.stringify(m.dataHash) }] : []), this.subscriptionsFor(businessKey, options)]);
    const waiting = this.waitingOf(tasks.items, subscriptions);
    const snap: InstanceSnapshot = { businessKey, processId: this.o.processId, state: 'active', startedAt: '', version: 0, waiting, data: {}, variables: {} };
    if (m && tasks.items.length) snap.dataHashes = { [m.key]: m.dataHash };
    return { snap, rootKey, tasks: new Map(tasks.items.map((t) => [t.userTaskKey, t])), subscriptions, waitingOnly: true };
  }

  private async read(businessKey: string, options: ReadOptions): Promise<Read | undefined> {
    let rootKey = this.rootKeys.get(businessKey);
    let known: ProcessInstance | undefined;
    if (!rootKey) {
      known = await this.findRoot(businessKey);
      if (!known) return undefined;
      rootKey = known.processInstanceKey;
      if (this.rootKeys.size > 10_000) this.rootKeys.clear();
      if (known.state === 'ACTIVE') this.rootKeys.set(businessKey, rootKey);
    }
    const [vars, tasks, subscriptions] = await Promise.all([
      this.searchRootVariables(rootKey),
      known && known.state !== 'ACTIVE' ? Promise.resolve(emptyPage<UserTask>()) : this.tasksOf(businessKey),
      known && known.state !== 'ACTIVE' ? Promise.resolve([]) : this.subscriptionsFor(businessKey, options),
    ]);
    // A task of this process under another root: the cached key is of a cancelled instance whose key was used again.
    if (tasks.items.some((t) => t.processDefinitionId === this.o.processId && t.processInstanceKey !== rootKey) && !known) {
      this.rootKeys.delete(businessKey);
      return this.read(businessKey, options);
    }
    const split = splitVariables(await this.values(vars.items));
    const snap: InstanceSnapshot = { businessKey, processId: this.o.processId, state: 'active', startedAt: split.startedAt ?? '', version: split.version, waiting: this.waitingOf(tasks.items, subscriptions), data: split.data, variables: split.variables };
    const read: Read = { snap, rootKey, tasks: new Map(tasks.items.map((t) => [t.userTaskKey, t])), subscriptions };
    if (known && known.state !== 'ACTIVE') read.snap = instanceSnapshot(known, split, this.o.processId);
    else if (!snap.waiting.length) {
      const state = await this.withInstanceState(snap, rootKey);
      // Cancelled by another facade's DELETE: the key may have started again since.
      if (!state) return known ? undefined : this.read(businessKey, options);
      read.snap = state;
    }
    return read;
  }

  /** The root instance's process variables as a full read gives them (snapshot.variables): one search. */
  private async rootVariables(rootKey: string): Promise<Record<string, unknown>> {
    return splitVariables(await this.values((await this.searchRootVariables(rootKey)).items)).variables;
  }

  private async scopeVariables(scopeKey: string): Promise<Record<string, unknown>> {
    return this.values((await this.call(() => this.reads.searchVariables({ filter: { scopeKey }, page: { limit: PAGE } }, noWait()))).items);
  }

  private searchRootVariables(rootKey: string) {
    return this.call(() => this.reads.searchVariables({ filter: { processInstanceKey: rootKey, scopeKey: rootKey }, page: { limit: PAGE } }, noWait()));
  }

  /** The root instance with the business key that is running or completed (cancelled ones count as deleted). */
  private async findRoot(businessKey: string): Promise<ProcessInstance | undefined> {
    const found = await this.call(() =>
      this.reads.searchProcessInstances(
        { filter: { processDefinitionId: this.o.processId, parentProcessInstanceKey: { $exists: false }, state: { $neq: 'TERMINATED' }, variables: [{ name: BUSINESS_KEY, value: JSON.stringify(businessKey) }] }, page: { limit: 1 } },
        noWait(),
      ),
    );
    const inst = found.items[0];
    if (!inst) this.rootKeys.delete(businessKey);
    return inst;
  }

  /** `also`: further process-instance variable conditions (name, value as JSON) */
  private tasksOf(businessKey: string, also: Array<{ name: string; value: string }> = []): Promise<Page<UserTask>> {
    return this.call(() => this.reads.searchUserTasks({ filter: { state: 'CREATED', processInstanceVariables: [{ name: BUSINESS_KEY, value: JSON.stringify(businessKey) }, ...also] }, page: { limit: PAGE } }, noWait()));
  }

  /** Message subscriptions correlate by the business key (the model's `correlationKey="=businessKey"`). */
  private async subscriptionsFor(businessKey: string, options: ReadOptions): Promise<MessageSubscription[]> {
    if (!options.events && !this.served.waitsForMessages) return [];
    const r = await this.call(() => this.reads.searchMessageSubscriptions({ filter: { correlationKey: businessKey, messageSubscriptionState: 'CREATED' }, page: { limit: PAGE } }, noWait()));
    return r.items;
  }

  private waitingOf(tasks: UserTask[], subscriptions: MessageSubscription[]): WaitingActivity[] {
    const waiting: WaitingActivity[] = tasks.map((t) => ({
      activityId: t.elementId ?? '',
      executionId: t.userTaskKey,
      // A multi-instance iteration is an element instance of its own: that is the item; a task on a loop is an item per pass.
      scopeId: this.served.multiInstance.has(t.elementId ?? '') && t.elementInstanceKey ? t.elementInstanceKey : t.userTaskKey,
      kind: 'task',
    }));
    for (const s of subscriptions) {
      const id = s.elementInstanceKey ?? '';
      waiting.push({ activityId: s.elementId ?? '', executionId: id, scopeId: id, kind: this.served.receiveTasks.has(s.elementId ?? '') ? 'receiveTask' : 'messageEvent', messageName: s.messageName });
    }
    return waiting;
  }

  /** Values of variables as JSON; a value the search truncated is fetched whole. */
  private async values(vars: Variable[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    await Promise.all(
      vars.map(async (v) => {
        const whole = v.isTruncated ? await this.call(() => this.reads.getVariable({ variableKey: v.variableKey }, noWait())) : v;
        try {
          out[v.name] = JSON.parse(whole.value);
        } catch {
          out[v.name] = whole.value;
        }
      }),
    );
    return out;
  }

  /** Polls a search until it shows what a command did; past the bound the answer is `unavailable` (503 with Retry-After). */
  private async until<T>(read: () => Promise<T>, ok: (r: T) => boolean, what: string): Promise<T> {
    const end = Date.now() + this.wait;
    for (;;) {
      const r = await this.call(read);
      if (ok(r)) return r;
      if (Date.now() >= end) throw new EngineError(`the engine took the request, but its search did not show ${what} within ${this.wait} ms; read the resource again shortly`, 'unavailable');
      await new Promise((res) => setTimeout(res, POLL));
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.engineError(e);
    }
  }

  /** The client's errors in the port's terms. */
  private engineError(e: unknown, what?: 'start'): EngineError {
    if (e instanceof EngineError) return e;
    if (e instanceof EventualConsistencyTimeoutError) return new EngineError(`the engine's search is behind: ${e.message}`, 'unavailable');
    const err = e as { status?: number; title?: string; detail?: string; message?: string; name?: string };
    const status = err.status;
    const text = [err.title, err.detail].filter(Boolean).join(': ') || err.message || String(e);
    if (status === undefined) {
      const cause = (e as { cause?: { code?: string; name?: string; message?: string } }).cause;
      const why = cause?.code ?? (err.name === 'TimeoutError' || cause?.name === 'TimeoutError' ? 'timed out' : cause?.message);
      return new EngineError(why ? `the engine at ${this.o.url} is unreachable (${why})` : `the engine failed: ${text}`, 'unavailable');
    }
    if (what === 'start' && status === 404) return new EngineError(`process '${this.o.processId}' is not deployed on the engine (${text}); deploy it or serve with --deploy`, 'unavailable');
    if (status === 404 || status === 409) return new EngineError(`the instance changed meanwhile: ${text}`, 'conflict');
    if (status === 400) return new EngineError(`the engine refused the request: ${text}`, 'rejected');
    return new EngineError(`the engine failed (${status}): ${text}`, 'unavailable');
  }
}

/**
 * A search answered as the cluster has it now (we poll ourselves where a command must show: `until`).
 * No `consistency` rather than `{ waitUpToMs: 0 }`: the client (8.8.4) sends both at once, but for the
 * latter it first re-reads its whole configuration from the environment (`hydrateConfig` in
 * `eventualPoll`), about 0.2 ms of CPU per call — a GET makes two.
 */
function noWait(): Consistency {
  return {};
}

function emptyPage<T>(): Page<T> {
  return { items: [], page: { totalItems: 0 } };
}

function variableQuery(rootKey: string, name: string) {
  return { filter: { processInstanceKey: rootKey, scopeKey: rootKey, name }, page: { limit: 1 } };
}

/** Storage keys (`Document:17`) as variable names: letters, digits and `_` stay, anything else is `$` and its code. */
function encode(storageKey: string): string {
  return storageKey.replace(/[^A-Za-z0-9_]/g, (c) => `$${c.codePointAt(0)!.toString(16)}$`);
}

function decode(name: string): string {
  return name.replace(/\$([0-9a-f]+)\$/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}

function storeValues(data: Record<string, Record<string, unknown>>, version: number | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = version === undefined ? {} : { [VERSION]: version };
  for (const [k, v] of Object.entries(data)) {
    out[DATA + encode(k)] = v;
    out[HASH + encode(k)] = dataHash(v);
  }
  return out;
}

/** The hash of `{}` for each singular resource not written at start, so an If-Match on it can be checked by a search. */
function emptyHashes(keys: string[] | undefined, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys ?? []) if (!(k in data)) out[HASH + encode(k)] = dataHash({});
  return out;
}

interface Split {
  data: Record<string, Record<string, unknown>>;
  variables: Record<string, unknown>;
  startedAt?: string;
  version: number;
}

function splitVariables(vars: Record<string, unknown>): Split {
  const out: Split = { data: {}, variables: {}, version: 0 };
  for (const [name, v] of Object.entries(vars)) {
    if (name.startsWith(DATA)) out.data[decode(name.slice(DATA.length))] = (v ?? {}) as Record<string, unknown>;
    else if (name.startsWith(HASH)) continue;
    else if (name === STARTED) out.startedAt = String(v);
    else if (name === VERSION) out.version = Number(v) || 0;
    else out.variables[name] = v;
  }
  return out;
}

function instanceSnapshot(i: ProcessInstance, s: Split, processId: string): InstanceSnapshot {
  const ended = i.state !== 'ACTIVE';
  return {
    businessKey: String(s.variables[BUSINESS_KEY] ?? ''),
    processId,
    state: ended ? 'completed' : 'active',
    startedAt: s.startedAt ?? toIso(i.startDate),
    ...(ended && i.endDate ? { endedAt: toIso(i.endDate) } : {}),
    version: s.version,
    waiting: [],
    data: s.data,
    variables: s.variables,
  };
}

function toIso(d: string): string {
  const t = Date.parse(d);
  return Number.isNaN(t) ? d : new Date(t).toISOString();
}
