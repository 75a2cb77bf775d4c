/**
 * The port between the facade and a process engine: the paper's ProcessEngineAdapter.
 * Implemented by the embedded adapter (bpmn-engine in process) and the Camunda 7 engine-rest adapter.
 * Resource data is part of the instance (process variables for a remote engine), so the facade keeps
 * no state of its own.
 */

/** An activity (or message event) the instance is waiting at. */
export interface WaitingActivity {
  /** BPMN element id */
  activityId: string;
  /** the engine's id of this activation; signals address it */
  executionId: string;
  /** the engine's id of the nearest repeating scope (loop iteration / subprocess instance): the 1-to-N id */
  scopeId: string;
  kind: 'task' | 'receiveTask' | 'messageEvent';
  /** message name for receive tasks and message events */
  messageName?: string;
}

/** Process variables to set with a write: the resource object and its attributes (design.md, "Process data"). */
export interface VariableWrite {
  values: Record<string, unknown>;
  /** `process`: the instance's (or the called instance's) variables; `local`: the iteration's or subprocess instance's */
  scope: 'process' | 'local';
  /** the waiting activity whose scope is meant */
  executionId?: string;
}

/** An element the process stopped at because it could not go on (a condition, an expression). */
export interface Incident {
  elementId: string;
  elementName?: string;
  message: string;
  at: string;
}

export type ResourceData = Record<string, unknown>;

export interface InstanceSnapshot {
  businessKey: string;
  processId: string;
  state: 'active' | 'completed';
  startedAt: string;
  endedAt?: string;
  /** increases with every accepted write */
  version: number;
  waiting: WaitingActivity[];
  /** resource data by storage key (`Application`, `Decision`, `Document:<id>`) */
  data: Record<string, ResourceData>;
  /** process-level variables */
  variables: Record<string, unknown>;
  /** set when a timer moved the instance to a step it could not take; cleared by the next accepted write */
  incident?: Incident;
  /** resources whose data this snapshot leaves out but whose stored data hash the engine confirmed (ReadOptions.ifMatch) */
  dataHashes?: Record<string, string>;
}

export interface StartRequest {
  processId: string;
  businessKey: string;
  /** storage key and data of the root resource */
  data: Record<string, ResourceData>;
  /** process variables at start (the root's data and `businessKey`) */
  variables: Record<string, unknown>;
  /** for a message start event: the message to start with */
  startMessage?: { messageId: string };
}

export interface WriteRequest {
  /** data to store, by storage key (replaces the stored object for that key) */
  data: Record<string, ResourceData>;
  /** complete this waiting activity after storing (PUT); absent for PATCH */
  complete?: { executionId: string };
  variables?: VariableWrite;
}

/** Signals a waiting message event of the instance by its message (bpmn-engine matches message events by message id). */
export interface MessageRequest {
  messageId: string;
  data: Record<string, ResourceData>;
  variables?: VariableWrite;
}

/**
 * What went wrong, in engine terms; the facade maps it to HTTP (not-found 404, conflict 409,
 * rejected 422, unavailable 503 with Retry-After, storage-full 507: the engine's storage has no room,
 * nothing was written, reads go on).
 */
export type EngineErrorKind = 'not-found' | 'conflict' | 'rejected' | 'unavailable' | 'storage-full';

export class EngineError extends Error {
  constructor(
    message: string,
    readonly kind: EngineErrorKind,
    /** for `rejected`: the element the process could not get past */
    readonly element?: { id: string; name?: string },
  ) {
    super(message);
  }
}

/** What a read must include beyond tasks (remote engines fetch message subscriptions only when asked). */
export interface ReadOptions {
  /** the receive tasks and message events the instance waits at */
  events?: boolean;
  /**
   * `decide` needs only where the instance waits (a PUT that replaces a resource, without If-Match): a remote
   * engine may then read the tasks alone, giving a snapshot without data and variables. When `decide` refuses
   * (throws or writes nothing) on such a snapshot, the adapter reads the whole instance and decides again.
   */
  waitingOnly?: boolean;
  /**
   * With waitingOnly, for a PUT with If-Match: the data hash (representation.ts `dataHash`) the client's
   * ETag names for the storage key `key`. A remote engine may read the tasks only where its stored hash of
   * that resource is this one, and say so in the snapshot's `dataHashes`; otherwise the refusal on the
   * partial snapshot sends the adapter to the whole instance, as above.
   */
  ifMatch?: { key: string; dataHash: string };
}

export interface ProcessEngineAdapter {
  readonly name: string;
  /** Readies the engine (loads or deploys the model); returns warnings worth telling the user (an unreachable remote engine is one, not a failure). */
  init(): Promise<string[]>;
  start(req: StartRequest): Promise<InstanceSnapshot>;
  get(businessKey: string, options?: ReadOptions): Promise<InstanceSnapshot | undefined>;
  list(page: { offset: number; limit: number }): Promise<{ total: number; items: InstanceSnapshot[] }>;
  delete(businessKey: string): Promise<boolean>;
  /**
   * Runs `decide` on the current snapshot and applies the write it returns as one step. The embedded
   * engine holds the instance's lock meanwhile; a remote engine decides optimistically and, when the
   * engine says the instance changed under it, reads and decides again (a few times, then `conflict`).
   * `decide` may therefore run more than once and must not have side effects.
   */
  update(businessKey: string, decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined, options?: ReadOptions): Promise<InstanceSnapshot | undefined>;
  /**
   * Whether requests can be served now (readiness): undefined when they can, else why not (the engine does not
   * answer, the served process is not deployed, the data directory cannot be written). One cheap call at most.
   */
  notReady(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Why a remote engine cannot serve the process: it is not deployed there, or the engine does not answer. */
export interface DeploymentProblem {
  kind: 'not-deployed' | 'unreachable';
  message: string;
}

/** A remote adapter's start-up warnings for what its deployment check found (none when deployed). */
export function deploymentWarnings(problem: DeploymentProblem | undefined): string[] {
  if (!problem) return [];
  return [problem.kind === 'not-deployed' ? `${problem.message}; deploy it or serve with --deploy` : `${problem.message}; requests answer 503 until it answers`];
}
