/**
 * Error-tolerant XML scanner with exact offsets.
 *
 * Why our own: the editor path needs (a) every element and attribute with its exact source offsets,
 * (b) a usable tree from half-typed or truncated text, and (c) speed on every keystroke for 1 MB files.
 * saxes and fast-xml-parser stop or lose positions on the first error, bpmn-moddle has no positions,
 * and @xml-tools/parser is tolerant but ~10x too slow (see `npm run bench`). This scanner jumps with
 * indexOf between markup, builds a light tree, resolves namespaces and records well-formedness errors
 * with exact ranges, recovering locally so the rest of the file is still read.
 *
 * Entities are never expanded (only recognised), so a DOCTYPE with entity bombs costs nothing.
 */

export interface XmlAttribute {
  /** qualified name as written, e.g. `xmi:id` */
  readonly name: string;
  /** raw value between the quotes, entities not decoded */
  readonly raw: string;
  readonly nameStart: number;
  /** offset just after the opening quote (value start) */
  readonly valueStart: number;
  /** offset of the closing quote (value end, exclusive) */
  readonly valueEnd: number;
}

/** The value is sliced from the text when asked for: most attribute values are never read, and a string per value is the largest allocation of a scan. */
class Attribute implements XmlAttribute {
  constructor(
    private readonly src: string,
    readonly name: string,
    readonly nameStart: number,
    readonly valueStart: number,
    readonly valueEnd: number,
  ) {}

  get raw(): string {
    return this.src.slice(this.valueStart, this.valueEnd);
  }
}

export interface XmlElement {
  /** qualified name as written */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** namespace URI the prefix resolves to ('' when none, undefined when the prefix is undeclared) */
  uri: string | undefined;
  /** offset of `<` */
  readonly start: number;
  /** offset just after the start tag's `>` (or where the broken tag was cut) */
  startTagEnd: number;
  /** offset just after the end tag (or the start tag when self-closing / unclosed) */
  end: number;
  /** offset where the element's content ends (start of its end tag) */
  contentEnd: number;
  readonly attributes: XmlAttribute[];
  /** shared empty array until the first child (saves an allocation per leaf) */
  children: readonly XmlElement[];
  readonly parent: XmlElement | undefined;
  /** namespace declarations in scope (own map only when the element declares some) */
  ns: NamespaceScope;
  closed: boolean;
}

export interface NamespaceScope {
  readonly map: ReadonlyMap<string, string>;
  readonly parent: NamespaceScope | undefined;
}

export interface XmlProblem {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

export interface XmlDocument {
  readonly text: string;
  readonly root: XmlElement | undefined;
  /** well-formedness errors */
  readonly errors: XmlProblem[];
  /** namespace errors (undeclared prefixes): the XML is well-formed, but not namespace-well-formed */
  readonly namespaceErrors: XmlProblem[];
  /** encoding named in the XML declaration, if any */
  readonly declaredEncoding: string | undefined;
  /** entity names declared in an internal DTD subset */
  readonly declaredEntities: ReadonlySet<string>;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const PREDEFINED_ENTITIES = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);
const ROOT_SCOPE: NamespaceScope = { map: new Map([['xml', XML_NS]]), parent: undefined };

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** Characters that end a name. Everything else is accepted in names (validated separately). */
function isNameEnd(c: number): boolean {
  return (
    c === 32 || c === 10 || c === 9 || c === 13 || c === 62 /* > */ || c === 47 /* / */ || c === 61 /* = */ ||
    c === 60 /* < */ || c === 34 /* " */ || c === 39 /* ' */ || Number.isNaN(c)
  );
}

function isNameStartChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 /* _ */ || c === 58 /* : */ || c >= 0xc0
  );
}

export function lookupNamespace(scope: NamespaceScope, prefix: string): string | undefined {
  for (let s: NamespaceScope | undefined = scope; s; s = s.parent) {
    const uri = s.map.get(prefix);
    if (uri !== undefined) return uri;
  }
  return prefix === '' ? '' : undefined;
}

class Scanner {
  private pos = 0;
  private readonly len: number;
  readonly errors: XmlProblem[] = [];
  readonly namespaceErrors: XmlProblem[] = [];
  private readonly stack: XmlElement[] = [];
  root: XmlElement | undefined;
  declaredEncoding: string | undefined;
  readonly declaredEntities = new Set<string>();
  private sawMarkupBeforeDecl = false;
  /** next '&' at or after the last query (offsets only grow, so this keeps entity checks linear) */
  private nextAmp = -1;
  /** names seen so far, by length and first character: element and attribute names repeat a lot */
  private readonly names = new Map<number, string[]>();
  /** prefix and local part of each qualified name seen */
  private readonly parts = new Map<string, [string, string]>();

  /** The name in [start, end) as a shared string: a hit allocates nothing (most names of a file repeat). */
  private intern(start: number, end: number): string {
    const s = this.s;
    const len = end - start;
    if (len > 64) return s.slice(start, end);
    const key = len * 65536 + s.charCodeAt(start);
    let bucket = this.names.get(key);
    if (bucket) {
      for (let i = 0; i < bucket.length; i++) if (s.startsWith(bucket[i], start)) return bucket[i];
    } else this.names.set(key, (bucket = []));
    const name = s.slice(start, end);
    if (bucket.length < 32) bucket.push(name);
    return name;
  }

  private split(name: string): [string, string] {
    let p = this.parts.get(name);
    if (!p) {
      const colon = name.indexOf(':');
      p = colon < 0 ? ['', name] : [name.slice(0, colon), name.slice(colon + 1)];
      if (this.parts.size < 4096) this.parts.set(name, p);
    }
    return p;
  }

  constructor(private readonly s: string) {
    this.len = s.length;
  }

  private error(message: string, start: number, end: number): void {
    // A truncated or garbled file can produce thousands of errors; the first ones are the useful ones.
    if (this.errors.length < 200) this.errors.push({ message, start, end: Math.max(end, start + 1) });
  }

  run(): void {
    const s = this.s;
    if (s.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < this.len) {
      const lt = s.indexOf('<', this.pos);
      const textEnd = lt < 0 ? this.len : lt;
      if (textEnd > this.pos) this.text(this.pos, textEnd);
      if (lt < 0) break;
      const next = s.charCodeAt(lt + 1);
      if (next === 47 /* / */) this.endTag(lt);
      else if (next === 33 /* ! */) this.bang(lt);
      else if (next === 63 /* ? */) this.processingInstruction(lt);
      else this.startTag(lt);
    }
    this.finish();
  }

  private text(from: number, to: number): void {
    const s = this.s;
    if (this.stack.length === 0) {
      for (let i = from; i < to; i++) {
        if (!isSpace(s.charCodeAt(i))) {
          let j = i;
          while (j < to && s.charCodeAt(j) !== 10) j++;
          this.error(
            this.root ? 'Text after the root element is not allowed' : 'Text before the root element is not allowed',
            i,
            j,
          );
          this.sawMarkupBeforeDecl = true;
          return;
        }
      }
      return;
    }
    this.checkEntities(from, to);
  }

  /** Validates `&...;` references in [from, to). */
  private checkEntities(from: number, to: number): void {
    const s = this.s;
    if (this.nextAmp < from) {
      const found = s.indexOf('&', from);
      this.nextAmp = found < 0 ? Infinity : found;
    }
    if (this.nextAmp >= to) return;
    let amp = this.nextAmp;
    while (amp >= 0 && amp < to) {
      const semi = s.indexOf(';', amp + 1);
      let ok = false;
      if (semi > amp + 1 && semi < to && semi - amp <= 64) {
        const ref = s.slice(amp + 1, semi);
        if (ref.charCodeAt(0) === 35 /* # */) {
          ok = /^#(?:[0-9]+|x[0-9a-fA-F]+)$/.test(ref);
        } else {
          ok = /^[A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7-\uFFFF]*$/.test(ref);
          if (ok && !PREDEFINED_ENTITIES.has(ref) && !this.declaredEntities.has(ref)) {
            this.error(`Undefined entity '&${ref};'`, amp, semi + 1);
          }
        }
      }
      if (!ok) this.error("'&' must start an entity reference such as '&amp;'", amp, amp + 1);
      amp = s.indexOf('&', amp + 1);
      this.nextAmp = amp < 0 ? Infinity : amp;
    }
  }

  private readName(from: number): number {
    const s = this.s;
    let i = from;
    while (i < this.len && !isNameEnd(s.charCodeAt(i))) i++;
    return i;
  }

  private skipSpace(from: number): number {
    const s = this.s;
    let i = from;
    while (i < this.len && isSpace(s.charCodeAt(i))) i++;
    return i;
  }

  /**
   * One start tag with its attributes, namespace declarations and errors. Kept as one function on purpose:
   * it is the scanner's inner loop (every tag of the file on every keystroke, 1 MB files in ~25 ms) and its
   * attribute loop shares the tag's positions, name and error state; split, each piece would pass or
   * re-derive them per attribute.
   */
  private startTag(lt: number): void {
    const s = this.s;
    const nameStart = lt + 1;
    const nameEnd = this.readName(nameStart);
    if (nameEnd === nameStart || !isNameStartChar(s.charCodeAt(nameStart))) {
      this.error("'<' must start a tag; write '&lt;' for a literal '<'", lt, Math.max(nameEnd, lt + 1));
      this.pos = lt + 1;
      return;
    }
    if (this.stack.length === 0 && this.root) {
      this.error('Only one root element is allowed', lt, nameEnd);
    }
    this.sawMarkupBeforeDecl = true;
    const name = this.intern(nameStart, nameEnd);
    const attributes: XmlAttribute[] = [];
    let i = nameEnd;
    let selfClosing = false;
    let tagEnd = -1;
    for (;;) {
      const afterSpace = this.skipSpace(i);
      const hadSpace = afterSpace > i;
      i = afterSpace;
      if (i >= this.len) {
        this.error(`Start tag <${name}> is not closed with '>'`, lt, nameEnd);
        tagEnd = this.len;
        break;
      }
      const c = s.charCodeAt(i);
      if (c === 62 /* > */) {
        tagEnd = i + 1;
        break;
      }
      if (c === 47 /* / */) {
        if (s.charCodeAt(i + 1) === 62) {
          selfClosing = true;
          tagEnd = i + 2;
          break;
        }
        this.error("Expected '>' after '/'", i, i + 1);
        i++;
        continue;
      }
      if (c === 60 /* < */) {
        // The tag was never closed (half-typed): end it here and let the next tag be read.
        this.error(`Start tag <${name}> is not closed with '>'`, lt, nameEnd);
        tagEnd = i;
        selfClosing = true;
        break;
      }
      const attrStart = i;
      const attrNameEnd = this.readName(i);
      if (attrNameEnd === attrStart) {
        this.error(`Unexpected character '${s[i]}' in start tag <${name}>`, i, i + 1);
        i++;
        continue;
      }
      if (!hadSpace) this.error('Attributes must be separated by white space', attrStart, attrNameEnd);
      const attrName = this.intern(attrStart, attrNameEnd);
      if (!isNameStartChar(s.charCodeAt(attrStart))) {
        this.error(`'${attrName}' is not a valid attribute name`, attrStart, attrNameEnd);
      }
      i = this.skipSpace(attrNameEnd);
      if (s.charCodeAt(i) !== 61 /* = */) {
        this.error(`Attribute '${attrName}' has no value (expected '=')`, attrStart, attrNameEnd);
        continue;
      }
      i = this.skipSpace(i + 1);
      const q = s.charCodeAt(i);
      if (q !== 34 && q !== 39) {
        this.error(`The value of attribute '${attrName}' must be quoted`, attrStart, Math.max(i, attrNameEnd));
        // Recover: take an unquoted token as the value.
        const vEnd = this.readName(i);
        attributes.push(new Attribute(s, attrName, attrStart, i, vEnd));
        i = vEnd;
        continue;
      }
      const valueStart = i + 1;
      let close = s.indexOf(q === 34 ? '"' : "'", valueStart);
      const lt2 = s.indexOf('<', valueStart);
      if (close < 0 || (lt2 >= 0 && lt2 < close)) {
        // Unterminated value (e.g. half-typed `name="Decis`): end it at the line end, '>' or '<'.
        let j = valueStart;
        while (j < this.len) {
          const cj = s.charCodeAt(j);
          if (cj === 10 || cj === 13 || cj === 60 || cj === 62 || (cj === 47 && s.charCodeAt(j + 1) === 62)) break;
          j++;
        }
        this.error(`The value of attribute '${attrName}' is not closed with ${q === 34 ? '"' : "'"}`, attrStart, j);
        attributes.push(new Attribute(s, attrName, attrStart, valueStart, j));
        i = j;
        continue;
      }
      this.checkEntities(valueStart, close);
      // Elements have few attributes: a linear scan beats allocating a Set per element.
      for (let k = 0; k < attributes.length; k++) {
        if (attributes[k].name === attrName) {
          this.error(`Attribute '${attrName}' is repeated`, attrStart, attrNameEnd);
          break;
        }
      }
      attributes.push(new Attribute(s, attrName, attrStart, valueStart, close));
      i = close + 1;
    }
    const parent = this.stack.length > 0 ? this.stack[this.stack.length - 1] : undefined;
    const [prefix, local] = this.split(name);
    let ns = parent ? parent.ns : ROOT_SCOPE;
    for (let k = 0; k < attributes.length; k++) {
      const a = attributes[k];
      if (a.name.charCodeAt(0) === 120 /* x */ && (a.name === 'xmlns' || a.name.startsWith('xmlns:'))) {
        if (ns === (parent ? parent.ns : ROOT_SCOPE)) ns = { map: new Map(), parent: ns };
        (ns.map as Map<string, string>).set(a.name === 'xmlns' ? '' : a.name.slice(6), decodeEntities(a.raw));
      }
    }
    const uri = lookupNamespace(ns, prefix);
    if (uri === undefined) {
      this.namespaceErrors.push({ message: `Namespace prefix '${prefix}' is not declared`, start: nameStart, end: nameEnd });
    }
    const element: XmlElement = {
      name,
      prefix,
      local,
      uri,
      start: lt,
      startTagEnd: tagEnd,
      end: tagEnd,
      contentEnd: tagEnd,
      attributes,
      children: NO_CHILDREN,
      parent,
      ns,
      closed: selfClosing,
    };
    if (parent) {
      if (parent.children === NO_CHILDREN) parent.children = [element];
      else (parent.children as XmlElement[]).push(element);
    }
    else if (!this.root) this.root = element;
    if (!selfClosing) this.stack.push(element);
    this.pos = tagEnd;
  }

  private endTag(lt: number): void {
    const s = this.s;
    const nameStart = lt + 2;
    const nameEnd = this.readName(nameStart);
    const stack = this.stack;
    const top = stack.length - 1;
    // The common case, the end tag of the open element, is compared in place (no string allocated).
    const topName = top >= 0 ? stack[top].name : undefined;
    const name = topName !== undefined && topName.length === nameEnd - nameStart && s.startsWith(topName, nameStart) ? topName : s.slice(nameStart, nameEnd);
    let i = this.skipSpace(nameEnd);
    let tagEnd: number;
    if (s.charCodeAt(i) === 62) {
      tagEnd = i + 1;
    } else {
      this.error(`End tag </${name}> is not closed with '>'`, lt, Math.max(nameEnd, lt + 2));
      const gt = s.indexOf('>', i);
      const nextLt = s.indexOf('<', i);
      tagEnd = gt >= 0 && (nextLt < 0 || gt < nextLt) ? gt + 1 : nextLt >= 0 ? nextLt : this.len;
    }
    this.pos = tagEnd;
    if (name === '') {
      this.error("Expected an element name after '</'", lt, lt + 2);
      return;
    }
    if (name === topName) {
      this.close(stack.pop()!, lt, tagEnd);
      return;
    }
    let match = -1;
    for (let k = top - 1; k >= 0; k--) {
      if (stack[k].name === name) {
        match = k;
        break;
      }
    }
    if (match < 0) {
      this.error(
        top >= 0 ? `Unexpected end tag </${name}>: <${stack[top].name}> is open` : `Unexpected end tag </${name}>`,
        nameStart,
        nameEnd,
      );
      return;
    }
    // Elements left open inside the matched one: report each at its own start tag and close it here.
    while (stack.length - 1 > match) {
      const open = stack.pop()!;
      this.error(`Element <${open.name}> is not closed`, open.start + 1, open.start + 1 + open.name.length);
      this.close(open, lt, lt);
    }
    this.close(stack.pop()!, lt, tagEnd);
  }

  private close(el: XmlElement, contentEnd: number, end: number): void {
    el.contentEnd = contentEnd;
    el.end = end;
    el.closed = true;
  }

  private bang(lt: number): void {
    const s = this.s;
    this.sawMarkupBeforeDecl = true;
    if (s.startsWith('<!--', lt)) {
      const close = s.indexOf('-->', lt + 4);
      if (close < 0) {
        this.error('Comment is not closed with -->', lt, lt + 4);
        this.pos = this.len;
      } else this.pos = close + 3;
      return;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      if (this.stack.length === 0) this.error('CDATA is not allowed outside the root element', lt, lt + 9);
      const close = s.indexOf(']]>', lt + 9);
      if (close < 0) {
        this.error('CDATA section is not closed with ]]>', lt, lt + 9);
        this.pos = this.len;
      } else this.pos = close + 3;
      return;
    }
    if (s.startsWith('<!DOCTYPE', lt)) {
      this.doctype(lt);
      return;
    }
    this.error("Unexpected '<!': expected a comment, CDATA section or DOCTYPE", lt, lt + 2);
    this.pos = lt + 2;
  }

  private doctype(lt: number): void {
    const s = this.s;
    if (this.root) this.error('DOCTYPE is only allowed before the root element', lt, lt + 9);
    let i = lt + 9;
    let quote = 0;
    let depth = 0;
    for (; i < this.len; i++) {
      const c = s.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 91 /* [ */) depth++;
      else if (c === 93 /* ] */) depth--;
      else if (c === 62 /* > */ && depth <= 0) break;
    }
    const subset = s.slice(lt, i);
    const re = /<!ENTITY\s+(%\s+)?([^\s"'>]+)/g;
    for (let m = re.exec(subset); m; m = re.exec(subset)) if (!m[1]) this.declaredEntities.add(m[2]);
    if (i >= this.len) {
      this.error('DOCTYPE is not closed with >', lt, lt + 9);
      this.pos = this.len;
    } else this.pos = i + 1;
  }

  private processingInstruction(lt: number): void {
    const s = this.s;
    const close = s.indexOf('?>', lt + 2);
    const targetEnd = this.readName(lt + 2);
    const target = s.slice(lt + 2, targetEnd);
    if (close < 0) {
      this.error('Processing instruction is not closed with ?>', lt, targetEnd);
      this.pos = this.len;
      return;
    }
    if (target.toLowerCase() === 'xml') {
      const atStart = lt === 0 || (lt === 1 && s.charCodeAt(0) === 0xfeff);
      if (!atStart || this.sawMarkupBeforeDecl) {
        this.error('The XML declaration is only allowed at the very start of the file', lt, targetEnd);
      } else {
        const m = /encoding\s*=\s*["']([^"']*)["']/.exec(s.slice(lt, close));
        if (m) this.declaredEncoding = m[1];
      }
    } else if (target === '') {
      this.error("Expected a target name after '<?'", lt, lt + 2);
    }
    this.sawMarkupBeforeDecl = true;
    this.pos = close + 2;
  }

  private finish(): void {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const open = this.stack[k];
      this.error(`Element <${open.name}> is not closed`, open.start + 1, open.start + 1 + open.name.length);
      this.close(open, this.len, this.len);
    }
    this.stack.length = 0;
    if (!this.root) {
      const at = this.len > 0 ? 0 : 0;
      this.error('The file has no root element', at, at);
    }
  }
}

export function scanXml(text: string): XmlDocument {
  const scanner = new Scanner(text);
  scanner.run();
  return {
    text,
    root: scanner.root,
    errors: scanner.errors,
    namespaceErrors: scanner.namespaceErrors,
    declaredEncoding: scanner.declaredEncoding,
    declaredEntities: scanner.declaredEntities,
  };
}

const ENTITY_RE = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;

/** Decodes the five predefined entities and character references; others are left as written. */
export function decodeEntities(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(ENTITY_RE, (whole, ref: string) => {
    switch (ref) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Attribute by qualified name (as written). */
export function attr(el: XmlElement, name: string): XmlAttribute | undefined {
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) if (attrs[i].name === name) return attrs[i];
  return undefined;
}


export function attrValue(el: XmlElement, name: string): string | undefined {
  const a = attr(el, name);
  return a ? decodeEntities(a.raw) : undefined;
}


/** Text content of an element (decoded, CDATA unwrapped, comments and child markup removed). */
export function textContent(doc: XmlDocument, el: XmlElement): string {
  const raw = doc.text.slice(el.startTagEnd, el.contentEnd);
  if (raw.indexOf('<') < 0) return decodeEntities(raw);
  return decodeEntities(
    raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<[^>]*>/g, (_m, cdata: string | undefined) => cdata ?? ''),
  );
}

/** Every element below `root` (depth-first, document order), without recursion: nesting may be 10,000 deep. */
export function* descendants(root: XmlElement): Generator<XmlElement> {
  const stack: XmlElement[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    yield el;
    const ch = el.children;
    for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]);
  }
}
