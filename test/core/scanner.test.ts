import { strict as assert } from 'node:assert';
import { descendants, scanXml, attrValue } from '../../server/src/core/xml/scanner';
import { LineIndex } from '../../server/src/core/xml/positions';
import { marked } from '../helpers';

function errorsAt(src: string) {
  const { text, spans } = marked(src);
  const doc = scanXml(text);
  return { doc, spans, errors: doc.errors };
}

describe('XML scanner', () => {
  it('reads elements, attributes and namespaces of a well-formed file without errors', () => {
    const doc = scanXml('<?xml version="1.0"?>\n<a:root xmlns:a="urn:a" x="1"><a:child y=\'2 &amp; 3\'/><plain/></a:root>');
    assert.deepEqual(doc.errors, []);
    assert.equal(doc.root!.local, 'root');
    assert.equal(doc.root!.uri, 'urn:a');
    const [child, plain] = doc.root!.children;
    assert.equal(attrValue(child, 'y'), '2 & 3');
    assert.equal(child.uri, 'urn:a');
    assert.equal(plain.uri, '');
  });

  it('gives attribute value offsets between the quotes', () => {
    const { text, spans } = marked('<r><linkedResource name="⟪Decision⟫"/></r>');
    const doc = scanXml(text);
    const a = doc.root!.children[0].attributes[0];
    assert.deepEqual({ start: a.valueStart, end: a.valueEnd }, spans[0]);
  });

  it('reports an unclosed element at its name and still reads what follows', () => {
    const { errors, spans, doc } = errorsAt('<r>\n  <⟪task⟫ id="a">\n  <other id="b"/>\n</r>');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /<task> is not closed/);
    assert.deepEqual({ start: errors[0].start, end: errors[0].end }, spans[0]);
    const ids = [...descendants(doc.root!)].map((e) => attrValue(e, 'id')).filter(Boolean);
    assert.deepEqual(ids, ['a', 'b']);
  });

  it('reports an unexpected end tag at its name', () => {
    const { errors, spans } = errorsAt('<r><a></a></⟪b⟫></r>');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /Unexpected end tag <\/b>/);
    assert.deepEqual({ start: errors[0].start, end: errors[0].end }, spans[0]);
  });

  it('recovers from a half-typed attribute value and keeps the element', () => {
    const { text } = marked('<r>\n<linkedResource name="Decis\n<x id="after"/>\n</r>');
    const doc = scanXml(text);
    assert.ok(doc.errors.some((e) => /not closed with "/.test(e.message)));
    const lr = doc.root!.children[0];
    assert.equal(attrValue(lr, 'name'), 'Decis');
    assert.ok([...descendants(doc.root!)].some((e) => attrValue(e, 'id') === 'after'));
  });

  it('reports a repeated attribute at the second name', () => {
    const { errors, spans } = errorsAt('<r id="a" ⟪id⟫="b"/>');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /repeated/);
    assert.deepEqual({ start: errors[0].start, end: errors[0].end }, spans[0]);
  });

  it('reports a bare & and an undefined entity, accepts declared ones', () => {
    assert.equal(scanXml('<r>a &amp; b &#x41; &#65;</r>').errors.length, 0);
    const bare = errorsAt('<r>a ⟪&⟫ b</r>');
    assert.deepEqual({ start: bare.errors[0].start, end: bare.errors[0].end }, bare.spans[0]);
    const undef = errorsAt('<r>⟪&nbsp;⟫</r>');
    assert.match(undef.errors[0].message, /Undefined entity/);
    assert.deepEqual({ start: undef.errors[0].start, end: undef.errors[0].end }, undef.spans[0]);
    assert.equal(scanXml('<!DOCTYPE r [<!ENTITY nbsp "&#160;">]><r>&nbsp;</r>').errors.length, 0);
  });

  it('reports text after the root, a second root, and a misplaced XML declaration', () => {
    assert.match(scanXml('<r/>junk').errors[0].message, /Text after the root/);
    assert.match(scanXml('<r/><s/>').errors[0].message, /one root/);
    assert.match(scanXml('\n<?xml version="1.0"?><r/>').errors[0].message, /XML declaration/);
  });

  it('reports every element left open by a truncated file, innermost first', () => {
    const doc = scanXml('<a><b><c attr="1">');
    assert.deepEqual(doc.errors.map((e) => e.message), ['Element <c> is not closed', 'Element <b> is not closed', 'Element <a> is not closed']);
  });

  it('reports an empty file as having no root element', () => {
    assert.match(scanXml('').errors[0].message, /no root element/);
  });

  it('does not expand entities: a billion-laughs DOCTYPE costs nothing', () => {
    let dtd = '<!DOCTYPE r [<!ENTITY a0 "lol">';
    for (let i = 1; i < 10; i++) dtd += `<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`;
    dtd += ']>';
    const doc = scanXml(`${dtd}<r>&a9;</r>`);
    assert.deepEqual(doc.errors, []);
    assert.equal(doc.root!.local, 'r');
  });

  it('handles 10,000-deep nesting without recursion', () => {
    const depth = 10000;
    const text = '<e>'.repeat(depth) + '</e>'.repeat(depth);
    const doc = scanXml(text);
    assert.deepEqual(doc.errors, []);
    let n = 0;
    for (const _ of descendants(doc.root!)) n++;
    assert.equal(n, depth);
  });

  it('marks undeclared prefixes as namespace errors, not syntax errors', () => {
    const doc = scanXml('<r xmlns="urn:x"><bpmn:task/></r>');
    assert.deepEqual(doc.errors, []);
    assert.equal(doc.namespaceErrors.length, 1);
    assert.match(doc.namespaceErrors[0].message, /'bpmn' is not declared/);
  });

  it('survives random garbage', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = '<>/="\'!?&;[]- abcxmlns:';
    for (let i = 0; i < 300; i++) {
      let s = '';
      for (let j = 0; j < 200; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const doc = scanXml(s);
      for (const e of doc.errors) assert.ok(e.start >= 0 && e.end <= s.length + 1 && e.start < e.end);
    }
  });
});

describe('LineIndex', () => {
  it('maps offsets to LSP positions over \\n, \\r\\n and \\r line ends, in UTF-16 units', () => {
    const text = 'ab\r\ncd\ref\n😀x';
    const idx = new LineIndex(text);
    assert.deepEqual(idx.position(text.indexOf('c')), { line: 1, character: 0 });
    assert.deepEqual(idx.position(text.indexOf('e')), { line: 2, character: 0 });
    assert.deepEqual(idx.position(text.indexOf('x')), { line: 3, character: 2 });
    assert.equal(idx.offset({ line: 3, character: 2 }), text.indexOf('x'));
  });
});
