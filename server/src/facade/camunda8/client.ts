/**
 * The official Camunda 8 client (@camunda8/orchestration-cluster-api), built from the client's own
 * configuration (`CAMUNDA_*` environment variables: OAuth client credentials, SaaS or self-managed
 * addresses, validation) with the engine URL and timeouts of our settings on top. Two instances: reads
 * may be retried by the client (429/503/network), writes are sent once, since a retried completion or
 * message could act twice.
 *
 * Client 8.8.x goes with an 8.8 cluster (design.md); it runs on Node 20.
 */
import { createCamundaClient, EventualConsistencyTimeoutError } from '@camunda8/orchestration-cluster-api';
import { currentRequestId, REQUEST_ID_HEADER } from '../requestContext';

export { EventualConsistencyTimeoutError };

export interface Camunda8ClientOptions {
  url: string;
  /** per HTTP call, ms */
  timeout?: number;
  /** the client's configuration (`CAMUNDA_*`); process.env by default */
  env?: Record<string, string | undefined>;
  /** a bearer token of ours (BPMN_RESOURCE_API_ENGINE_TOKEN) when the client's own auth is not configured */
  token?: string;
  /** basic auth of ours (BPMN_RESOURCE_API_ENGINE_USER/_PASSWORD) when the client's own auth is not configured */
  user?: string;
  password?: string;
}

/** The operations the adapter calls, with the parts of their answers it reads (the client validates the rest). */
export interface C8Ops {
  createDeployment(input: { resources: File[] }): Promise<unknown>;
  searchProcessDefinitions(input: unknown, c: Consistency): Promise<Page<{ processDefinitionId: string }>>;
  createProcessInstance(input: { processDefinitionId: string; variables: Record<string, unknown> }): Promise<{ processInstanceKey: string }>;
  searchProcessInstances(input: unknown, c: Consistency): Promise<Page<ProcessInstance>>;
  getProcessInstance(input: { processInstanceKey: string }, c: Consistency): Promise<ProcessInstance>;
  cancelProcessInstance(input: { processInstanceKey: string }): Promise<unknown>;
  searchUserTasks(input: unknown, c: Consistency): Promise<Page<UserTask>>;
  completeUserTask(input: { userTaskKey: string; variables?: Record<string, unknown> }): Promise<unknown>;
  searchVariables(input: unknown, c: Consistency): Promise<Page<Variable>>;
  getVariable(input: { variableKey: string }, c: Consistency): Promise<Variable>;
  createElementInstanceVariables(input: { elementInstanceKey: string; variables: Record<string, unknown>; local?: boolean }): Promise<unknown>;
  correlateMessage(input: { name: string; correlationKey?: string; variables?: Record<string, unknown> }): Promise<{ processInstanceKey?: string }>;
  searchMessageSubscriptions(input: unknown, c: Consistency): Promise<Page<MessageSubscription>>;
  searchIncidents(input: unknown, c: Consistency): Promise<Page<Incident>>;
  searchElementInstances(input: unknown, c: Consistency): Promise<Page<ElementInstance>>;
}

/** The client's second argument of eventually consistent reads; without `consistency` it reads once, at once. */
export interface Consistency {
  consistency?: { waitUpToMs: number; pollIntervalMs?: number; predicate?: (r: never) => boolean };
}

export interface Page<T> {
  items: T[];
  page: { totalItems: bigint | number };
}
export interface ProcessInstance {
  processInstanceKey: string;
  processDefinitionId: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  hasIncident: boolean;
}
export interface UserTask {
  userTaskKey: string;
  elementId?: string;
  elementInstanceKey?: string;
  processInstanceKey?: string;
  processDefinitionId?: string;
  state?: string;
}
export interface Variable {
  name: string;
  value: string;
  isTruncated?: boolean;
  variableKey: string;
  scopeKey: string;
  processInstanceKey: string;
}
export interface MessageSubscription {
  elementId?: string;
  elementInstanceKey?: string;
  processInstanceKey?: string;
  messageName?: string;
  correlationKey?: string;
}
export interface ElementInstance {
  elementInstanceKey: string;
  elementId: string;
}
export interface Incident {
  elementId?: string;
  errorMessage?: string;
  errorType?: string;
}

export function createClients(o: Camunda8ClientOptions): { reads: C8Ops; writes: C8Ops } {
  const env = o.env ?? process.env;
  const ownAuth = !env.CAMUNDA_AUTH_STRATEGY || env.CAMUNDA_AUTH_STRATEGY === 'NONE';
  const config: Record<string, string | number> = { CAMUNDA_REST_ADDRESS: o.url };
  if (!env.CAMUNDA_SDK_LOG_LEVEL) config.CAMUNDA_SDK_LOG_LEVEL = 'silent';
  if (ownAuth && o.user) Object.assign(config, { CAMUNDA_AUTH_STRATEGY: 'BASIC', CAMUNDA_BASIC_AUTH_USERNAME: o.user, CAMUNDA_BASIC_AUTH_PASSWORD: o.password ?? '' });
  const timeout = o.timeout ?? 10_000;
  const bearer = ownAuth && !o.user && o.token ? `Bearer ${o.token}` : undefined;
  const timed = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeout)]) : AbortSignal.timeout(timeout);
    const requestId = currentRequestId();
    if (!bearer && !requestId) return fetch(input, { ...init, signal });
    // The client passes a Request with its headers and body; init only adds to it.
    const req = new Request(input, init);
    if (bearer) req.headers.set('authorization', bearer);
    if (requestId) req.headers.set(REQUEST_ID_HEADER, requestId);
    return fetch(req, { signal });
  };
  const make = (extra: Record<string, string | number>) => createCamundaClient({ env, config: { ...config, ...extra } as never, fetch: timed }) as unknown as C8Ops;
  return { reads: make({}), writes: make({ CAMUNDA_SDK_HTTP_RETRY_MAX_ATTEMPTS: 1 }) };
}
