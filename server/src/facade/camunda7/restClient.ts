import { currentRequestId, REQUEST_ID_HEADER } from '../requestContext';
/**
 * A small engine-rest client on Node's fetch: JSON in and out, basic or bearer auth, a time limit per
 * call, retries only for reads (a retried write could complete a task twice), and engine failures told
 * apart from answers (an unreachable or failing engine is `unavailable`, which the facade answers 503).
 */
import { EngineError } from '../ports';

export interface EngineAuth {
  user?: string;
  password?: string;
  token?: string;
}

export interface RestClientOptions {
  /** engine-rest base URL, e.g. http://localhost:8080/engine-rest */
  url: string;
  auth?: EngineAuth;
  /** per call, in ms (10 s) */
  timeout?: number;
  /** extra tries of a read after a network error or a 502/503/504 (2) */
  readRetries?: number;
}

/** An engine-rest answer outside 2xx: `RestException` etc. with the engine's message. */
export class EngineRestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const RETRYABLE = new Set([502, 503, 504]);

export class EngineRestClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: RestClientOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.headers = { accept: 'application/json' };
    if (o.auth?.token) this.headers.authorization = `Bearer ${o.auth.token}`;
    else if (o.auth?.user) this.headers.authorization = `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password ?? ''}`).toString('base64')}`;
  }

  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return this.call<T>('GET', withQuery(path, query), undefined, this.o.readRetries ?? 2);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body, 0);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path, undefined, 0);
  }

  /** multipart/form-data, for deployment/create */
  postForm<T>(path: string, form: FormData): Promise<T> {
    return this.call<T>('POST', path, form, 0);
  }

  private async call<T>(method: string, path: string, body: unknown, retries: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        const requestId = currentRequestId();
        const init: RequestInit = { method, headers: { ...this.headers, ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}) }, signal: AbortSignal.timeout(this.o.timeout ?? 10_000) };
        if (body instanceof FormData) init.body = body;
        else if (body !== undefined) {
          init.body = JSON.stringify(body);
          (init.headers as Record<string, string>)['content-type'] = 'application/json';
        }
        res = await fetch(this.base + path, init);
      } catch (e) {
        if (attempt < retries) {
          await pause(attempt);
          continue;
        }
        const err = e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
        const why = err.name === 'TimeoutError' ? `no answer within ${this.o.timeout ?? 10_000} ms` : (err.cause?.code ?? err.cause?.errors?.[0]?.code ?? err.cause?.message ?? err.message);
        throw new EngineError(`the engine at ${this.base} is unreachable (${why})`, 'unavailable');
      }
      if (res.ok) {
        const text = await res.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      if (RETRYABLE.has(res.status) && attempt < retries) {
        await res.body?.cancel();
        await pause(attempt);
        continue;
      }
      const text = await res.text();
      let parsed: { type?: string; message?: string } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        // not engine-rest's JSON (a proxy's page): the status says enough
      }
      if (res.status === 401 || res.status === 403) {
        throw new EngineError(`the engine at ${this.base} refused the credentials (${res.status}); set BPMN_RESOURCE_API_ENGINE_USER/_PASSWORD or _TOKEN`, 'unavailable');
      }
      if (RETRYABLE.has(res.status)) throw new EngineError(`the engine at ${this.base} answered ${res.status}${parsed.message ? `: ${parsed.message}` : ''}`, 'unavailable');
      throw new EngineRestError(res.status, parsed.type ?? 'unknown', parsed.message ?? `${method} ${path} answered ${res.status}`);
    }
  }
}

function withQuery(path: string, query?: Record<string, string | number | boolean | undefined>): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function pause(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, 100 * 3 ** attempt));
}
