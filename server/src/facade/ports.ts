/**
 * The port between the facade and a process engine: the paper's ProcessEngineAdapter.
 * The embedded adapter (bpmn-engine) implements it today; Camunda 7/8 adapters will implement the same.
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
}

export interface StartRequest {
  processId: string;
  businessKey: string;
  /** storage key and data of the root resource */
  data: Record<string, ResourceData>;
  /** for a message start event: the message to start with */
  startMessage?: { messageId: string };
}

export interface WriteRequest {
  /** data to store, by storage key (replaces the stored object for that key) */
  data: Record<string, ResourceData>;
  /** complete this waiting activity after storing (PUT); absent for PATCH */
  complete?: { executionId: string };
}

/** Signals a waiting message event of the instance by its message (bpmn-engine matches message events by message id). */
export interface MessageRequest {
  messageId: string;
  data: Record<string, ResourceData>;
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409 | 503,
  ) {
    super(message);
  }
}

export interface ProcessEngineAdapter {
  readonly name: string;
  start(req: StartRequest): Promise<InstanceSnapshot>;
  get(businessKey: string): Promise<InstanceSnapshot | undefined>;
  list(page: { offset: number; limit: number }): Promise<{ total: number; items: InstanceSnapshot[] }>;
  delete(businessKey: string): Promise<boolean>;
  /** Runs `decide` on the current snapshot under the instance's lock; the write it returns is applied atomically. */
  update(businessKey: string, decide: (s: InstanceSnapshot) => WriteRequest | MessageRequest | undefined): Promise<InstanceSnapshot | undefined>;
  close(): Promise<void>;
}
