import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { BpmnActivity, BpmnDocument, MessageTrigger } from '../../core/bpmn/model';
import { elementNames, executionFacts, type CallMappings } from '../../core/bpmn/execution';
import { interruptedThrows, interruptingEventSubprocesses, type Interruption } from '../../core/bpmn/interruptedThrows';
import {
  EngineError,
  type InstanceSnapshot,
  type MessageRequest,
  type ProcessEngineAdapter,
  type StartRequest,
  type VariableWrite,
  type WaitingActivity,
  type WriteRequest,
} from '../ports';
import { KeyedMutex, Lru } from './concurrency';
import { DataDirLock } from './dataDirLock';
import { DefinitionStore, type SourceContext } from './definitions';
import { prepareModdle, type ModdleContext, type SourceFile } from './moddle';
import { elementBehaviours, InstanceRuntime, type InstanceVariables } from './runtime';
import { guardResume } from './resumeGuard';
import { TimerScheduler } from './scheduler';
import { versionReport, type InstanceAtStart } from './versions';
import { InstanceStore, storageFailure, type StoredInstance } from './store';

// bpmn-engine ships CommonJS next to its ESM build; its types are loose, so we type what we use.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Engine } = require('bpmn-engine') as { Engine: new (options: Record<string, unknown>) => BpmnEngine };

interface PostponedApi {
  id: string;
  type: string;
  executionId: string;
  /** `targetId`: a flow's target */
  content: { parent?: { id: string; executionId: string }; isMultiInstance?: boolean; targetId?: string };
  /** a flow's token: `flow.take` or `flow.discard` */
  fields?: { routingKey?: string };
  getExecuting?: () => PostponedApi[];
  owner?: { environment: { variables: Record<string, unknown>; settings: Record<string, unknown> } };
  getPostponed?: () => PostponedApi[];
}

interface Execution {
  activityStatus: string;
  getPostponed(): PostponedApi[];
  signal(message: Record<string, unknown>): void;
}

interface BpmnEngine {
  state: string;
  execute(options?: Record<string, unknown>): Promise<Execution>;
  recover(state: unknown): BpmnEngine;
  resume(): Promise<Execution>;
  getState(): Promise<unknown>;
  stop(): Promise<void> | void;
  on(event: 'error', fn: (err: Error) => void): void;
}

interface Live {
  engine: BpmnEngine;
  execution: Execution;
  runtime: InstanceRuntime;
  error: Error | undefined;
}

export interface EmbeddedOptions {
  /** every served BPMN file; the served process is in one of them, called processes in any */
  sources: SourceFile[];
  processId: string;
  dataDir: string;
  /** engines kept in memory; others are recovered from disk on demand */
  maxLiveEngines?: number;
  /** snapshots kept in memory for reads */
  maxCachedSnapshots?: number;
  /** one line per event worth telling the user (pass-through tasks, timers, incidents) */
  log?: (line: string) => void;
  /** run JavaScript script conditions and script tasks */
  allowScripts?: boolean;
}

const SETTLE_LIMIT = 10_000;
/** how long due timers wait before they are tried again after the disk refused their step */
const STORAGE_RETRY_MS = 5_000;

/** bpmn-engine in process, state and process data on disk, idle instances evicted from memory, timers fired by a scheduler. */
export class EmbeddedEngine implements ProcessEngineAdapter {
  readonly name = 'embedded';
  private readonly store: InstanceStore;
  private readonly lock: DataDirLock;
  private readonly definitions: DefinitionStore;
  private readonly live: Lru<string, Live>;
  private readonly snapshots: Lru<string, StoredInstance>;
  private readonly mutex = new KeyedMutex();
  private readonly activities = new Map<string, BpmnActivity>();
  private readonly messageEvents = new Map<string, MessageTrigger>();
  private readonly implementation = new Map<string, string>();
  /** whether a served process has a call activity (only then can a called process leave its caller waiting) */
  private callsProcesses = false;
  /** ids of parallel gateways: the conditions on their outgoing flows are ignored (BPMN, Camunda) */
  private readonly parallelGateways = new Set<string>();
  private readonly interruptedThrows = new Map<string, Interruption>();
  private readonly interruptingEventSubprocesses = new Set<string>();
  /** bpmn-engine's element types for these models: built once, for the serializing engine and every instance's */
  private readonly elements: Record<string, unknown>;
  private readonly callMappings = new Map<string, CallMappings>();
  private readonly zeebeCalled = new Map<string, string>();
  private readonly resultVariable = new Map<string, string>();
  private readonly elementVariable = new Map<string, string>();
  private readonly collection = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly scheduler: TimerScheduler;
  private readonly log: (line: string) => void;
  /** told each durable record write's duration in seconds (serve --metrics) */
  storeWriteObserver: ((seconds: number) => void) | undefined;

  constructor(private readonly options: EmbeddedOptions) {
    this.log = options.log ?? (() => undefined);
    this.lock = new DataDirLock(options.dataDir, this.log);
    this.store = new InstanceStore(options.dataDir, this.log);
    this.definitions = new DefinitionStore(options.dataDir);
    this.live = new Lru(options.maxLiveEngines ?? 8);
    this.snapshots = new Lru(options.maxCachedSnapshots ?? 200);
    this.scheduler = new TimerScheduler((key) => this.fireTimers(key));
    for (const s of options.sources) this.index(s.doc);
    this.elements = elementBehaviours(this.interruptedThrows, this.interruptingEventSubprocesses);
  }

  private index(doc: BpmnDocument): void {
    for (const p of doc.processes) {
      for (const a of p.activities) if (!this.activities.has(a.id)) this.activities.set(a.id, a);
      if (p.activities.some((a) => a.kind === 'callActivity')) this.callsProcesses = true;
      for (const t of p.messageTriggers) this.messageEvents.set(t.elementId, t);
    }
    for (const [id, n] of elementNames(doc)) if (!this.names.has(id)) this.names.set(id, n);
    for (const e of doc.ids) if (e.element.local === 'parallelGateway') this.parallelGateways.add(e.id);
    for (const [id, i] of interruptedThrows(doc)) this.interruptedThrows.set(id, i);
    for (const id of interruptingEventSubprocesses(doc)) this.interruptingEventSubprocesses.add(id);
    const facts = executionFacts(doc);
    for (const [k, v] of facts.implementation) this.implementation.set(k, v);
    for (const [k, v] of facts.callMappings) this.callMappings.set(k, v);
    for (const [k, v] of facts.zeebeCalledElement) this.zeebeCalled.set(k, v);
    for (const [k, v] of facts.resultVariable) this.resultVariable.set(k, v);
    for (const [k, v] of facts.elementVariable) this.elementVariable.set(k, v);
    for (const [k, v] of facts.collection) this.collection.set(k, v);
  }

  async init(): Promise<string[]> {
    await this.lock.acquire();
    // Timers of every waiting instance, from the files: they fire after a restart too. And which model
    // definitions the instances still run on: the others are removed.
    const referenced = new Set<string>();
    const active: InstanceAtStart[] = [];
    // Scheduled once the model is ready below: an overdue timer fires at once.
    const timers: Array<[string, number | undefined]> = [];
    await this.store.init((rec) => {
      if (rec.state === 'active' && !rec.incident) timers.push([rec.businessKey, earliest(rec)]);
      const refs = DefinitionStore.refsOf(rec.engineState);
      for (const ref of refs) referenced.add(ref);
      if (rec.state === 'active') active.push({ key: rec.businessKey, definitions: refs, waiting: rec.waiting.map((w) => w.activityId) });
    });
    // Parse the BPMN once for all instances (bpmn-engine would otherwise parse it per instance).
    const moddleContext = await prepareModdle(this.options.sources, this.options.processId, this.zeebeCalled);
    // Serialized once for every engine (definitions.ts); bpmn-engine reads the model here, so a model it
    // cannot read fails at start-up, not at the first request.
    const definitionWarning = await this.definitions.init(moddleContext, (ctx) => {
      const check = new Engine({ name: 'check', elements: this.elements }) as unknown as { _serializeModdleContext?: (c: ModdleContext) => SourceContext };
      if (typeof check._serializeModdleContext !== 'function') throw new Error('this bpmn-engine version has no _serializeModdleContext (made for 25.x)');
      try {
        return check._serializeModdleContext(ctx);
      } catch (e) {
        throw new Error(`bpmn-engine cannot read the model: ${(e as Error).message}${this.elementsOfType((e as Error).message)}`);
      }
    });
    await this.definitions.prune(referenced);
    for (const [key, dueAt] of timers) this.scheduler.schedule(key, dueAt);
    const report = versionReport(active, this.definitions.currentHash, (id) => this.activities.has(id) || this.messageEvents.has(id), (id) => this.named(id));
    for (const line of report.lines) this.log(line);
    return [...(definitionWarning ? [definitionWarning] : []), ...report.warnings];
  }

  async start(req: StartRequest): Promise<InstanceSnapshot> {
    return this.mutex.run(req.businessKey, async () => {
      if (this.store.has(req.businessKey)) throw new EngineError(`an instance with business key '${req.businessKey}' exists`, 'conflict');
      const now = new Date().toISOString();
      const rec: StoredInstance = {
        businessKey: req.businessKey,
        processId: req.processId,
        state: 'active',
        startedAt: now,
        version: 1,
        waiting: [],
        data: { ...req.data },
        variables: { ...req.variables },
        locals: {},
        calls: {},
        timers: [],
        engineState: null,
      };
      const live = this.newLive(rec);
      await this.run(live, rec, async () => {
        live.execution = await live.engine.execute();
        if (req.startMessage) live.execution.signal({ id: req.startMessage.messageId });
      });
      return snapshot(rec);
    });
  }

  async get(businessKey: string): Promise<InstanceSnapshot | undefined> {
    const rec = await this.load(businessKey);
    return rec ? snapshot(rec) : undefined;
  }

  async list(page: { offset: number; limit: number }): Promise<{ total: number; items: InstanceSnapshot[] }> {
    const keys = this.store.list();
    const items: InstanceSnapshot[] = [];
    for (const k of keys.slice(page.offset, page.offset + page.limit)) {
      const rec = await this.load(k);
      if (rec) items.push(snapshot(rec));
    }
    return { total: keys.length, items };
  }

  async delete(businessKey: string): Promise<boolean> {
    return this.mutex.run(businessKey, async () => {
      const live = this.live.get(businessKey);
      if (live) await live.engine.stop();
      this.live.delete(businessKey);
      this.snapshots.delete(businessKey);
      this.scheduler.schedule(businessKey, undefined);
      return this.store.remove(businessKey);
    });
  }

  async update(businessKey: string, decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined): Promise<InstanceSnapshot | undefined> {
    return this.mutex.run(businessKey, async () => {
      let rec = await this.load(businessKey);
      if (!rec) return undefined;
      // Timers that are due come first: the write is judged on the state they lead to.
      if (rec.state === 'active' && !rec.incident && rec.timers.some((t) => t.dueAt <= Date.now())) rec = (await this.fireDue(rec)) ?? rec;
      const req = decide(snapshot(rec));
      if (!req) return snapshot(rec);
      const next = working(rec);
      next.data = { ...rec.data, ...req.data };
      next.version = rec.version + 1;
      delete next.incident;
      const signal = 'messageId' in req ? { id: req.messageId } : req.complete ? { executionId: req.complete.executionId } : undefined;
      if (!signal && !needsEngine(req.variables)) {
        if (req.variables) Object.assign(next.variables, req.variables.values);
        await this.persist(next, undefined);
        return snapshot(next);
      }
      if (rec.state !== 'active' || rec.engineState === null) {
        if (signal) throw new EngineError('the process has ended', 'conflict');
        await this.persist(next, undefined);
        return snapshot(next);
      }
      const live = await this.wake(rec, next);
      await this.run(live, next, async () => {
        if (req.variables) this.setVariables(live, next, req.variables);
        if (signal) live.execution.signal(signal);
      });
      return snapshot(next);
    });
  }

  /** Ready once started, while the data directory can be written (a full disk still serves reads: ready). */
  async notReady(): Promise<string | undefined> {
    try {
      await fsp.access(this.store.dir, fs.constants.W_OK);
      return undefined;
    } catch (e) {
      return `the data directory ${this.store.dir} cannot be written: ${(e as Error).message}`;
    }
  }

  async close(): Promise<void> {
    this.scheduler.close();
    await this.mutex.drain();
    for (const [, l] of this.live.entries()) await l.engine.stop();
    this.live.clear();
    await this.lock.release();
  }

  private newLive(rec: StoredInstance): Live {
    const runtime = new InstanceRuntime(
      {
        businessKey: rec.businessKey,
        implementation: this.implementation,
        parallelGateways: this.parallelGateways,
        elements: this.elements,
        callMappings: this.callMappings,
        resultVariable: this.resultVariable,
        elementVariable: this.elementVariable,
        collection: this.collection,
        elementName: (id) => this.names.get(id),
        log: this.log,
        allowScripts: this.options.allowScripts,
      },
      rec,
    );
    const engine = new Engine({ name: rec.businessKey, sourceContext: this.definitions.sourceContext, ...runtime.engineOptions() });
    const live: Live = { engine, execution: undefined as unknown as Execution, runtime, error: undefined };
    engine.on('error', (err) => {
      live.error = err;
    });
    return live;
  }

  /**
   * Runs `action` on the engine with `rec` as the process data it sees, lets the engine run until it
   * waits, and persists. If the process cannot go on (a condition fails, none holds, an expression
   * fails), nothing is written and the engine is forgotten: the next request recovers it from the
   * file, where the instance stands as before (Camunda 7 rolls a failed completion back the same way).
   */
  private async run(live: Live, rec: StoredInstance, action: () => Promise<void>): Promise<void> {
    live.runtime.current = rec;
    live.runtime.failure = undefined;
    live.runtime.beginStep();
    live.error = undefined;
    try {
      await action();
      if (live.execution) await settle(live.execution);
      for (let i = 0; i < 8 && live.execution && this.releaseEndedCalls(rec, live); i++) await settle(live.execution);
    } catch (e) {
      live.error ??= e as Error;
    } finally {
      live.runtime.endStep();
    }
    if (live.error || live.engine.state === 'error') {
      // Dropped, not stopped: stopping an engine in error never settles. Its timers are ours, so nothing of it keeps running.
      this.live.delete(rec.businessKey);
      this.snapshots.delete(rec.businessKey);
      throw this.rejection(live);
    }
    await this.persist(rec, live);
  }

  private rejection(live: Live): EngineError {
    const f = live.runtime.failure;
    const engineMessage = live.error?.message ?? 'the process stopped with an error';
    const id = f?.elementId || /<([^>]+)>/.exec(engineMessage)?.[1] || '';
    const name = id ? this.names.get(id) : undefined;
    const where = id ? this.named(id) : 'the process';
    const why = f?.message ?? (/no conditional flow taken/.test(engineMessage) ? 'no condition of its outgoing flows holds' : engineMessage);
    return new EngineError(`the process cannot continue at ${where}: ${why}`, 'rejected', id ? { id, ...(name ? { name } : {}) } : undefined);
  }

  /** Puts the variables where the write's scope says: the iteration's, the subprocess instance's, or the (called) instance's. */
  private setVariables(live: Live, rec: StoredInstance, v: VariableWrite): void {
    const api = v.executionId ? findPostponed(live.execution, v.executionId) : undefined;
    const act = api ? this.activities.get(api.id) : undefined;
    const ctx = { environment: api?.owner?.environment } as Parameters<InstanceRuntime['setScopeVariables']>[0];
    if (v.scope === 'local' && api && act) {
      if (act.loop !== 'none') {
        rec.locals[api.executionId] = { ...(rec.locals[api.executionId] ?? {}), ...v.values };
        return;
      }
      if (hasRepeatingSubprocess(act) && api.owner) {
        InstanceRuntime.setEnvironmentLocals(api.owner.environment as never, v.values);
        return;
      }
    }
    live.runtime.setScopeVariables(ctx, v.values);
  }

  /** Records engine state, waiting activities and timers, writes the file (fsync), then updates the caches and the scheduler. */
  private async persist(rec: StoredInstance, live: Live | undefined): Promise<void> {
    try {
      await this.record(rec, live);
    } catch (e) {
      // Not written: what the engine in memory did is not the instance's state. The next request recovers
      // the instance from its file, where it stands as before this step.
      this.live.delete(rec.businessKey);
      this.snapshots.delete(rec.businessKey);
      const failure = storageFailure(e, this.options.dataDir);
      if (failure) this.log(`[${rec.businessKey}] not written: ${failure.message}`);
      throw failure ?? e;
    }
    this.snapshots.set(rec.businessKey, rec);
    if (live && rec.state === 'active') this.live.set(rec.businessKey, live);
    else this.live.delete(rec.businessKey);
    this.scheduler.schedule(rec.businessKey, rec.state === 'active' && !rec.incident ? earliest(rec) : undefined);
  }

  /** Fills in the record from the engine (state, waiting activities, timers) and writes it. */
  private async record(rec: StoredInstance, live: Live | undefined): Promise<void> {
    if (live) {
      const completed = live.engine.state !== 'running' || this.onlyStrayFlows(rec, live);
      rec.waiting = completed ? [] : this.waitingOf(live.execution, live.runtime);
      rec.timers = completed ? [] : [...live.runtime.timers.values()].map((t) => ({ dueAt: t.dueAt, elementId: t.elementId, executionId: t.executionId }));
      if (completed) {
        rec.state = 'completed';
        rec.endedAt = new Date().toISOString();
        rec.engineState = null;
      } else {
        rec.engineState = await this.definitions.pack(await live.engine.getState());
        if (!rec.waiting.length && !rec.timers.length) this.markStuck(rec, live);
      }
    }
    if (!this.storeWriteObserver) return this.store.write(rec);
    const t0 = process.hrtime.bigint();
    await this.store.write(rec);
    this.storeWriteObserver(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  /** instances in the data directory (any state), for the metrics */
  get instanceCount(): number {
    return this.store.size;
  }

  /** For "Unknown activity type bpmn:X": where the model has such elements (`at g 'name'`), so the user can find them. */
  private elementsOfType(message: string): string {
    const type = /Unknown activity type bpmn:(\w+)/.exec(message)?.[1];
    if (!type) return '';
    const local = type[0].toLowerCase() + type.slice(1);
    const ids = this.options.sources.flatMap((src) => src.doc.ids.filter((e) => e.element.local === local).map((e) => this.named(e.id)));
    return ids.length ? ` (at ${ids.join(', ')})` : '';
  }

  /** An element as messages name it: its id, and its name where it has one. */
  private named(id: string): string {
    const name = this.names.get(id);
    return `${id}${name ? ` '${name}'` : ''}`;
  }

  /**
   * An instance that can no longer move is an incident, not a silent `active`: the process has not ended, but
   * nothing waits that a request, a message or a timer could move on (a join waiting for a token that never
   * comes, a call activity whose called process ended without it noticing). Named where the tokens stopped,
   * logged once.
   */
  private markStuck(rec: StoredInstance, live: Live): void {
    const all = live.execution.getPostponed();
    // Stray discards carry no work: name where work stopped, unless nothing else is left.
    const postponed = all.some((a) => !isStrayDiscard(a)) ? all.filter((a) => !isStrayDiscard(a)) : all;
    // A token on a flow stopped at the element the flow leads to (a join waiting for the others).
    const ids = [...new Set(postponed.map((a) => (a.type === 'bpmn:SequenceFlow' && a.content.targetId ? a.content.targetId : a.id)))];
    const at = ids.map((id) => this.named(id)).join(', ') || 'no element';
    const joins = ids.filter((id) => this.parallelGateways.has(id));
    const why = joins.length ? `; a parallel join waits for a token on every incoming flow, and ${joins.map((id) => this.named(id)).join(', ')} never get${joins.length === 1 ? 's' : ''} one on some of them: Camunda waits there forever too` : '';
    const message = `the instance can no longer move: the process has not ended, but nothing waits for a request, a message or a timer (its tokens stopped at ${at}${why})`;
    if (rec.incident?.message === message) return;
    const name = ids[0] ? this.names.get(ids[0]) : undefined;
    rec.incident = { elementId: ids[0] ?? '', ...(name ? { elementName: name } : {}), message, at: new Date().toISOString() };
    this.log(`[${rec.businessKey}] incident: ${message}`);
  }

  /**
   * A called process whose every activity has finished, with only a stray token left on one of its flows
   * (bpmn-engine's dead-path handling: an exclusive merge passes a taken and a discarded token on to a
   * parallel join, which fires and then waits on the extra one), has ended as far as BPMN and Camunda are
   * concerned, but bpmn-engine never tells its call activity, and the caller waits forever. When nothing
   * else is left, the call activity is completed (its out-mappings run as usual), with a log line.
   */
  private releaseEndedCalls(rec: StoredInstance, live: Live): boolean {
    if (!this.callsProcesses || live.runtime.timers.size) return false;
    const postponed = live.execution.getPostponed();
    const calls = postponed.filter((a) => a.type === 'bpmn:CallActivity');
    const rest = postponed.filter((a) => a.type !== 'bpmn:CallActivity');
    if (!calls.length || !rest.length || rest.some((a) => !isStrayDiscard(a))) return false;
    for (const c of calls) {
      this.log(`[${rec.businessKey}] the process called by ${c.id} has ended with only stray tokens left on ${rest.map((a) => a.id).join(', ')} (bpmn-engine); ${c.id} completes, as on Camunda`);
      live.execution.signal({ executionId: c.executionId });
    }
    return true;
  }

  /**
   * bpmn-engine's dead-path handling can leave a token on a sequence flow whose target has already
   * gone on (an exclusive merge that gets one taken and one discarded inbound passes both to a
   * parallel join, which completes and then waits on the stray one). Nothing can move such an
   * instance; Camunda ends it. So does this adapter, with a log line.
   */
  private onlyStrayFlows(rec: StoredInstance, live: Live): boolean {
    if (live.runtime.timers.size) return false;
    const postponed = live.execution.getPostponed();
    if (!postponed.length || postponed.some((a) => !isStrayDiscard(a))) return false;
    this.log(`[${rec.businessKey}] only stray tokens are left on ${postponed.map((a) => a.id).join(', ')} (bpmn-engine); the instance ends, as on Camunda`);
    void live.engine.stop();
    return true;
  }

  private async load(key: string): Promise<StoredInstance | undefined> {
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const rec = await this.store.read(key);
    if (rec) this.snapshots.set(key, rec);
    return rec;
  }

  /**
   * The instance's engine: in memory, or recovered from its stored state (~5 ms). `next` is the working
   * copy the operation will write: a recovered engine fires overdue timers while it resumes, and what
   * they set must land there.
   */
  private async wake(rec: StoredInstance, next: StoredInstance): Promise<Live> {
    const existing = this.live.get(rec.businessKey);
    if (existing) return existing;
    const live = this.newLive(next);
    live.engine.recover(await this.definitions.unpack(rec.engineState!));
    guardResume(live.engine);
    live.execution = await live.engine.resume();
    this.live.set(rec.businessKey, live);
    return live;
  }

  /** The scheduler's call: fires what is due for one instance. */
  private async fireTimers(key: string): Promise<void> {
    try {
      await this.mutex.run(key, async () => {
        const rec = await this.load(key);
        if (rec && rec.state === 'active' && !rec.incident) await this.fireDue(rec);
      });
    } catch (e) {
      // Reading the instance or writing its incident failed (the disk): nothing changed, so try again later.
      this.log(`[${key}] timers not fired: ${(e as Error).message}; tried again in ${STORAGE_RETRY_MS / 1000} s`);
      this.scheduler.schedule(key, Date.now() + STORAGE_RETRY_MS);
    }
  }

  /**
   * Fires the due timers of an instance (under its lock). A step the process cannot take after a
   * timer becomes an incident on the instance: nothing else is written, and it is not retried until
   * the next write or restart.
   */
  private async fireDue(rec: StoredInstance): Promise<StoredInstance | undefined> {
    if (rec.engineState === null) return undefined;
    const next = working(rec);
    try {
      const due = rec.timers.filter((t) => t.dueAt <= Date.now());
      // An evicted engine fires its overdue timers while it resumes; one in memory fires them here.
      const live = await this.wake(rec, next);
      await this.run(live, next, async () => {
        live.runtime.fireDue(Date.now());
      });
      if (due.length) this.log(`[${rec.businessKey}] ${due.length} timer${due.length === 1 ? '' : 's'} fired (${due.map((t) => t.elementId ?? '?').join(', ')})`);
      return next;
    } catch (e) {
      const err = e as EngineError;
      if (err.kind === 'storage-full' || err.kind === 'unavailable') {
        // The disk refused the step, not the process: the timers stay due and are tried again shortly.
        this.scheduler.schedule(rec.businessKey, Date.now() + STORAGE_RETRY_MS);
        return undefined;
      }
      const incident = { elementId: err.element?.id ?? '', ...(err.element?.name ? { elementName: err.element.name } : {}), message: err.message, at: new Date().toISOString() };
      this.log(`[${rec.businessKey}] incident: ${err.message}`);
      const stuck: StoredInstance = { ...rec, incident };
      await this.persist(stuck, undefined);
      return stuck;
    }
  }

  /**
   * Waiting activities, including those inside subprocesses and their iterations: bpmn-engine's
   * getPostponed() lists only the top level, so we recurse.
   */
  private waitingOf(execution: Execution, runtime: InstanceRuntime): WaitingActivity[] {
    const byExecution = new Map<string, PostponedApi>();
    const visit = (list: PostponedApi[]) => {
      for (const a of list) {
        if (byExecution.has(a.executionId)) continue;
        byExecution.set(a.executionId, a);
        if (a.type === 'bpmn:SubProcess' || a.type === 'bpmn:AdHocSubProcess' || a.type === 'bpmn:Transaction') {
          if (a.getPostponed) visit(a.getPostponed());
        }
        // A multi-instance task lists its iterations as what it executes.
        if (a.content.isMultiInstance && a.getExecuting) visit(a.getExecuting());
      }
    };
    visit(execution.getPostponed());
    // A multi-instance activity is listed once for itself and once per iteration; keep the iterations.
    const iterationRoots = new Set<string>();
    for (const a of byExecution.values()) if (a.content.parent && a.content.parent.id === a.id) iterationRoots.add(a.content.parent.executionId);
    const out: WaitingActivity[] = [];
    for (const a of byExecution.values()) {
      if (iterationRoots.has(a.executionId)) continue;
      if (a.type === 'bpmn:MessageEventDefinition') {
        const t = this.messageEvents.get(a.id);
        if (t) out.push({ activityId: a.id, executionId: a.executionId, scopeId: a.executionId, kind: 'messageEvent', messageName: t.messageName });
        continue;
      }
      const act = this.activities.get(a.id);
      if (!act || act.kind === 'subProcess' || act.kind === 'adHocSubProcess' || act.kind === 'transaction' || act.kind === 'callActivity') continue;
      const w: WaitingActivity = { activityId: a.id, executionId: a.executionId, scopeId: this.scopeOf(a, act, byExecution, runtime), kind: act.kind === 'receiveTask' ? 'receiveTask' : 'task' };
      if (act.kind === 'receiveTask') {
        const t = act.process.messageTriggers.find((m) => m.elementId === act.id);
        if (t) w.messageName = t.messageName;
      }
      out.push(w);
    }
    return out;
  }

  /**
   * The 1-to-N id: the execution of the nearest repeating scope (the activity itself, an enclosing
   * subprocess iteration, or a repeating call activity that started the called process).
   */
  private scopeOf(a: PostponedApi, act: BpmnActivity, byExecution: Map<string, PostponedApi>, runtime: InstanceRuntime): string {
    if (act.loop !== 'none' || act.onCycle) return a.executionId;
    for (let sub = act.parent; sub; sub = sub.parent) {
      if (sub.loop === 'none' && !sub.onCycle) continue;
      // Walking up from the activity, the first execution of that subprocess is its current iteration.
      for (let p = a.content.parent; p; p = byExecution.get(p.executionId)?.content.parent) {
        if (p.id === sub.id) return p.executionId;
      }
    }
    // In a called process: the call activity's execution, when the call activity repeats.
    const callExecution = runtime.calledFrom(a.owner?.environment);
    const caller = callExecution ? this.activities.get(callExecution.replace(/_[^_]+$/, '')) : undefined;
    if (callExecution && caller?.repeats) return callExecution;
    return a.executionId;
  }
}

function hasRepeatingSubprocess(act: BpmnActivity): boolean {
  for (let sub = act.parent; sub; sub = sub.parent) if (sub.loop !== 'none' || sub.onCycle) return true;
  return false;
}

function needsEngine(v: VariableWrite | undefined): boolean {
  return !!v && (v.scope === 'local' || v.executionId !== undefined);
}

function findPostponed(execution: Execution, executionId: string): PostponedApi | undefined {
  const seen = new Set<string>();
  const stack = [...execution.getPostponed()];
  while (stack.length) {
    const a = stack.pop()!;
    if (a.executionId === executionId) return a;
    if (seen.has(a.executionId)) continue;
    seen.add(a.executionId);
    if (a.getPostponed && (a.type === 'bpmn:SubProcess' || a.type === 'bpmn:AdHocSubProcess' || a.type === 'bpmn:Transaction')) stack.push(...a.getPostponed());
    if (a.content.isMultiInstance && a.getExecuting) stack.push(...a.getExecuting());
  }
  return undefined;
}

/** A copy of the record whose process data an operation may change without touching the original. */
function working(rec: StoredInstance): StoredInstance {
  const vars: InstanceVariables = structuredClone({ variables: rec.variables, locals: rec.locals, calls: rec.calls });
  return { ...rec, ...vars, waiting: [...rec.waiting], timers: [...rec.timers] };
}

function earliest(rec: StoredInstance): number | undefined {
  let min: number | undefined;
  for (const t of rec.timers) if (min === undefined || t.dueAt < min) min = t.dueAt;
  return min;
}

/** Lets the engine run until it waits, a timer is set, or it ends. */
async function settle(execution: Execution): Promise<void> {
  for (let i = 0; i < SETTLE_LIMIT && execution.activityStatus === 'executing'; i++) {
    await new Promise((r) => setImmediate(r));
  }
}

function snapshot(rec: StoredInstance): InstanceSnapshot {
  const { engineState: _e, locals: _l, calls: _c, timers: _t, ...s } = rec;
  return s;
}

/** A discarded token left on a flow (bpmn-engine's dead-path handling sends one down every path not taken): no work left. */
function isStrayDiscard(a: { type: string; fields?: { routingKey?: string } }): boolean {
  return a.type === 'bpmn:SequenceFlow' && a.fields?.routingKey === 'flow.discard';
}
