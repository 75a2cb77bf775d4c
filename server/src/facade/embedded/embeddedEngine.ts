import type { BpmnActivity, BpmnDocument, MessageTrigger } from '../../core/bpmn/model';
import {
  EngineError,
  type InstanceSnapshot,
  type MessageRequest,
  type ProcessEngineAdapter,
  type StartRequest,
  type WaitingActivity,
  type WriteRequest,
} from '../ports';
import { InstanceStore, type StoredInstance } from './store';
import { KeyedMutex, Lru } from './concurrency';

// bpmn-engine ships CommonJS next to its ESM build; its types are loose, so we type what we use.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Engine } = require('bpmn-engine') as { Engine: new (options: Record<string, unknown>) => BpmnEngine };

interface PostponedApi {
  id: string;
  type: string;
  executionId: string;
  content: { parent?: { id: string; executionId: string } };
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
}

interface Live {
  engine: BpmnEngine;
  execution: Execution;
}

export interface EmbeddedOptions {
  source: string;
  doc: BpmnDocument;
  dataDir: string;
  /** engines kept in memory; others are recovered from disk on demand */
  maxLiveEngines?: number;
  /** snapshots kept in memory for reads */
  maxCachedSnapshots?: number;
}

const SETTLE_LIMIT = 10_000;

/** bpmn-engine in process, state on disk, idle instances evicted from memory. */
export class EmbeddedEngine implements ProcessEngineAdapter {
  readonly name = 'embedded';
  private readonly store: InstanceStore;
  private readonly live: Lru<string, Live>;
  private readonly snapshots: Lru<string, StoredInstance>;
  private readonly mutex = new KeyedMutex();
  private readonly activities = new Map<string, BpmnActivity>();
  private readonly messageEvents = new Map<string, MessageTrigger>();
  private moddleContext: unknown;

  constructor(private readonly options: EmbeddedOptions) {
    this.store = new InstanceStore(options.dataDir);
    this.live = new Lru(options.maxLiveEngines ?? 8);
    this.snapshots = new Lru(options.maxCachedSnapshots ?? 200);
    for (const p of options.doc.processes) {
      for (const a of p.activities) this.activities.set(a.id, a);
      for (const t of p.messageTriggers) this.messageEvents.set(t.elementId, t);
    }
  }

  async init(): Promise<void> {
    await this.store.init();
    // Parse the BPMN once for all instances (bpmn-engine would otherwise parse it per instance).
    const { BpmnModdle } = await import('bpmn-moddle');
    this.moddleContext = await new BpmnModdle().fromXML(this.options.source);
  }

  async start(req: StartRequest): Promise<InstanceSnapshot> {
    return this.mutex.run(req.businessKey, async () => {
      if (this.store.has(req.businessKey)) throw new EngineError(`an instance with business key '${req.businessKey}' exists`, 409);
      const engine = new Engine({ name: req.businessKey, moddleContext: this.moddleContext });
      const execution = await engine.execute({ processId: req.processId });
      if (req.startMessage) {
        execution.signal({ id: req.startMessage.messageId });
      }
      await settle(execution);
      const now = new Date().toISOString();
      const rec: StoredInstance = {
        businessKey: req.businessKey,
        processId: req.processId,
        state: 'active',
        startedAt: now,
        version: 1,
        waiting: [],
        data: { ...req.data },
        engineState: null,
      };
      await this.persist(rec, { engine, execution });
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
      return this.store.remove(businessKey);
    });
  }

  async update(businessKey: string, decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined): Promise<InstanceSnapshot | undefined> {
    return this.mutex.run(businessKey, async () => {
      const rec = await this.load(businessKey);
      if (!rec) return undefined;
      const req = decide(snapshot(rec));
      if (!req) return snapshot(rec);
      const next: StoredInstance = { ...rec, data: { ...rec.data, ...req.data }, version: rec.version + 1 };
      const signal = 'messageId' in req ? { id: req.messageId } : req.complete ? { executionId: req.complete.executionId } : undefined;
      if (!signal) {
        await this.persist(next, undefined);
        return snapshot(next);
      }
      if (rec.state !== 'active' || rec.engineState === null) throw new EngineError('the process has ended', 409);
      const live = await this.wake(rec);
      try {
        live.execution.signal(signal);
        await settle(live.execution);
        await this.persist(next, live);
      } catch (e) {
        // The engine may be ahead of the disk now: forget it, the next request recovers from the file.
        this.live.delete(businessKey);
        this.snapshots.delete(businessKey);
        throw e;
      }
      return snapshot(next);
    });
  }

  async close(): Promise<void> {
    await this.mutex.drain();
    for (const [, l] of this.live.entries()) await l.engine.stop();
    this.live.clear();
  }

  /** Records engine state and waiting activities, writes the file (fsync), then updates the caches. */
  private async persist(rec: StoredInstance, live: Live | undefined): Promise<void> {
    if (live) {
      const completed = live.engine.state !== 'running';
      rec.waiting = completed ? [] : this.waitingOf(live.execution);
      if (completed) {
        rec.state = 'completed';
        rec.endedAt = new Date().toISOString();
        rec.engineState = null;
      } else {
        rec.engineState = JSON.stringify(await live.engine.getState());
      }
    }
    await this.store.write(rec);
    this.snapshots.set(rec.businessKey, rec);
    if (live && rec.state === 'active') this.live.set(rec.businessKey, live);
    else this.live.delete(rec.businessKey);
  }

  private async load(key: string): Promise<StoredInstance | undefined> {
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const rec = await this.store.read(key);
    if (rec) this.snapshots.set(key, rec);
    return rec;
  }

  /** The instance's engine: in memory, or recovered from its stored state (~5 ms). */
  private async wake(rec: StoredInstance): Promise<Live> {
    const existing = this.live.get(rec.businessKey);
    if (existing) return existing;
    const engine = new Engine({ name: rec.businessKey, moddleContext: this.moddleContext });
    engine.recover(JSON.parse(rec.engineState!));
    const execution = await engine.resume();
    const live = { engine, execution };
    this.live.set(rec.businessKey, live);
    return live;
  }

  /**
   * Waiting activities, including those inside subprocesses and their iterations: bpmn-engine's
   * getPostponed() lists only the top level, so we recurse.
   */
  private waitingOf(execution: Execution): WaitingActivity[] {
    const byExecution = new Map<string, PostponedApi>();
    const visit = (list: PostponedApi[]) => {
      for (const a of list) {
        if (byExecution.has(a.executionId)) continue;
        byExecution.set(a.executionId, a);
        if (a.type === 'bpmn:SubProcess' || a.type === 'bpmn:AdHocSubProcess' || a.type === 'bpmn:Transaction') {
          if (a.getPostponed) visit(a.getPostponed());
        }
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
      const w: WaitingActivity = { activityId: a.id, executionId: a.executionId, scopeId: this.scopeOf(a, act, byExecution), kind: act.kind === 'receiveTask' ? 'receiveTask' : 'task' };
      if (act.kind === 'receiveTask') {
        const t = act.process.messageTriggers.find((m) => m.elementId === act.id);
        if (t) w.messageName = t.messageName;
      }
      out.push(w);
    }
    return out;
  }

  /** The 1-to-N id: the execution of the nearest repeating scope (the activity itself, or an enclosing subprocess iteration). */
  private scopeOf(a: PostponedApi, act: BpmnActivity, byExecution: Map<string, PostponedApi>): string {
    if (act.loop !== 'none' || act.onCycle) return a.executionId;
    for (let sub = act.parent; sub; sub = sub.parent) {
      if (sub.loop === 'none' && !sub.onCycle) continue;
      // Walking up from the activity, the first execution of that subprocess is its current iteration.
      for (let p = a.content.parent; p; p = byExecution.get(p.executionId)?.content.parent) {
        if (p.id === sub.id) return p.executionId;
      }
    }
    return a.executionId;
  }
}

/** Lets the engine run until it waits, a timer is set, or it ends. */
async function settle(execution: Execution): Promise<void> {
  for (let i = 0; i < SETTLE_LIMIT && execution.activityStatus === 'executing'; i++) {
    await new Promise((r) => setImmediate(r));
  }
}

function snapshot(rec: StoredInstance): InstanceSnapshot {
  const { engineState: _ignored, ...s } = rec;
  return s;
}
