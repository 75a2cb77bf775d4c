/**
 * Every response the HTTP tests receive is checked against the served /openapi.json with a maintained
 * OpenAPI validator (openapi-backend): a response whose status, content type or body the document does
 * not describe fails the test that received it. Requests outside the document's operations (an unknown
 * path, a method no operation has, OPTIONS) may only get the facade's 404/405/204/403 answers.
 */
import addFormats from 'ajv-formats';
import OpenAPIBackend from 'openapi-backend';

export interface ContractViolation {
  request: string;
  status: number;
  problem: string;
}

/** openapi-backend with formats, validating requests and responses against `definition`. */
export async function openApiValidator(definition: unknown): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    definition: definition as never,
    strict: false,
    quick: false,
    validate: true,
    ajvOpts: { strict: false },
    customizeAjv: (ajv) => {
      addFormats(ajv as never);
      return ajv;
    },
  });
  await api.init();
  return api;
}

export class ContractChecker {
  private api: OpenAPIBackend | undefined;
  readonly violations: ContractViolation[] = [];
  checked = 0;

  async init(definition: unknown): Promise<void> {
    this.api = await openApiValidator(definition);
  }

  /** Fails (throws) when any response broke the contract; called as a harness stops. */
  static report(c: ContractChecker): void {
    if (c.violations.length) {
      const list = c.violations.map((v) => `${v.request} → ${v.status}: ${v.problem}`).join('\n  ');
      c.violations.length = 0;
      throw new Error(`responses the served OpenAPI document does not describe:\n  ${list}`);
    }
  }

  check(method: string, url: string, status: number, headers: Headers, body: unknown, text: string): void {
    if (!this.api) return;
    const u = new URL(url, 'http://x');
    // The document itself, its page, and the operators' probes (health.ts: not part of the domain API, README) are not in it.
    if (u.pathname === '/openapi.json' || u.pathname.startsWith('/docs')) return;
    if (u.pathname === '/health/live' || u.pathname === '/health/ready') {
      if (status !== 200 && status !== 503 && status !== 405) this.violations.push({ request: `${method} ${u.pathname}`, status, problem: 'a probe answers 200, 503 or 405' });
      return;
    }
    this.checked++;
    const where = `${method} ${u.pathname}${u.search}`;
    const fail = (problem: string): void => {
      this.violations.push({ request: where, status, problem });
    };
    const operation = this.api.matchOperation({ method: method.toLowerCase(), path: u.pathname, query: u.search.slice(1), headers: {} });
    const type = (headers.get('content-type') ?? '').split(';')[0].trim();
    if (!operation) {
      if (![204, 403, 404, 405, 401].includes(status)) fail(`no operation describes it, and ${status} is not one of the facade's answers outside the document`);
      if (status >= 400 && type !== 'application/problem+json') fail(`answered ${type || 'no content type'}, not problem+json`);
      return;
    }
    const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>;
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!declared) return fail(`status ${status} is not declared for ${operation.operationId}`);
    if (method === 'HEAD' || status === 204 || status === 304) return;
    if (!text) {
      if (declared.content && Object.keys(declared.content).length) fail(`an empty body where ${Object.keys(declared.content).join(', ')} is declared`);
      return;
    }
    if (!declared.content || !declared.content[type]) return fail(`content type '${type}' is not declared for ${status} of ${operation.operationId}`);
    const result = this.api.validateResponse(body, operation, status);
    if (result.errors?.length) fail(`body: ${result.errors.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  }
}
