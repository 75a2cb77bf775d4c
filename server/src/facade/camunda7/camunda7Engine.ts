/**
 * The engine port on Camunda 7's engine-rest (and the forks that keep its API: Operaton, CIB seven,
 * FINOS Fluxnova). The facade keeps nothing: resource data lives in the root instance's variables
 * (`resourceApi:data:<storage key>`, beside the process variables the model reads), so any number of
 * facades in front of one engine serve the same data. The only memory is a cache of business key →
 * root instance id, checked by every read (a gone id is looked up again).
 *
 * Reads of ended instances and lists use the history API (history level `activity` or higher): the
 * runtime API forgets an instance when it ends.
 */
import * as path from 'node:path';
import { deployableText } from '../../core/bpmn/deployable';
import { executionFacts } from '../../core/bpmn/execution';
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
import { EngineRestClient, EngineRestError, type EngineAuth } from './restClient';
import { plain, typedAll, type TypedValue } from './variables';

export interface Camunda7Options {
  url: string;
  processId: string;
  /** the served BPMN files: element kinds and names, message names, and what --deploy sends */
  sources: ServedSource[];
  /** the root resource's storage key (`Application`): what a list shows of each instance */
  rootStorageKey: string;
  /** storage keys of the singular resources below the root: their empty data's hash is stored at start (If-Match) */
  emptyKeys?: string[];
  auth?: EngineAuth;
  timeout?: number;
  /** deploy the served files at start (duplicate filtering on) */
  deploy?: boolean;
  log?: (line: string) => void;
}

/** engine-rest DTOs, as far as the adapter reads them */
interface TaskDto {
  id: string;
  taskDefinitionKey: string;
  executionId: string;
  processInstanceId: string;
}
interface ProcessInstanceDto {
  id: string;
  businessKey: string | null;
}
interface EventSubscriptionDto {
  eventName: string;
  executionId: string;
  processInstanceId: string;
  activityId: string;
}
interface HistoricProcessInstanceDto {
  id: string;
  businessKey: string | null;
  startTime: string;
  endTime: string | null;
  state: string;
}
interface NamedVariable extends TypedValue {
  name: string;
}

const DATA = 'resourceApi:data:';
const STARTED = 'resourceApi:startedAt';
const VERSION = 'resourceApi:version';
/** the data hash of each resource (representation.ts `dataHash`), a String beside its Json: If-Match checks query it */
const HASH = 'resourceApi:hash:';
const ENDED_STATES = new Set(['COMPLETED', 'INTERNALLY_TERMINATED']);

interface Read {
  snap: InstanceSnapshot;
  rootId: string;
  tasks: Map<string, TaskDto>;
  subscriptions: EventSubscriptionDto[];
  /** read with ReadOptions.waitingOnly: no data, no variables, the version unknown (a write then leaves it) */
  waitingOnly?: boolean;
}

export class Camunda7Engine implements ProcessEngineAdapter {
  readonly name = 'camunda7';
  private readonly client: EngineRestClient;
  private readonly rootIds = new Map<string, string>();
  private readonly mutex = new KeyedMutex();
  private readonly log: (line: string) => void;
  private readonly served: ServedModel;
  /** sequence-flow conditions and the element they leave, multi-instance collections and their activity: engine messages quote the expression, not the element */
  private readonly conditions: { body: string; sourceId: string }[] = [];
  /** whether the engine was asked if it keeps variable history (checkVariableHistory) */
  private historyChecked = false;

  constructor(private readonly o: Camunda7Options) {
    this.served = new ServedModel(o.sources);
    this.client = new EngineRestClient({ url: o.url, auth: o.auth, timeout: o.timeout });
    this.log = o.log ?? (() => undefined);
    for (const s of o.sources) {
      const facts = executionFacts(s.doc);
      for (const c of facts.conditions) if (c.body.trim()) this.conditions.push({ body: c.body.trim(), sourceId: c.sourceId });
      for (const [id, expression] of facts.collection) this.conditions.push({ body: expression.trim(), sourceId: id });
    }
  }

  /** Deploys when asked; says (without failing) when the engine is unreachable or lacks the process. */
  async init(): Promise<string[]> {
    if (this.o.deploy) {
      const form = new FormData();
      form.set('deployment-name', this.o.processId);
      form.set('deployment-source', 'bpmn-resource-api');
      form.set('enable-duplicate-filtering', 'true');
      form.set('deploy-changed-only', 'true');
      for (const s of this.o.sources) form.set(path.basename(s.file), new Blob([deployableText(s.text, s.doc)], { type: 'application/xml' }), path.basename(s.file));
      try {
        await this.client.postForm('/deployment/create', form);
        this.log(`deployed ${this.o.sources.length} file(s) to ${this.o.url}`);
      } catch (e) {
        if (e instanceof EngineRestError) throw new EngineError(`the engine refused the deployment: ${e.message}`, 'rejected');
        throw e;
      }
      return [];
    }
    return deploymentWarnings(await this.deployment());
  }

  async notReady(): Promise<string | undefined> {
    return (await this.deployment())?.message;
  }

  /** Whether the served process is deployed (one call): undefined when it is, else why not. */
  private async deployment(): Promise<DeploymentProblem | undefined> {
    try {
      await this.client.get(`/process-definition/key/${encodeURIComponent(this.o.processId)}`);
      return undefined;
    } catch (e) {
      if (e instanceof EngineRestError && (e.status === 404 || e.status === 400)) return { kind: 'not-deployed', message: `process '${this.o.processId}' is not deployed on ${this.o.url}` };
      if (e instanceof EngineError) return { kind: 'unreachable', message: e.message };
      throw e;
    }
  }

  async start(req: StartRequest): Promise<InstanceSnapshot> {
    const key = req.businessKey;
    if (await this.exists(key)) throw new EngineError(`an instance with business key '${key}' exists`, 'conflict');
    const startedAt = new Date().toISOString();
    const variables = typedAll({ ...req.variables, ...emptyHashes(this.o.emptyKeys, req.data), ...storeValues(req.data, 1), [STARTED]: startedAt });
    let id: string;
    try {
      if (req.startMessage) {
        const name = this.served.messageName(req.startMessage.messageId);
        const [result] = await this.client.post<{ processInstance?: { id: string } }[]>('/message', { messageName: name, businessKey: key, processVariables: variables, resultEnabled: true });
        id = result.processInstance!.id;
      } else {
        id = (await this.client.post<ProcessInstanceDto>(`/process-definition/key/${encodeURIComponent(req.processId)}/start`, { businessKey: key, variables })).id;
      }
    } catch (e) {
      throw this.engineError(e, 'start');
    }
    this.rootIds.set(key, id);
    if (!this.historyChecked) await this.checkVariableHistory(id);
    // What was started with is known: only where the process went is read.
    const started: InstanceSnapshot = { businessKey: key, processId: req.processId, state: 'active', startedAt, version: 0, waiting: [], data: req.data, variables: req.variables };
    return this.readAfterCompletion({ snap: started, rootId: id, tasks: new Map(), subscriptions: [] }, { data: {} }, {});
  }

  /**
   * Once per facade process, on the first instance it starts: whether the engine keeps variables in its
   * history. Below history level `audit` it does not (live Camunda 7.24 at `activity`: an ended instance is
   * listed as completed with all its data gone), which nothing else would tell the user until it is too late.
   */
  private async checkVariableHistory(instanceId: string): Promise<void> {
    this.historyChecked = true;
    try {
      const kept = await this.client.get<unknown[]>('/history/variable-instance', { processInstanceId: instanceId, variableName: STARTED });
      if (!kept.length) this.log(`warning: the engine at ${this.o.url} keeps no variable history (history level below audit): an ended instance will be listed with no data; set the engine's history level to audit or full`);
    } catch (e) {
      this.log(`warning: could not ask the engine at ${this.o.url} whether it keeps variable history: ${(e as Error).message}`);
    }
  }

  async get(businessKey: string, options: ReadOptions = {}): Promise<InstanceSnapshot | undefined> {
    return (await this.read(businessKey, options))?.snap;
  }

  async list(page: { offset: number; limit: number }): Promise<{ total: number; items: InstanceSnapshot[] }> {
    const query = { processDefinitionKey: this.o.processId };
    const [instances, count] = await Promise.all([
      this.client.get<HistoricProcessInstanceDto[]>('/history/process-instance', { ...query, sortBy: 'businessKey', sortOrder: 'asc', firstResult: page.offset, maxResults: page.limit }),
      this.client.get<{ count: number }>('/history/process-instance/count', query),
    ]);
    const vars = instances.length
      ? await this.client.get<(NamedVariable & { processInstanceId: string })[]>('/history/variable-instance', {
          processInstanceIdIn: instances.map((i) => i.id).join(','),
          variableName: `${DATA}${this.o.rootStorageKey}`,
          deserializeValues: false,
        })
      : [];
    return {
      total: count.count,
      items: instances.map((i) => {
        const own = vars.filter((v) => v.processInstanceId === i.id);
        return this.historicSnapshot(i, own);
      }),
    };
  }

  async delete(businessKey: string): Promise<boolean> {
    return this.mutex.run(businessKey, async () => {
      const id = await this.rootId(businessKey);
      if (id) {
        try {
          await this.client.delete(`/process-instance/${encodeURIComponent(id)}`);
        } catch (e) {
          if (!(e instanceof EngineRestError && e.status === 404)) throw this.engineError(e, 'delete');
        }
      }
      this.rootIds.delete(businessKey);
      // The history keeps a deleted or ended instance; the facade's DELETE removes it for good.
      const ended = await this.historic(businessKey, true);
      for (const h of ended) await this.client.delete(`/history/process-instance/${encodeURIComponent(h.id)}`);
      return Boolean(id) || ended.length > 0;
    });
  }

  /**
   * Optimistic: read, decide, write; if the engine says the task or execution is gone or was changed
   * meanwhile (another facade completed it), read again and decide again. Writes from this process
   * are serialised per instance as well, so its own concurrent patches do not race each other.
   */
  async update(businessKey: string, decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined, options: ReadOptions = {}): Promise<InstanceSnapshot | undefined> {
    return this.mutex.run(businessKey, () =>
      optimisticUpdate(
        decide,
        {
          read: (waitingOnly) => (waitingOnly ? this.readWaiting(businessKey, options) : this.read(businessKey, options)),
          apply: (read, req) => this.apply(read, req),
          classify: (e) => this.engineError(e, 'write'),
          // A write that moves no token leaves tasks as they were: the answer needs no second read.
          after: (read, req) => (!('messageId' in req) && !req.complete ? Promise.resolve(written(read.snap, req)) : this.readAfterCompletion(read, req, options)),
        },
        options.waitingOnly,
      ),
    );
  }

  async close(): Promise<void> {
    await this.mutex.drain();
  }

  private async apply(read: Read, req: WriteRequest | MessageRequest): Promise<void> {
    const { snap, rootId } = read;
    const store = typedAll(storeValues(req.data, read.waitingOnly ? undefined : snap.version + 1));
    const v = req.variables;
    const values = v ? typedAll(v.values) : {};
    if ('messageId' in req) {
      const name = this.served.messageName(req.messageId);
      const sub = read.subscriptions.find((s) => s.eventName === name);
      if (!sub) throw new EngineError(`the instance is not waiting for message '${name}'`, 'conflict');
      return this.trigger(sub, values, store, rootId);
    }
    const target = req.complete?.executionId ?? v?.executionId;
    const task = target ? read.tasks.get(target) : undefined;
    const sub = target && !task ? read.subscriptions.find((s) => s.executionId === target) : undefined;
    if (req.complete && !task && !sub) throw new EngineError('the activity is no longer active', 'conflict');
    // Only an item with a scope that outlives its task (a multi-instance iteration, a subprocess instance)
    // gets local variables; one on the main path or a sequence-flow loop sends them with the completion.
    const local = v?.scope === 'local' && task && this.served.itemScopes.has(task.taskDefinitionKey) && task.executionId !== task.processInstanceId;
    if (local) await this.client.post(`/execution/${encodeURIComponent(task.executionId)}/localVariables`, { modifications: values });
    const processValues = local ? {} : values;
    try {
      if (req.complete && sub) return await this.trigger(sub, processValues, store, rootId);
      const inRoot = !task || task.processInstanceId === rootId;
      if (req.complete && task && inRoot) return await this.client.post(`/task/${encodeURIComponent(task.id)}/complete`, { variables: { ...processValues, ...store } });
      if (req.complete && task) return await this.beforeCalledCompletes(rootId, store, () => this.client.post(`/task/${encodeURIComponent(task.id)}/complete`, { variables: processValues }));
      if (!inRoot && Object.keys(processValues).length) await this.client.post(`/process-instance/${encodeURIComponent(task!.processInstanceId)}/variables`, { modifications: processValues });
      await this.setRootVariables(rootId, inRoot ? { ...processValues, ...store } : store);
    } catch (e) {
      // engine-rest has no transaction across calls: take back the iteration's variables set just before.
      if (local) await this.client.post(`/execution/${encodeURIComponent(task.executionId)}/localVariables`, { deletions: Object.keys(values) }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * A task or message of a called instance completes only after the caller's data is written: completing it
   * can end the called instance and then the caller, after which the caller takes no variables (live Camunda
   * 7.24 and Operaton answer 500 "execution … doesn't exist"). When the completion fails, the caller's
   * previous values are put back (engine-rest has no transaction across calls).
   */
  private async beforeCalledCompletes(rootId: string, store: Record<string, TypedValue>, complete: () => Promise<unknown>): Promise<void> {
    const names = Object.keys(store);
    if (!names.length) return void (await complete());
    // engine-rest reads one instance's variables only all at once (no name filter on this path).
    const all = (await this.rootVariables(rootId)) ?? {};
    const previous = Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]]));
    await this.setRootVariables(rootId, store);
    try {
      await complete();
    } catch (e) {
      const deletions = names.filter((n) => !(n in previous));
      await this.client.post(`/process-instance/${encodeURIComponent(rootId)}/variables`, { modifications: previous, deletions }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * The instance after a start, a completion or a message: the data is what was just written (only the facade
   * writes it), so only what the engine decided is read: the tasks (and message subscriptions), and
   * whether the instance still runs when nothing waits at a task.
   */
  private async readAfterCompletion(read: Read, req: WriteRequest | MessageRequest, options: ReadOptions): Promise<InstanceSnapshot> {
    const { snap, rootId } = read;
    const [tasks, subscriptions] = await Promise.all([this.tasksOf(snap.businessKey), this.subscriptionsFor(snap.businessKey, rootId, options)]);
    const after = written(snap, req);
    if (!tasks.length && !subscriptions.length && !(await this.findRoot(snap.businessKey))) {
      this.rootIds.delete(snap.businessKey);
      return { ...after, state: 'completed', endedAt: new Date().toISOString(), waiting: [] };
    }
    return { ...after, state: 'active', waiting: this.waitingOf(tasks, subscriptions) };
  }

  private async trigger(sub: EventSubscriptionDto, values: Record<string, TypedValue>, store: Record<string, TypedValue>, rootId: string): Promise<void> {
    const path = `/execution/${encodeURIComponent(sub.executionId)}/messageSubscriptions/${encodeURIComponent(sub.eventName)}/trigger`;
    if (sub.processInstanceId === rootId) return void (await this.client.post(path, { variables: { ...values, ...store } }));
    await this.beforeCalledCompletes(rootId, store, () => this.client.post(path, { variables: values }));
  }

  private async setRootVariables(rootId: string, modifications: Record<string, TypedValue>): Promise<void> {
    if (Object.keys(modifications).length) await this.client.post(`/process-instance/${encodeURIComponent(rootId)}/variables`, { modifications });
  }

  /** Where a running instance waits, and nothing else: one call (two where the model waits for messages). */
  private async readWaiting(businessKey: string, options: ReadOptions): Promise<Read | undefined> {
    const rootId = await this.rootId(businessKey);
    if (!rootId) return undefined;
    // With If-Match: only the tasks of an instance whose stored hash of the resource is the ETag's, so one
    // call both finds the task and checks the ETag; none found is judged again on the whole instance. A key
    // the query cannot name needs the whole instance at once.
    const m = options.ifMatch;
    if (m && !queryable(m.key)) return this.read(businessKey, options);
    let tasks: TaskDto[];
    let subscriptions: EventSubscriptionDto[];
    try {
      [tasks, subscriptions] = await Promise.all([this.tasksOf(businessKey, m), this.subscriptionsFor(businessKey, rootId, options)]);
    } catch (e) {
      throw this.engineError(e, 'read');
    }
    const snap: InstanceSnapshot = { businessKey, processId: this.o.processId, state: 'active', startedAt: '', version: 0, waiting: this.waitingOf(tasks, subscriptions), data: {}, variables: {} };
    if (m && tasks.length) snap.dataHashes = { [m.key]: m.dataHash };
    return { snap, rootId, tasks: new Map(tasks.map((t) => [t.id, t])), subscriptions, waitingOnly: true };
  }

  /** The instance as it stands: runtime first (tasks and variables in parallel), else history. */
  private async read(businessKey: string, options: ReadOptions): Promise<Read | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const rootId = await this.rootId(businessKey);
      if (!rootId) return this.readEnded(businessKey);
      // One round trip.
      const [vars, tasks, subscriptions] = await Promise.all([this.rootVariables(rootId), this.tasksOf(businessKey), this.subscriptionsFor(businessKey, rootId, options)]);
      if (!vars) {
        this.rootIds.delete(businessKey);
        continue;
      }
      return this.compose(businessKey, rootId, vars, tasks, subscriptions);
    }
    return this.readEnded(businessKey);
  }

  private compose(businessKey: string, rootId: string, vars: Record<string, TypedValue>, tasks: TaskDto[], subscriptions: EventSubscriptionDto[]): Read {
    const { data, variables, startedAt, version } = split(vars);
    const waiting = this.waitingOf(tasks, subscriptions);
    return {
      snap: { businessKey, processId: this.o.processId, state: 'active', startedAt: startedAt ?? '', version, waiting, data, variables },
      rootId,
      tasks: new Map(tasks.map((t) => [t.id, t])),
      subscriptions,
    };
  }

  private waitingOf(tasks: TaskDto[], subscriptions: EventSubscriptionDto[]): WaitingActivity[] {
    const waiting: WaitingActivity[] = tasks.map((t) => ({
      activityId: t.taskDefinitionKey,
      executionId: t.id,
      // A multi-instance iteration has an execution of its own: that is the item; a task on a loop is an item per pass.
      scopeId: t.executionId !== t.processInstanceId ? t.executionId : t.id,
      kind: 'task',
    }));
    for (const s of subscriptions) {
      waiting.push({ activityId: s.activityId, executionId: s.executionId, scopeId: s.executionId, kind: this.served.receiveTasks.has(s.activityId) ? 'receiveTask' : 'messageEvent', messageName: s.eventName });
    }
    return waiting;
  }

  private async readEnded(businessKey: string): Promise<Read | undefined> {
    const [h] = await this.historic(businessKey, false);
    if (!h) return undefined;
    const vars = await this.client.get<NamedVariable[]>('/history/variable-instance', { processInstanceId: h.id, deserializeValues: false });
    return { snap: this.historicSnapshot(h, vars), rootId: h.id, tasks: new Map(), subscriptions: [] };
  }

  private historicSnapshot(h: HistoricProcessInstanceDto, vars: NamedVariable[]): InstanceSnapshot {
    const byName: Record<string, TypedValue> = {};
    for (const v of vars) byName[v.name] = v;
    const { data, variables, version } = split(byName);
    const ended = ENDED_STATES.has(h.state);
    return {
      businessKey: h.businessKey ?? '',
      processId: this.o.processId,
      state: ended ? 'completed' : 'active',
      startedAt: toIso(h.startTime),
      ...(ended && h.endTime ? { endedAt: toIso(h.endTime) } : {}),
      version,
      waiting: [],
      data,
      variables,
    };
  }

  /** Ended instances of this process with the business key (all of them, for `any`, else only completed ones). */
  private async historic(businessKey: string, any: boolean): Promise<HistoricProcessInstanceDto[]> {
    const list = await this.client.get<HistoricProcessInstanceDto[]>('/history/process-instance', { processInstanceBusinessKey: businessKey, processDefinitionKey: this.o.processId, finished: true });
    return any ? list : list.filter((h) => ENDED_STATES.has(h.state));
  }

  private async exists(businessKey: string): Promise<boolean> {
    if (await this.rootId(businessKey)) return true;
    return (await this.historic(businessKey, false)).length > 0;
  }

  private async rootId(businessKey: string): Promise<string | undefined> {
    const cached = this.rootIds.get(businessKey);
    if (cached) return cached;
    const id = await this.findRoot(businessKey);
    if (!id) return undefined;
    if (this.rootIds.size > 10_000) this.rootIds.clear();
    this.rootIds.set(businessKey, id);
    return id;
  }

  /** The running root instance of this process with the business key, asked of the engine (not the cache). */
  private async findRoot(businessKey: string): Promise<string | undefined> {
    const [inst] = await this.client.get<ProcessInstanceDto[]>('/process-instance', { businessKey, processDefinitionKey: this.o.processId, rootProcessInstances: true, maxResults: 1 });
    return inst?.id;
  }

  /** Active tasks of every instance with the business key (called instances that were passed it too). */
  /** `hash`: only where the stored hash of that resource is this one (the query's `name_eq_value` form) */
  private tasksOf(businessKey: string, hash?: { key: string; dataHash: string }): Promise<TaskDto[]> {
    return this.client.get<TaskDto[]>('/task', { processInstanceBusinessKey: businessKey, ...(hash ? { processVariables: `${HASH}${hash.key}_eq_${hash.dataHash}` } : {}) });
  }

  /**
   * Message subscriptions only where the model has something to wait for a message at: all instances with
   * the business key when a message is being correlated, else the root's.
   */
  private subscriptionsFor(businessKey: string, rootId: string, options: ReadOptions): Promise<EventSubscriptionDto[]> {
    if (options.events) return this.subscriptions(businessKey);
    return this.served.waitsForMessages ? this.subscriptionsOf(rootId) : Promise.resolve([]);
  }

  private async rootVariables(rootId: string): Promise<Record<string, TypedValue> | undefined> {
    try {
      return await this.client.get<Record<string, TypedValue>>(`/process-instance/${encodeURIComponent(rootId)}/variables`, { deserializeValues: false });
    } catch (e) {
      if (e instanceof EngineRestError && (e.status === 404 || /does not exist|doesn't exist|not found/i.test(e.message))) return undefined;
      throw this.engineError(e, 'read');
    }
  }

  /** Message subscriptions of every instance with the business key (called ones have it too). */
  private async subscriptions(businessKey: string): Promise<EventSubscriptionDto[]> {
    const instances = await this.client.get<ProcessInstanceDto[]>('/process-instance', { businessKey });
    const lists = await Promise.all(instances.map((i) => this.subscriptionsOf(i.id)));
    return lists.flat();
  }

  private subscriptionsOf(processInstanceId: string): Promise<EventSubscriptionDto[]> {
    return this.client.get<EventSubscriptionDto[]>('/event-subscription', { processInstanceId, eventType: 'message' });
  }

  /** engine-rest's answer in the port's terms (design.md: a failed completion is a 500 RestException with the engine's message). */
  private engineError(e: unknown, what: 'start' | 'write' | 'read' | 'delete'): EngineError {
    if (e instanceof EngineError) return e;
    if (!(e instanceof EngineRestError)) return new EngineError(`the engine failed: ${(e as Error).message}`, 'unavailable');
    const m = e.message;
    if (what === 'start' && (e.status === 404 || /No matching (process )?definition/i.test(m))) return new EngineError(`process '${this.o.processId}' is not deployed on the engine (${m}); deploy it or serve with --deploy`, 'unavailable');
    // Two completions of one task at once: the loser's transaction fails on commit. Live Operaton 1.0.3 answered
    // 500 OptimisticLockingException "ENGINE-03005 Execution of 'UPDATE …' failed"; live Camunda 7.24 answered the
    // same code for an INSERT of a variable under another type, so the log code decides, not the type.
    if (e.status === 404 || e.type === 'OptimisticLockingException' || /ENGINE-03005|updated by another transaction concurrently|OptimisticLocking|Cannot find task|task is null|does not exist|doesn't exist|does not have a subscription|No execution found/i.test(m)) return new EngineError(`the instance changed meanwhile: ${m}`, 'conflict');
    if (e.status === 400 || /^Cannot (complete task|instantiate process definition|correlate message|trigger|submit)/i.test(m) || e.status === 500 && /expression|condition|sequence flow|variable/i.test(m)) {
      const id = /element with id '([^']+)'/.exec(m)?.[1] ?? /activity(?: with)? id '([^']+)'/i.exec(m)?.[1] ?? this.conditions.find((c) => m.includes(c.body))?.sourceId;
      const cause = m.replace(/^Cannot (complete task|instantiate process definition|correlate message|trigger message)[^:]*:\s*/i, '');
      const name = id ? this.served.names.get(id) : undefined;
      return new EngineError(`the process cannot continue${id ? ` at ${id}${name ? ` '${name}'` : ''}` : ''}: ${cause}`, 'rejected', id ? { id, ...(name ? { name } : {}) } : undefined);
    }
    return new EngineError(`the engine failed (${e.status} ${e.type}): ${m}`, 'unavailable');
  }
}

/** Whether a task query can name the resource's hash variable: its `name_eq_value` form has no room for `_` or `,`. */
function queryable(key: string): boolean {
  return !/[_,]/.test(key);
}

/** The hash of `{}` for each singular resource not written at start, so an If-Match on it can be checked by a query. */
function emptyHashes(keys: string[] | undefined, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys ?? []) if (!(k in data) && queryable(k)) out[HASH + k] = dataHash({});
  return out;
}

function storeValues(data: Record<string, Record<string, unknown>>, version: number | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = version === undefined ? {} : { [VERSION]: version };
  for (const [k, v] of Object.entries(data)) {
    out[DATA + k] = v;
    out[HASH + k] = dataHash(v);
  }
  return out;
}

function split(vars: Record<string, TypedValue>): { data: Record<string, Record<string, unknown>>; variables: Record<string, unknown>; startedAt?: string; version: number } {
  const data: Record<string, Record<string, unknown>> = {};
  const variables: Record<string, unknown> = {};
  let startedAt: string | undefined;
  let version = 0;
  for (const [name, t] of Object.entries(vars)) {
    if (name.startsWith(DATA)) data[name.slice(DATA.length)] = (plain(t) ?? {}) as Record<string, unknown>;
    else if (name.startsWith(HASH)) continue;
    else if (name === STARTED) startedAt = String(plain(t));
    else if (name === VERSION) version = Number(plain(t)) || 0;
    else variables[name] = plain(t);
  }
  return { data, variables, startedAt, version };
}

/** engine-rest dates are `2021-03-01T10:00:00.000+0100`; the facade speaks RFC 3339. */
function toIso(d: string): string {
  const t = Date.parse(d.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(t) ? d : new Date(t).toISOString();
}
