import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../../server/src/core/xml/positions';
import { EXAMPLE, tempDir } from '../helpers';
import { fileUri, LspClient } from '../lsp/harness';
import { generateBpmn } from './generate';
import { bench, median, percentile } from './stats';

/**
 * Issue 3's latency benchmark over the real protocol: a ~1 MB BPMN file is opened in the spawned server
 * and typed into; we time didChange → publishDiagnostics, and completion and hover requests.
 */
export async function lspBench(): Promise<Record<string, unknown>> {
  const dir = tempDir('bra-lspbench-');
  fs.copyFileSync(path.join(EXAMPLE, 'resources.uml'), path.join(dir, 'resources.uml'));
  let text = generateBpmn(1_000_000);
  const file = path.join(dir, 'big.bpmn');
  fs.writeFileSync(file, text);
  const uri = fileUri(file);
  const client = new LspClient();
  await client.initialize(dir);
  await client.open(uri, text);
  await client.waitDiagnostics(uri, 1, 60000);

  // Typing: append and remove a letter in link names spread over the file.
  const targets: number[] = [];
  for (let i = text.indexOf('name="Decision"'); i >= 0 && targets.length < 100; i = text.indexOf('name="Decision"', i + 8000)) targets.push(i + 'name="Decision'.length);
  const diagLat: number[] = [];
  let version = 1;
  for (let round = 0; round < 2; round++) {
    for (const at of targets) {
      for (const insert of [true, false]) {
        const idx = new LineIndex(text);
        const t0 = process.hrtime.bigint();
        if (insert) {
          version = await client.change(uri, 'x', { start: idx.position(at), end: idx.position(at) });
          text = text.slice(0, at) + 'x' + text.slice(at);
        } else {
          version = await client.change(uri, '', { start: idx.position(at), end: idx.position(at + 1) });
          text = text.slice(0, at) + text.slice(at + 1);
        }
        await client.waitDiagnostics(uri, version, 30000);
        if (round > 0) diagLat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
  }
  const idx = new LineIndex(text);
  const time = async (method: string, positions: Array<{ line: number; character: number }>) => {
    const lat: number[] = [];
    for (const position of positions) {
      const t0 = process.hrtime.bigint();
      await client.request(method, { textDocument: { uri }, position });
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return lat;
  };
  const namePositions = targets.map((t) => idx.position(t - 3));
  await time('textDocument/completion', namePositions.slice(0, 10));
  const completion = await time('textDocument/completion', [...namePositions, ...namePositions]);
  const hover = await time('textDocument/hover', [...namePositions, ...namePositions]);
  await client.stop();

  // The best tolerant parser with positions we can run here, on the same text, in this process.
  const { parse } = require('@xml-tools/parser');
  const { buildAst } = require('@xml-tools/ast');
  const xmlTools = bench(() => {
    const r = parse(text);
    return buildAst(r.cst, r.tokenVector);
  }, 5, 1);

  const out = {
    fileKB: Math.round(text.length / 1024),
    edits: diagLat.length,
    diagnosticsMs: { median: +median(diagLat).toFixed(1), p95: +percentile(diagLat, 95).toFixed(1) },
    completionMs: { median: +median(completion).toFixed(2), p95: +percentile(completion, 95).toFixed(2) },
    hoverMs: { median: +median(hover).toFixed(2), p95: +percentile(hover, 95).toFixed(2) },
    xmlToolsParseAstMs: +xmlTools.toFixed(1),
    targets: {
      'diagnostics median <= 50 ms': median(diagLat) <= 50,
      'diagnostics p95 <= 100 ms': percentile(diagLat, 95) <= 100,
      'completion p95 <= 15 ms': percentile(completion, 95) <= 15,
      'hover p95 <= 15 ms': percentile(hover, 95) <= 15,
    },
  };
  console.log('\n== language server over JSON-RPC, ~1 MB BPMN file ==');
  console.log(
    `didChange → publishDiagnostics: median ${out.diagnosticsMs.median} ms, p95 ${out.diagnosticsMs.p95} ms (${out.edits} edits); completion p95 ${out.completionMs.p95} ms; hover p95 ${out.hoverMs.p95} ms; @xml-tools/parser + AST alone on the same text: ${out.xmlToolsParseAstMs} ms`,
  );
  console.log(JSON.stringify(out.targets));
  return out;
}
