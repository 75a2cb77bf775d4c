import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBpmn, checkModel } from '../../server/src/core/check';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { readUml } from '../../server/src/core/uml/reader';
import { decodeXml } from '../../server/src/core/xml/decode';
import { CORPUS, CORPUS_ABSENT, CORPUS_PRESENT } from '../helpers';

const manifest = new Map<string, string>();
for (const line of CORPUS_PRESENT ? fs.readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1) : []) {
  const cols = line.split('\t');
  if (cols.length > 7) manifest.set(cols[0], cols[7]);
}

function files(dir: string): string[] {
  if (!CORPUS_PRESENT) return [];
  return fs
    .readdirSync(path.join(CORPUS, dir))
    .filter((f) => !fs.statSync(path.join(CORPUS, dir, f)).isDirectory())
    .map((f) => `${dir}/${f}`);
}

describe('corpus: every real file is read without a crash', () => {
  if (!CORPUS_PRESENT) {
    it(CORPUS_ABSENT);
    return;
  }
  it('the corpus holds every manifest entry', () => {
    for (const f of manifest.keys()) assert.ok(fs.existsSync(path.join(CORPUS, f)), f);
    assert.ok(manifest.size >= 130, `${manifest.size} files`);
  });

  for (const f of files('bpmn')) {
    it(`${f}: no xml-syntax, a BPMN document`, () => {
      const { text } = decodeXml(fs.readFileSync(path.join(CORPUS, f)));
      const doc = readBpmn(text);
      const diags = checkBpmn(doc, undefined).diagnostics;
      assert.ok(!(manifest.get(f) ?? '').startsWith('NOT-WELLFORMED'), 'the manifest says this file is well-formed');
      assert.deepEqual(diags.filter((d) => d.code === 'xml-syntax'), []);
      assert.equal(doc.isBpmn, true);
    });
  }

  for (const f of files('bpmn/malformed')) {
    it(`${f}: a clear diagnostic`, () => {
      const { text } = decodeXml(fs.readFileSync(path.join(CORPUS, f)));
      const diags = checkBpmn(readBpmn(text), undefined).diagnostics;
      assert.ok(diags.length > 0, 'expected at least one diagnostic');
      for (const d of diags) assert.ok(d.message.length > 15 && d.span.end >= d.span.start, d.message);
      if ((manifest.get(f) ?? '').startsWith('NOT-WELLFORMED')) assert.ok(diags.some((d) => d.code === 'xml-syntax'));
      else assert.ok(!diags.some((d) => d.code === 'xml-syntax'), JSON.stringify(diags));
    });
  }

  for (const f of files('xmi')) {
    it(`${f}: read as a UML model, no xml-syntax`, () => {
      const { text } = decodeXml(fs.readFileSync(path.join(CORPUS, f)));
      const model = readUml(text);
      assert.equal(model.unreadable, undefined);
      const diags = checkModel(model);
      assert.deepEqual(diags.filter((d) => d.code === 'xml-syntax' || d.code === 'model-unreadable'), []);
    });
  }

  it('BPMN files are not mistaken for models and vice versa', () => {
    const { text } = decodeXml(fs.readFileSync(path.join(CORPUS, 'bpmn/miwg-ref-A.1.0.bpmn')));
    assert.ok(readUml(text).unreadable);
    const x = decodeXml(fs.readFileSync(path.join(CORPUS, 'xmi/papyrus-tictactoe.uml'))).text;
    assert.equal(readBpmn(x).isBpmn, false);
  });

  it('every truncation of a corpus file is read without a crash and yields ranges inside the text', () => {
    const { text } = decodeXml(fs.readFileSync(path.join(CORPUS, 'bpmn/miwg-ref-C.1.0.bpmn')));
    for (let cut = 0; cut < text.length; cut += 97) {
      const part = text.slice(0, cut);
      const diags = checkBpmn(readBpmn(part), undefined).diagnostics;
      for (const d of diags) assert.ok(d.span.start >= 0 && d.span.end <= part.length + 1);
    }
  });
});
