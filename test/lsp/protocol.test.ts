import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, CodeLens, CompletionItem, Hover, Location, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { LineIndex } from '../../server/src/core/xml/positions';
import { copyExample, EXAMPLE, marked, splitProject, tempDir } from '../helpers';
import { applyEdits, fileUri, LspClient } from './harness';

function workspace(): string {
  const dir = copyExample(tempDir('bra-lsp-'));
  return dir;
}

const EXAMPLE_TEXT = fs.readFileSync(path.join(EXAMPLE, 'application.bpmn'), 'utf8');

describe('language server over JSON-RPC (spawned `lsp --stdio`)', function () {
  this.timeout(20000);
  let dir: string;
  let client: LspClient;
  let bpmnUri: string;
  let modelUri: string;

  beforeEach(async () => {
    dir = workspace();
    bpmnUri = fileUri(path.join(dir, 'application.bpmn'));
    modelUri = fileUri(path.join(dir, 'resources.uml'));
    client = new LspClient();
    const init = (await client.initialize(dir)) as { capabilities: Record<string, unknown> };
    assert.ok(init.capabilities.completionProvider && init.capabilities.hoverProvider && init.capabilities.renameProvider);
  });
  afterEach(() => client.stop());

  it('publishes no diagnostics for the clean example, and exact ranges for a mistake', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    assert.deepEqual(await client.waitDiagnostics(bpmnUri, 1), []);
    const { text, spans } = marked(EXAMPLE_TEXT.replace('<linkedResource name="Approval" />', '<linkedResource name="⟪Aproval⟫" />'));
    const v = await client.change(bpmnUri, text);
    const diags = await client.waitDiagnostics(bpmnUri, v);
    const idx = new LineIndex(text);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].code, 'unknown-resource');
    assert.equal(diags[0].source, 'bpmn-resource-api');
    assert.deepEqual(diags[0].range, idx.range(spans[0]));
    assert.match(diags[0].message, /did you mean Approval\?/);
  });

  it('applies incremental edits and re-checks: half-typed XML gives xml-syntax and keeps the other checks', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const idx = new LineIndex(EXAMPLE_TEXT);
    const at = EXAMPLE_TEXT.indexOf('<bpmn:endEvent id="EndEvent_1"');
    const v = await client.change(bpmnUri, '<bpmn:userTask id="x" name="', { start: idx.position(at), end: idx.position(at) });
    const diags = await client.waitDiagnostics(bpmnUri, v);
    assert.ok(diags.some((d) => d.code === 'xml-syntax'), JSON.stringify(diags));
  });

  it('checks the model file too, and re-checks open BPMN files when the model changes', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    assert.deepEqual(await client.waitDiagnostics(bpmnUri, 1), []);
    const modelText = fs.readFileSync(path.join(dir, 'resources.uml'), 'utf8');
    await client.open(modelUri, modelText, 'xml');
    assert.deepEqual(await client.waitDiagnostics(modelUri), []);
    await client.change(modelUri, modelText.replace('name="Approval"', 'name="Consent"'));
    const bpmnDiags = await client.waitFor(bpmnUri, (d) => d.length > 0);
    assert.deepEqual(bpmnDiags.map((d) => d.code), ['unknown-resource']);
    assert.match(bpmnDiags[0].message, /Unknown resource 'Approval'/);
  });

  it('re-checks when a watched model file changes on disk', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const file = path.join(dir, 'resources.uml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('name="Decision"', 'name="Verdict"'));
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: modelUri, type: 2 }] });
    const diags = await client.waitFor(bpmnUri, (d) => d.length > 0);
    assert.deepEqual(diags.map((d) => d.code), ['unknown-resource']);
    assert.match(diags[0].message, /Unknown resource 'Decision'/);
  });

  it('completes class names inside name="…", fitting ones first, each with its URI', async () => {
    const text = EXAMPLE_TEXT.replace('<linkedResource name="Approval" />', '<linkedResource name="Ap" />');
    await client.open(bpmnUri, text);
    await client.waitDiagnostics(bpmnUri, 1);
    const idx = new LineIndex(text);
    const offset = text.indexOf('name="Ap"') + 'name="Ap'.length;
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: bpmnUri }, position: idx.position(offset) });
    assert.deepEqual(items.map((i) => i.label).sort(), ['Application', 'Approval', 'Decision', 'Document', 'Person']);
    const approval = items.find((i) => i.label === 'Approval')!;
    assert.equal(approval.detail, '/application/{businessKey}/decision/approval');
    assert.deepEqual((approval.textEdit as TextEdit).range, { start: idx.position(offset - 2), end: idx.position(offset) });
    const doc = items.find((i) => i.label === 'Document')!;
    assert.ok(approval.sortText! < doc.sortText!, 'a 1-to-N resource does not fit a task that does not repeat');
    const person = items.find((i) => i.label === 'Person')!;
    assert.ok(approval.sortText! < person.sortText!, 'a resource outside the process tree comes last');
  });

  it('offers the linkedResource block as a snippet in element content, in the file’s style', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const idx = new LineIndex(EXAMPLE_TEXT);
    const offset = EXAMPLE_TEXT.indexOf('<bpmn:incoming>Flow_3');
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: bpmnUri }, position: idx.position(offset) });
    const snippet = items.find((i) => i.label === 'linkedResource')!;
    assert.ok(snippet.insertText!.startsWith('<bpmn:extensionElements>\n\t<linkedResource name="${1|Application,'), snippet.insertText);
  });

  it('hover shows the URI, multiplicity, attributes and who makes it writable', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const idx = new LineIndex(EXAMPLE_TEXT);
    const offset = EXAMPLE_TEXT.indexOf('name="Document"') + 8;
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri: bpmnUri }, position: idx.position(offset) });
    const md = (h.contents as { value: string }).value;
    assert.match(md, /\*\*Document\*\* `\/application\/\{businessKey\}\/document\/\{documentId\}`/);
    assert.match(md, /multiplicity `0\.\.\*`/);
    assert.match(md, /\| description \| String `1` \|/);
    assert.match(md, /`PUT` \(replace and complete\) and `PATCH` \(save\) while \*upload document\* is active/);
    assert.deepEqual(h.range, idx.range({ start: EXAMPLE_TEXT.indexOf('Document"'), end: EXAMPLE_TEXT.indexOf('Document"') + 8 }));
  });

  it('goes to the class in the UML file, finds references and renames across files', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const idx = new LineIndex(EXAMPLE_TEXT);
    const pos = idx.position(EXAMPLE_TEXT.indexOf('name="Decision"') + 8);
    const def = await client.request<Location>('textDocument/definition', { textDocument: { uri: bpmnUri }, position: pos });
    const modelText = fs.readFileSync(path.join(dir, 'resources.uml'), 'utf8');
    const midx = new LineIndex(modelText);
    const classAt = modelText.indexOf('name="Decision"') + 6;
    assert.equal(def.uri, modelUri);
    assert.deepEqual(def.range, midx.range({ start: classAt, end: classAt + 8 }));

    // a second BPMN file in the workspace links Decision too
    const other = path.join(dir, 'second.bpmn');
    fs.writeFileSync(other, EXAMPLE_TEXT.replace('id="InsuranceApplication"', 'id="Second"'));
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: modelUri }, position: midx.position(classAt + 2), context: { includeDeclaration: true } });
    assert.deepEqual(refs.map((r) => path.basename(r.uri)).sort(), ['application.bpmn', 'resources.uml', 'second.bpmn']);

    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: bpmnUri }, position: pos, newName: 'Verdict' });
    const changes = edit.changes!;
    assert.deepEqual(Object.keys(changes).map((u) => path.basename(u)).sort(), ['application.bpmn', 'resources.uml', 'second.bpmn']);
    assert.match(applyEdits(modelText, changes[modelUri]), /name="Verdict"/);
    assert.match(applyEdits(EXAMPLE_TEXT, changes[bpmnUri]), /<linkedResource name="Verdict" \/>/);
    await assert.rejects(client.request('textDocument/rename', { textDocument: { uri: bpmnUri }, position: pos, newName: 'approval' }), /already has a class named Approval/);
  });

  it('quick fixes: replace an unknown name, link the process, make a task multi-instance — and the result is clean', async () => {
    let text = EXAMPLE_TEXT.replace('<linkedResource name="Approval" />', '<linkedResource name="Aproval" />')
      .replace(/<bpmn:process id="InsuranceApplication"([^>]*)>\s*<bpmn:extensionElements>\s*<linkedResource name="Application" \/>\s*<\/bpmn:extensionElements>/, '<bpmn:process id="InsuranceApplication"$1>')
      .replace('<bpmn:multiInstanceLoopCharacteristics>\n        <bpmn:loopCardinality>2</bpmn:loopCardinality>\n      </bpmn:multiInstanceLoopCharacteristics>\n', '');
    await client.open(bpmnUri, text);
    let diags = await client.waitDiagnostics(bpmnUri, 1);
    assert.deepEqual(diags.map((d) => d.code).sort(), ['process-not-linked', 'unknown-resource']);
    let version = 1;
    const fixed: string[] = [];
    // Fix the first problem each time; linking the process reveals that the documents need a loop.
    for (let round = 0; round < 5 && diags.length; round++) {
      const d = diags[0];
      fixed.push(String(d.code));
      const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: bpmnUri }, range: d.range, context: { diagnostics: [d] } });
      const preferred = actions.find((a) => a.isPreferred) ?? actions[0];
      assert.ok(preferred, `a fix for ${d.code}`);
      text = applyEdits(text, preferred.edit!.changes![bpmnUri]);
      version = await client.change(bpmnUri, text);
      diags = await client.waitDiagnostics(bpmnUri, version);
    }
    assert.deepEqual(diags, [], text);
    assert.deepEqual(fixed.sort(), ['multiplicity-needs-loop', 'process-not-linked', 'unknown-resource']);
    assert.match(text, /<linkedResource name="Approval" \/>/);
    assert.match(text, /<linkedResource name="Application" \/>/);
    assert.match(text, /<bpmn:multiInstanceLoopCharacteristics \/>/);
  });

  it('code lens above linked activities and the process', async () => {
    await client.open(bpmnUri, EXAMPLE_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: bpmnUri } });
    const titles = lenses.map((l) => l.command!.title);
    assert.ok(titles.includes('POST /application · GET|DELETE /application/{businessKey}'));
    assert.ok(titles.includes('PUT|PATCH /application/{businessKey}/decision while active'));
    assert.equal(lenses.length, 4);
  });

  it('answers every request and stays up on garbage', async () => {
    await client.open(bpmnUri, '<<<\u0000&&&<!DOCTYPE x [<!ENTITY a "&a;">]><a>&a;');
    await client.waitDiagnostics(bpmnUri, 1);
    for (const method of ['textDocument/completion', 'textDocument/hover', 'textDocument/definition', 'textDocument/codeLens']) {
      await client.request(method, { textDocument: { uri: bpmnUri }, position: { line: 0, character: 3 } });
    }
    await client.request('textDocument/hover', { textDocument: { uri: bpmnUri }, position: { line: 999, character: 999 } });
    assert.equal(client.exited, false);
  });

  it('multi-root: the model setting is relative to each file’s own folder; other folders keep discovery', async () => {
    await client.stop();
    const { root: a, bpmn: bpmnInA } = splitProject(['insurance.uml', 'other.uml']);
    const b = workspace();
    client = new LspClient();
    await client.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(a),
      workspaceFolders: [
        { uri: fileUri(a), name: 'a' },
        { uri: fileUri(b), name: 'b' },
      ],
      capabilities: {},
      initializationOptions: { model: 'models/insurance.uml' },
    });
    await client.conn.sendNotification('initialized', {});
    const ua = fileUri(bpmnInA);
    const ub = fileUri(path.join(b, 'application.bpmn'));
    await client.open(ua, EXAMPLE_TEXT);
    await client.open(ub, EXAMPLE_TEXT.replace('name="Decision"', 'name="Decisio"'));
    assert.deepEqual(await client.waitDiagnostics(ua, 1), []);
    assert.deepEqual((await client.waitDiagnostics(ub, 1)).map((d) => d.code), ['unknown-resource']);
    const def = await client.request<Location>('textDocument/definition', { textDocument: { uri: ua }, position: new LineIndex(EXAMPLE_TEXT).position(EXAMPLE_TEXT.indexOf('name="Decision"') + 8) });
    assert.equal(path.basename(def.uri), 'insurance.uml');
  });

  it('quick fix for model-not-found: a bpmn-resource-api.json naming a model of the workspace', async () => {
    await client.stop();
    const { root, bpmn: file } = splitProject(['insurance.uml', 'old.uml']);
    const uri = fileUri(file);
    client = new LspClient();
    await client.initialize(root);
    await client.open(uri, EXAMPLE_TEXT);
    const [d] = await client.waitDiagnostics(uri, 1);
    assert.equal(d.code, 'model-not-found');
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.deepEqual(actions.map((a) => a.title), [
      'Use ../models/insurance.uml as the resource model (creates bpmn-resource-api.json)',
      'Use ../models/old.uml as the resource model (creates bpmn-resource-api.json)',
    ]);
    // Apply it as an editor would: create the file with the text, then the file watcher reports it.
    const [create, text] = actions[0].edit!.documentChanges! as unknown as [{ uri: string }, { edits: TextEdit[] }];
    const configPath = new URL(create.uri).pathname;
    assert.equal(configPath, path.join(root, 'processes', 'bpmn-resource-api.json'));
    fs.writeFileSync(configPath, text.edits[0].newText);
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: create.uri, type: 1 }] });
    assert.deepEqual(await client.waitFor(uri, (ds) => ds.every((x) => x.code !== 'model-not-found')), []);
  });
});
