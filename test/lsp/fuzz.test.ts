import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../../server/src/core/xml/positions';
import { decodeXml } from '../../server/src/core/xml/decode';
import { CORPUS, CORPUS_PRESENT, EXAMPLE, rng } from '../helpers';
import { fileUri, LspClient } from './harness';

type Edit = { start: number; end: number; text: string; kind: string };

function randomEdit(text: string, r: () => number): Edit {
  const pick = (s: string) => {
    const idx: number[] = [];
    for (let i = text.indexOf(s); i >= 0 && idx.length < 200; i = text.indexOf(s, i + 1)) idx.push(i);
    return idx.length ? idx[Math.floor(r() * idx.length)] : Math.floor(r() * text.length);
  };
  const at = Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 7)) {
    case 0:
      return { start: at, end: text.length, text: '', kind: 'truncate' };
    case 1: {
      const q = pick('"');
      return { start: q, end: Math.min(text.length, q + 1), text: '', kind: 'delete-quote' };
    }
    case 2: {
      const b = r() < 0.5 ? pick('<') : pick('>');
      return { start: b, end: Math.min(text.length, b + 1), text: '', kind: 'delete-bracket' };
    }
    case 3:
      return { start: at, end: at, text: '<', kind: 'insert-lt' };
    case 4: {
      let s = '';
      const n = 1 + Math.floor(r() * 16);
      for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 0xffff) % 0xd800);
      return { start: at, end: at, text: s, kind: 'random-bytes' };
    }
    case 5: {
      const n = pick('name="');
      return { start: n + 6, end: Math.min(text.length, n + 6 + Math.floor(r() * 10)), text: 'X'.repeat(Math.floor(r() * 4)), kind: 'retype-name' };
    }
    default: {
      const len = Math.floor(r() * 40);
      return { start: at, end: Math.min(text.length, at + len), text: '', kind: 'delete-span' };
    }
  }
}

describe('language server fuzz: random edits through the protocol', function () {
  this.timeout(240000);
  const EDITS = 2000;

  it(`${EDITS} random edits to corpus files, plus deep nesting and entity bombs: every request is answered, the server never exits`, async () => {
    const client = new LspClient();
    await client.initialize(EXAMPLE);
    const files = [
      path.join(EXAMPLE, 'application.bpmn'),
      // Real files where the shared corpus is present (CI); the example alone otherwise.
      ...(CORPUS_PRESENT ? ['miwg-ref-C.4.0.bpmn', 'camunda-examples-invoicePayment.bpmn', 'bpmnjs-kitchen-sink.bpmn'].map((f) => path.join(CORPUS, 'bpmn', f)) : []),
    ];
    const r = rng(20261121);
    const counts: Record<string, number> = {};
    let answered = 0;
    let edits = 0;
    for (let f = 0; f < files.length; f++) {
      const uri = fileUri(path.join(EXAMPLE, `fuzz-${f}.bpmn`));
      const original = decodeXml(fs.readFileSync(files[f])).text;
      let text = original;
      await client.open(uri, text);
      for (let i = 0; i < EDITS / files.length; i++) {
        if (text.length < 50 || r() < 0.02) {
          // start over from the file, sometimes
          text = original;
          await client.change(uri, text);
        }
        const e = randomEdit(text, r);
        const idx = new LineIndex(text);
        await client.change(uri, e.text, { start: idx.position(e.start), end: idx.position(e.end) });
        text = text.slice(0, e.start) + e.text + text.slice(e.end);
        counts[e.kind] = (counts[e.kind] ?? 0) + 1;
        edits++;
        const pos = new LineIndex(text).position(Math.floor(r() * (text.length + 1)));
        const method = ['textDocument/hover', 'textDocument/completion', 'textDocument/definition', 'textDocument/codeLens'][i % 4];
        await client.request(method, { textDocument: { uri }, position: pos });
        answered++;
      }
      const final = await client.change(uri, text);
      await client.waitDiagnostics(uri, final, 20000);
    }
    // Pathological documents
    const deep = '<a>'.repeat(10000) + '</a>'.repeat(10000);
    let bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">';
    for (let i = 1; i <= 9; i++) bomb += `<!ENTITY lol${i} "${`&lol${i - 1 || ''};`.repeat(10)}">`;
    bomb += ']><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</definitions>';
    for (const [name, text] of [
      ['deep', deep],
      ['bomb', bomb],
      ['binary', '\u0000\u0001\u0002'.repeat(1000)],
    ]) {
      const uri = fileUri(path.join(EXAMPLE, `fuzz-${name}.bpmn`));
      await client.open(uri, text);
      await client.waitDiagnostics(uri, 1, 20000);
      await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 5000 } });
      await client.request('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 3 } });
      answered += 2;
    }
    assert.equal(client.exited, false);
    assert.ok(edits >= EDITS, `${edits} edits`);
    assert.equal(answered, edits + 6);
    const errors = client.logs.filter((l) => /failed:/.test(l));
    assert.deepEqual(errors, [], 'no feature threw');
    console.log(`      fuzz: ${edits} edits (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}), ${answered} requests answered`);
    await client.stop();
  });
});
