/**
 * Health for load balancers and orchestrators: `GET /health/live` (the process answers) and `GET
 * /health/ready` (the engine answers, the served process is deployed, and the facade is not shutting
 * down; else 503 problem+json saying why). Both are open without the token, answer any Host and Accept,
 * and are not written to the request log (http.ts, app.ts): probes come every few seconds.
 */
import type { FastifyInstance } from 'fastify';
import { readOnlyRoute } from './http';
import type { ProcessEngineAdapter } from './ports';
import { sendProblem } from './problems';

/** How long readiness waits for the engine before it says the engine does not answer. */
const READY_TIMEOUT_MS = 2_000;

/** What the facade's shutdown tells readiness and every response. */
export class Lifecycle {
  /** SIGTERM was received: readiness answers 503 and every response closes its connection. */
  draining = false;
}

export function healthRoutes(app: FastifyInstance, engine: ProcessEngineAdapter, lifecycle: Lifecycle): void {
  // Probes that come together share one look at the engine.
  let asking: Promise<string | undefined> | undefined;
  const notReady = () => {
    asking ??= withTimeout(engine.notReady(), READY_TIMEOUT_MS, `the ${engine.name} engine did not answer within ${READY_TIMEOUT_MS / 1000} s`).finally(() => {
      asking = undefined;
    });
    return asking;
  };
  readOnlyRoute(app, '/health/live', async (_req, reply) => reply.header('Cache-Control', 'no-store').send({ status: 'UP' }));
  readOnlyRoute(app, '/health/ready', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    const why = lifecycle.draining ? 'the facade is shutting down' : await notReady();
    if (why) return sendProblem(reply, 503, why);
    return reply.send({ status: 'UP', engine: engine.name });
  });
}

/** The reason `p` gives, or its error's message, or `message` once `ms` have passed. */
function withTimeout(p: Promise<string | undefined>, ms: number, message: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string | undefined>((resolve) => {
    timer = setTimeout(() => resolve(message), ms);
  });
  return Promise.race([p.catch((e: Error) => e.message), late]).finally(() => clearTimeout(timer));
}
