import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../../server/src/core/xml/positions';
import { FIXTURES, marked, tempDir } from '../helpers';
import { fileUri, LspClient } from './harness';

describe('language server: call activities resolved across the workspace', function () {
  this.timeout(20000);
  let client: LspClient;
  let dir: string;

  beforeEach(async () => {
    dir = tempDir('bra-lsp-calls-');
    const src = path.join(FIXTURES, 'process-data');
    fs.copyFileSync(path.join(src, 'resources.uml'), path.join(dir, 'resources.uml'));
    for (const f of ['underwriting.bpmn', 'approving.bpmn']) fs.copyFileSync(path.join(src, 'call', f), path.join(dir, f));
    client = new LspClient();
    await client.initialize(dir);
  });
  afterEach(() => client.stop());

  it('a called process in another file is known (caller and called are clean); a misspelt one is reported at calledElement', async () => {
    const callerUri = fileUri(path.join(dir, 'underwriting.bpmn'));
    const calledUri = fileUri(path.join(dir, 'approving.bpmn'));
    const caller = fs.readFileSync(path.join(dir, 'underwriting.bpmn'), 'utf8');
    await client.open(callerUri, caller);
    assert.deepEqual(await client.waitDiagnostics(callerUri, 1), []);
    await client.open(calledUri, fs.readFileSync(path.join(dir, 'approving.bpmn'), 'utf8'));
    assert.deepEqual(await client.waitDiagnostics(calledUri, 1), [], 'the called process may be linked to Decision: the caller is in another file');
    const { text, spans } = marked(caller.replace('calledElement="Approving"', 'calledElement="⟪Aproving⟫"'));
    const v = await client.change(callerUri, text);
    const diags = await client.waitDiagnostics(callerUri, v);
    const found = diags.filter((d) => d.code === 'unknown-called-element');
    assert.equal(found.length, 1, JSON.stringify(diags));
    assert.deepEqual(found[0].range, new LineIndex(text).range(spans[0]));
    assert.match(found[0].message, /no BPMN file here defines process 'Aproving'/);
  });
});
