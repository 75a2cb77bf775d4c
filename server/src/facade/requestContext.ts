/**
 * The request a piece of work belongs to, across awaits (AsyncLocalStorage): its id travels to the engine's
 * REST calls (`X-Request-Id`) and into log lines, so one id ties a client's request to the engine's access log.
 * The id is the client's `X-Request-Id` when it is a sane token (a proxy's or load balancer's id), else made.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-Id';

const context = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` as part of the request `requestId`. */
export function inRequest<T>(requestId: string, work: () => T): T {
  return context.run({ requestId }, work);
}

/** The id of the request the current work belongs to, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

/** A client's id when it is one (no spaces, quotes or control characters: it goes into headers and logs), else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && /^[A-Za-z0-9._~:@+/=-]{1,128}$/.test(given) ? given : randomUUID();
}
