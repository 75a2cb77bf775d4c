/**
 * JUEL (`${…}` / `#{…}`, as Camunda 7, Operaton, CIB seven, Flowable and Activiti write conditions) on
 * top of jexl, a maintained sandboxed expression library: a small parser reads JUEL's grammar (operator
 * words `and or not eq ne lt gt le ge div mod empty`, method calls) and emits a jexl program in which
 * every variable read, member access and method call is a whitelisted function. jexl evaluates it; no
 * `eval`, no `new Function`, no access to prototypes. What the parser does not know is an
 * ExpressionError, never a guess.
 */
import { Jexl } from 'jexl';
import { ExpressionError, MissingVariables, type Variables } from './types';

type Tok = { t: 'num' | 'str' | 'id' | 'op'; v: string; at: number };

const WORD_OPS: Record<string, string> = { and: '&&', or: '||', not: '!', eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', div: '/', mod: '%' };
const PUNCT = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '(', ')', '[', ']', '.', ','];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        v += src[j++];
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string at ${i + 1}`);
      out.push({ t: 'str', v, at: i });
      i = j + 1;
      continue;
    }
    const num = /^(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
    if (id) {
      const w = id[0];
      const prevDot = out.length > 0 && out[out.length - 1].v === '.' && out[out.length - 1].t === 'op';
      if (!prevDot && w in WORD_OPS) out.push({ t: 'op', v: WORD_OPS[w], at: i });
      else if (!prevDot && w === 'empty') out.push({ t: 'op', v: 'empty', at: i });
      else out.push({ t: 'id', v: w, at: i });
      i += w.length;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (!p) throw new ExpressionError(`unexpected '${c}' at ${i + 1}`);
    out.push({ t: 'op', v: p === '===' ? '==' : p === '!==' ? '!=' : p, at: i });
    i += p.length;
  }
  return out;
}

const BINARY: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

/** The parsed expression as a jexl program, plus the root variables it reads. */
interface CompiledJuel {
  program: string;
  roots: Set<string>;
}

function compileJuel(src: string): CompiledJuel {
  return new JuelParser(tokenize(src)).parse();
}

/** Recursive descent over the tokens, one method per precedence level, writing the jexl program. */
class JuelParser {
  private k = 0;
  private readonly roots = new Set<string>();

  constructor(private readonly toks: ReturnType<typeof tokenize>) {}

  parse(): CompiledJuel {
    if (this.toks.length === 0) throw new ExpressionError('the expression is empty');
    const program = this.ternary();
    const rest = this.toks[this.k];
    if (rest) throw new ExpressionError(`unexpected '${rest.v}' at ${rest.at + 1}`);
    return { program, roots: this.roots };
  }

  private peek() {
    return this.toks[this.k];
  }

  private isOp(v: string): boolean {
    const t = this.toks[this.k];
    return t?.t === 'op' && t.v === v;
  }

  private expect(v: string): void {
    const t = this.toks[this.k];
    if (!this.isOp(v)) throw new ExpressionError(`expected '${v}' ${t ? `at ${t.at + 1}` : 'at the end'}`);
    this.k++;
  }

  /** `open` item (, item)* `close`, the opening token already current */
  private list(open: string, close: string): string[] {
    this.expect(open);
    const items: string[] = [];
    if (!this.isOp(close)) {
      items.push(this.ternary());
      while (this.isOp(',')) {
        this.k++;
        items.push(this.ternary());
      }
    }
    this.expect(close);
    return items;
  }

  private primary(): string {
    const t = this.peek();
    if (!t) throw new ExpressionError('the expression ends too early');
    if (t.t === 'op' && t.v === '[') return `[${this.list('[', ']').join(',')}]`;
    this.k++;
    if (t.t === 'num') return t.v;
    if (t.t === 'str') return JSON.stringify(t.v);
    if (t.t === 'id') return this.identifier(t.v);
    if (t.v === '(') {
      const e = this.ternary();
      this.expect(')');
      return `(${e})`;
    }
    throw new ExpressionError(`unexpected '${t.v}' at ${t.at + 1}`);
  }

  /** A literal word, a function call, or a variable (whose name is a root the expression reads). */
  private identifier(name: string): string {
    if (name === 'true' || name === 'false' || name === 'null') return name;
    if (this.isOp('(')) {
      const a = this.list('(', ')');
      if (!(name in FUNCTIONS)) throw new ExpressionError(`function '${name}' is not supported`);
      return `${name}(${a.join(',')})`;
    }
    this.roots.add(name);
    return `__var(${JSON.stringify(name)})`;
  }

  private postfix(): string {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.k++;
        const name = this.peek();
        if (!name || name.t !== 'id') throw new ExpressionError(`a property name must follow '.'${name ? ` at ${name.at + 1}` : ''}`);
        this.k++;
        if (this.isOp('(')) e = `__call(${[e, JSON.stringify(name.v), ...this.list('(', ')')].join(',')})`;
        else e = `__get(${e},${JSON.stringify(name.v)})`;
      } else if (this.isOp('[')) {
        this.k++;
        const idx = this.ternary();
        this.expect(']');
        e = `__get(${e},${idx})`;
      } else return e;
    }
  }

  private unary(): string {
    for (const [op, wrap] of UNARY) {
      if (!this.isOp(op)) continue;
      this.k++;
      return wrap(this.unary());
    }
    return this.postfix();
  }

  private binary(minPrec: number): string {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const prec = t && t.t === 'op' ? BINARY[t.v] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.k++;
      const right = this.binary(prec + 1);
      if (t.v === '==') left = `__eq(${left},${right})`;
      else if (t.v === '!=') left = `!__eq(${left},${right})`;
      else if (t.v === '+' || t.v === '-' || t.v === '*' || t.v === '/' || t.v === '%') left = `__num(${left})${t.v}__num(${right})`;
      else left = `(${left})${t.v}(${right})`;
    }
  }

  private ternary(): string {
    const cond = this.binary(1);
    if (!this.isOp('?')) return cond;
    this.k++;
    const a = this.ternary();
    this.expect(':');
    const b = this.ternary();
    return `(${cond})?(${a}):(${b})`;
  }
}

/** Prefix operators and the jexl they become. */
const UNARY: Array<[string, (e: string) => string]> = [
  ['!', (e) => `!(${e})`],
  ['-', (e) => `(0-(${e}))`],
  ['empty', (e) => `__empty(${e})`],
];

/** A Spin-like wrapper, so `S(customer).prop("name").stringValue()` reads JSON variables as on Camunda. */
class SpinValue {
  constructor(readonly value: unknown) {}
}

const FUNCTIONS: Record<string, (...a: unknown[]) => unknown> = {
  S: (v: unknown) => new SpinValue(typeof v === 'string' ? safeJson(v) : v),
  JSON: (v: unknown) => new SpinValue(typeof v === 'string' ? safeJson(v) : v),
};

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new ExpressionError('S(…) was given a string that is not JSON');
  }
}

function own(obj: unknown, key: unknown): unknown {
  if (obj instanceof SpinValue) obj = obj.value;
  if (obj === null || obj === undefined) throw new ExpressionError(`cannot read '${String(key)}' of ${obj}`);
  if (obj instanceof Map) return obj.get(key);
  if (typeof obj !== 'object' && typeof obj !== 'string') return undefined;
  const k = typeof key === 'number' ? key : String(key);
  return Object.prototype.hasOwnProperty.call(obj, k) ? (obj as Record<string | number, unknown>)[k] : undefined;
}

function juelEquals(a: unknown, b: unknown): boolean {
  if (a instanceof SpinValue) a = a.value;
  if (b instanceof SpinValue) b = b.value;
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  // JUEL coerces: a boolean against a string compares as booleans, a number against a string as numbers.
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return typeof a === 'object' ? JSON.stringify(a) === JSON.stringify(b) : false;
}

function juelEmpty(v: unknown): boolean {
  if (v instanceof SpinValue) v = v.value;
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function toNumber(v: unknown): number {
  if (v instanceof SpinValue) v = v.value;
  if (v === null || v === undefined || v === '') return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(n)) throw new ExpressionError(`'${String(v)}' is not a number`);
  return n;
}

/** A method a receiver type does not have (each table answers it, then the next is asked). */
const NONE = Symbol('no such method');

/** Java-like methods that process models call on variables; anything else is refused. */
function callMethod(vars: Variables, target: unknown, name: string, ...a: unknown[]): unknown {
  if (target instanceof ExecutionFacade) return target.call(vars, name, a);
  let r: unknown = NONE;
  if (target instanceof SpinValue) r = spinMethod(target.value, name, a);
  else if (typeof target === 'string') r = stringMethod(target, name, a);
  else if (Array.isArray(target)) r = listMethod(target, name, a);
  else if (target !== null && typeof target === 'object') r = mapMethod(target, name, a);
  else if ((typeof target === 'number' || typeof target === 'boolean') && name === 'toString') r = String(target);
  if (r !== NONE) return r;
  if (name === 'equals') return typeof target === 'number' || typeof target === 'boolean' ? target === a[0] : juelEquals(target, a[0]);
  throw new ExpressionError(`method '${name}' is not supported on ${target === null ? 'null' : typeof target}`);
}

function spinMethod(v: unknown, name: string, a: unknown[]): unknown {
  switch (name) {
    case 'prop':
      return new SpinValue(own(v, a[0]));
    case 'hasProp':
      return own(v, a[0]) !== undefined;
    case 'stringValue':
    case 'numberValue':
    case 'boolValue':
    case 'value':
      return v;
    case 'elements':
      return Array.isArray(v) ? v.map((x) => new SpinValue(x)) : [];
    case 'toString':
      return JSON.stringify(v);
  }
  return NONE;
}

function stringMethod(s: string, name: string, a: unknown[]): unknown {
  switch (name) {
    case 'equals':
      return s === a[0];
    case 'equalsIgnoreCase':
      return typeof a[0] === 'string' && s.toLowerCase() === a[0].toLowerCase();
    case 'contains':
      return s.includes(String(a[0]));
    case 'startsWith':
      return s.startsWith(String(a[0]));
    case 'endsWith':
      return s.endsWith(String(a[0]));
    case 'isEmpty':
      return s.length === 0;
    case 'length':
      return s.length;
    case 'toUpperCase':
      return s.toUpperCase();
    case 'toLowerCase':
      return s.toLowerCase();
    case 'trim':
      return s.trim();
    case 'substring':
      return s.substring(toNumber(a[0]), a[1] === undefined ? undefined : toNumber(a[1]));
    case 'indexOf':
      return s.indexOf(String(a[0]));
    case 'split':
      // Java's String.split takes a regular expression; the literal separator is what models use. It gives
      // a Java array, not a java.util.Collection: marked, so where Camunda wants a Collection it is refused.
      return javaArray(s.split(String(a[0])).filter((x, i, all) => x !== '' || i < all.length - 1));
  }
  return NONE;
}

function listMethod(list: unknown[], name: string, a: unknown[]): unknown {
  switch (name) {
    case 'size':
      return list.length;
    case 'isEmpty':
      return list.length === 0;
    case 'contains':
      return list.some((x) => juelEquals(x, a[0]));
    case 'get':
      return list[toNumber(a[0])];
  }
  return NONE;
}

function mapMethod(map: object, name: string, a: unknown[]): unknown {
  switch (name) {
    case 'get':
      return own(map, a[0]);
    case 'containsKey':
      return own(map, a[0]) !== undefined;
    case 'size':
      return Object.keys(map).length;
    case 'isEmpty':
      return Object.keys(map).length === 0;
  }
  return NONE;
}

/** `execution` in JUEL: the variables of the scope, as Camunda's DelegateExecution offers them. */
const JAVA_ARRAYS = new WeakSet<unknown[]>();

function javaArray(items: unknown[]): unknown[] {
  JAVA_ARRAYS.add(items);
  return items;
}

/** Whether a value is what Camunda's JUEL would give as a Java array (String.split), not a java.util.Collection. */
export function isJavaArray(value: unknown): boolean {
  return Array.isArray(value) && JAVA_ARRAYS.has(value);
}

export class ExecutionFacade {
  constructor(readonly businessKey: string | undefined) {}
  call(vars: Variables, name: string, a: unknown[]): unknown {
    switch (name) {
      case 'getVariable':
      case 'getVariableLocal':
        return vars[String(a[0])] ?? null;
      case 'hasVariable':
      case 'hasVariableLocal':
        return String(a[0]) in vars;
      case 'getProcessBusinessKey':
      case 'getBusinessKey':
        return this.businessKey ?? null;
    }
    throw new ExpressionError(`execution.${name}() is not supported`);
  }
}

// One jexl instance; its functions read the variables of the evaluation under way (evaluation is
// synchronous, so one slot is enough) and each text is compiled once.
let current: Variables = {};
const JEXL = new Jexl();
JEXL.addFunction('__var', (n: string) => current[n]);
JEXL.addFunction('__get', own);
JEXL.addFunction('__call', (t: unknown, n: string, ...a: unknown[]) => callMethod(current, t, n, ...a));
JEXL.addFunction('__eq', juelEquals);
JEXL.addFunction('__empty', juelEmpty);
JEXL.addFunction('__num', toNumber);
for (const [n, f] of Object.entries(FUNCTIONS)) JEXL.addFunction(n, f);

const cache = new Map<string, { roots: Set<string>; expr: ReturnType<Jexl['compile']> }>();

/**
 * Evaluates one JUEL expression body (without `${`/`}`) against the variables. An identifier that names
 * no variable is an error, as JUEL's "Cannot resolve identifier".
 */
export function evaluateJuel(body: string, vars: Variables, partial = false): unknown {
  let entry = cache.get(body);
  if (!entry) {
    const compiled = compileJuel(body);
    entry = { roots: compiled.roots, expr: JEXL.compile(compiled.program) };
    if (cache.size > 2000) cache.clear();
    cache.set(body, entry);
  }
  const unknown = [...entry.roots].filter((r) => !(r in vars));
  if (unknown.length && partial) throw new MissingVariables(unknown);
  if (unknown.length) throw new ExpressionError(`Cannot resolve identifier '${unknown[0]}'`);
  const saved = current;
  current = vars;
  try {
    return unwrap(entry.expr.evalSync({}));
  } catch (e) {
    if (e instanceof ExpressionError) throw e;
    throw new ExpressionError((e as Error).message);
  } finally {
    current = saved;
  }
}

function unwrap(v: unknown): unknown {
  return v instanceof SpinValue ? v.value : v;
}
