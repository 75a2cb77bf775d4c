import * as fs from 'node:fs';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import { checkBpmn } from '../../server/src/core/check';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { decodeXml } from '../../server/src/core/xml/decode';
import { buildResourceTree } from '../../server/src/core/resources/tree';
import { readUml } from '../../server/src/core/uml/reader';
import { CORPUS, EXAMPLE } from '../helpers';
import { generateBpmn } from './generate';
import { bench, benchAsync, dynamicImport } from './stats';

/**
 * Issue 2's benchmark: a full `check` of one BPMN file (parse + all rules, model loaded) against, in the
 * same run, a raw saxes parse (the floor), bpmn-moddle's fromXML, and @xml-tools/parser + AST.
 */
export async function coreBench(): Promise<Record<string, unknown>> {
  const model = readUml(fs.readFileSync(path.join(EXAMPLE, 'resources.uml'), 'utf8'));
  const tree = buildResourceTree(model);
  const inputs: Array<[string, string]> = [
    ['corpus ~100 KB (miwg-ea12-B.2.0)', decodeXml(fs.readFileSync(path.join(CORPUS, 'bpmn/miwg-ea12-B.2.0-roundtrip.bpmn'))).text],
    ['corpus largest (miwg-visualparadigm11)', decodeXml(fs.readFileSync(path.join(CORPUS, 'bpmn/miwg-visualparadigm11-B.2.0-roundtrip.bpmn'))).text],
    ['generated ~100 KB', generateBpmn(100_000)],
    ['generated ~1 MB', generateBpmn(1_000_000)],
    ['generated ~10 MB', generateBpmn(10_000_000)],
  ];
  const { BpmnModdle } = await dynamicImport('bpmn-moddle');
  const moddle = new BpmnModdle();
  const { parse } = require('@xml-tools/parser');
  const { buildAst } = require('@xml-tools/ast');

  const rows: Array<Record<string, unknown>> = [];
  console.log('\n== core check (parse + all rules; model loaded) ==');
  console.log('input'.padEnd(42), 'KB'.padStart(6), 'saxes ms'.padStart(9), 'check ms'.padStart(9), 'moddle ms'.padStart(10), 'xml-tools ms'.padStart(13), ' check/saxes  moddle/check  xmltools/check');
  for (const [name, text] of inputs) {
    const big = text.length > 5_000_000;
    const runs = big ? 3 : text.length > 500_000 ? 7 : 15;
    const saxes = bench(() => {
      const p = new SaxesParser();
      p.write(text).close();
    }, runs);
    let linkCount = 0;
    const check = bench(() => {
      const doc = readBpmn(text);
      linkCount = doc.links.length;
      return checkBpmn(doc, model, { tree }).diagnostics;
    }, runs);
    const moddleMs = await benchAsync(() => moddle.fromXML(text), big ? 1 : Math.min(runs, 5), big ? 0 : 1);
    const xmlTools = bench(() => buildAst(parse(text).cst, parse(text).tokenVector), big ? 1 : Math.min(runs, 5), big ? 0 : 1) / 2;
    const row = {
      input: name,
      kb: Math.round(text.length / 1024),
      links: linkCount,
      saxesMs: +saxes.toFixed(2),
      checkMs: +check.toFixed(2),
      moddleMs: +moddleMs.toFixed(2),
      xmlToolsMs: +xmlTools.toFixed(2),
      checkOverSaxes: +(check / saxes).toFixed(2),
      moddleOverCheck: +(moddleMs / check).toFixed(1),
      xmlToolsOverCheck: +(xmlTools / check).toFixed(1),
      checkMsPerMB: +((check / text.length) * 1e6).toFixed(2),
    };
    rows.push(row);
    console.log(
      name.padEnd(42),
      String(row.kb).padStart(6),
      saxes.toFixed(1).padStart(9),
      check.toFixed(1).padStart(9),
      moddleMs.toFixed(1).padStart(10),
      xmlTools.toFixed(1).padStart(13),
      `  ${row.checkOverSaxes.toFixed(2).padStart(9)}  ${row.moddleOverCheck.toFixed(1).padStart(12)}  ${row.xmlToolsOverCheck.toFixed(1).padStart(14)}`,
    );
  }
  const at1 = rows.find((r) => r.input === 'generated ~1 MB')!;
  const at10 = rows.find((r) => r.input === 'generated ~10 MB')!;
  const at100 = rows.find((r) => r.input === 'generated ~100 KB')!;
  const linearity = +((at10.checkMsPerMB as number) / (at1.checkMsPerMB as number)).toFixed(2);
  const summary = {
    at1MB_checkOverSaxes: at1.checkOverSaxes,
    at1MB_moddleOverCheck: at1.moddleOverCheck,
    msPerMB: { '100KB': at100.checkMsPerMB, '1MB': at1.checkMsPerMB, '10MB': at10.checkMsPerMB },
    linearity_10MB_vs_1MB: linearity,
    targets: {
      'check <= 3x saxes at 1 MB': (at1.checkOverSaxes as number) <= 3,
      'check >= 5x faster than bpmn-moddle at 1 MB': (at1.moddleOverCheck as number) >= 5,
      'linear (ms/MB at 10 MB within 1.5x of 1 MB)': linearity <= 1.5,
    },
  };
  console.log(JSON.stringify(summary, null, 2));
  return { rows, summary };
}
