import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DocumentSymbol, SymbolInformation } from 'vscode-languageserver';
import { LineIndex } from '../../server/src/core/xml/positions';
import { EXAMPLE } from '../helpers';
import { fileUri, LspClient } from './harness';

describe('language server: document and workspace symbols (Outline, breadcrumbs, go to symbol)', function () {
  this.timeout(20000);
  let client: LspClient;
  let dir: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bra-symbols-'));
    for (const f of fs.readdirSync(EXAMPLE)) fs.copyFileSync(path.join(EXAMPLE, f), path.join(dir, f));
    client = new LspClient();
    const init = (await client.initialize(dir)) as { capabilities: Record<string, unknown> };
    assert.ok(init.capabilities.documentSymbolProvider && init.capabilities.workspaceSymbolProvider);
  });
  afterEach(() => client.stop());

  it('the Outline: the process, its activities (subprocess nesting its task), each with its resource and URI', async () => {
    const uri = fileUri(path.join(dir, 'application.bpmn'));
    const text = fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8');
    await client.open(uri, text);
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.equal(symbols.length, 1);
    const p = symbols[0];
    assert.equal(p.name, 'insurance application');
    assert.equal(p.detail, 'Application /application/{businessKey}');
    const shape = (s: DocumentSymbol): unknown => [s.name, s.detail, ...(s.children?.length ? [s.children.map(shape)] : [])];
    assert.deepEqual(p.children!.map(shape), [
      ['collect documents', 'subProcess', [['upload document', 'Document /application/{businessKey}/document/{documentId}']]],
      ['evaluate application', 'Decision /application/{businessKey}/decision'],
      ['approve decision', 'Approval /application/{businessKey}/decision/approval'],
    ]);
    const idx = new LineIndex(text);
    const at = text.indexOf('<bpmn:userTask id="Activity_04bi4lp"');
    assert.deepEqual(p.children![1].selectionRange.start, idx.position(at), 'the selection is the start tag');
  });

  it('workspace symbols find processes, activities and resources by name, in files not open', async () => {
    const found = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'decision' });
    const names = found.map((s) => s.name).sort();
    assert.deepEqual(names, ['Approval /application/{businessKey}/decision/approval', 'Decision /application/{businessKey}/decision', 'approve decision']);
    assert.ok(found.every((s) => s.location.uri === fileUri(path.join(dir, 'application.bpmn'))));
    assert.equal(found.find((s) => s.name === 'approve decision')!.containerName, 'insurance application');
  });
});
