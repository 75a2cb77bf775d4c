/**
 * The language server driven by a client that behaves like Neovim's built-in one: lowercase percent
 * escapes in URIs, a workspace folder with a space and a non-ASCII letter, no file watching, no
 * workspace/configuration, commands it does not know itself. Each test is a problem found that way.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, CodeLens, Diagnostic, Location, WorkspaceEdit } from 'vscode-languageserver';
import { LineIndex } from '../../server/src/core/xml/positions';
import { copyExample, EXAMPLE, tempDir } from '../helpers';
import { applyEdits, fileUri, LspClient } from './harness';

/** Neovim writes `%c3%bc` where Node writes `%C3%BC`. */
const lower = (uri: string) => uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

const BPMN_TEXT = fs.readFileSync(path.join(EXAMPLE, 'application.bpmn'), 'utf8');
const MODEL_TEXT = fs.readFileSync(path.join(EXAMPLE, 'resources.uml'), 'utf8');

describe("language server with a client that behaves like Neovim's (lowercase escapes, a non-ASCII folder, no file watching, no configuration)", function () {
  this.timeout(20000);
  let dir: string;
  let client: LspClient;
  let bpmnUri: string;
  let modelUri: string;
  let init: { capabilities: { executeCommandProvider?: { commands: string[] } } };

  beforeEach(async () => {
    dir = path.join(tempDir('bra-nvim-'), 'prüf dir');
    fs.mkdirSync(dir);
    copyExample(dir);
    bpmnUri = lower(fileUri(path.join(dir, 'application.bpmn')));
    modelUri = lower(fileUri(path.join(dir, 'resources.uml')));
    assert.match(bpmnUri, /pr%c3%bcf%20dir/);
    client = new LspClient();
    init = (await client.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: lower(fileUri(dir)),
      workspaceFolders: [{ uri: lower(fileUri(dir)), name: 'prüf dir' }],
      // What Neovim 0.7 sends: no workspace.configuration, no didChangeWatchedFiles.
      capabilities: { textDocument: { publishDiagnostics: {}, codeAction: {} }, workspace: { applyEdit: true } },
    })) as typeof init;
    await client.conn.sendNotification('initialized', {});
  });
  afterEach(() => client.stop());

  it('the open buffer and the file on disk are one document: a rename edits each file once, the buffer under its own URI, and it stays well-formed', async () => {
    await client.open(bpmnUri, BPMN_TEXT);
    assert.deepEqual(await client.waitDiagnostics(bpmnUri, 1), [], 'diagnostics come under the URI the buffer was opened with');
    const at = new LineIndex(BPMN_TEXT).position(BPMN_TEXT.indexOf('name="Approval"') + 7);
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: bpmnUri }, position: at, newName: 'Verdict' });
    const keys = Object.keys(edit.changes!);
    assert.equal(keys.length, 2, keys.join(', '));
    assert.ok(keys.includes(bpmnUri), 'the BPMN edit is addressed to the buffer');
    assert.equal(edit.changes![bpmnUri].length, 1, 'once, not once from disk and once from the buffer');
    assert.equal(applyEdits(BPMN_TEXT, edit.changes![bpmnUri]), BPMN_TEXT.replace('name="Approval"', 'name="Verdict"'));
  });

  it('references from the open model find the BPMN buffer; unsaved model edits reach its checks', async () => {
    await client.open(bpmnUri, BPMN_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    await client.open(modelUri, MODEL_TEXT, 'xml');
    const at = new LineIndex(MODEL_TEXT).position(MODEL_TEXT.indexOf('name="Approval"') + 7);
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: modelUri }, position: at, context: { includeDeclaration: false } });
    assert.deepEqual(refs.map((r) => r.uri), [bpmnUri]);
    await client.change(modelUri, MODEL_TEXT.replace('name="Approval"', 'name="Consent"'));
    const diags = await client.waitFor(bpmnUri, (d) => d.length > 0);
    assert.deepEqual(diags.map((d) => d.code), ['unknown-resource']);
  });

  it('a model changed on disk reaches the checks without didChangeWatchedFiles (the server watches the folder)', async () => {
    await client.open(bpmnUri, BPMN_TEXT);
    assert.deepEqual(await client.waitDiagnostics(bpmnUri, 1), []);
    fs.writeFileSync(path.join(dir, 'resources.uml'), MODEL_TEXT.replace('name="Approval"', 'name="Consent"'));
    const diags = await client.waitFor(bpmnUri, (d) => d.length > 0);
    assert.match(diags[0].message, /Unknown resource 'Approval'/);
  });

  it('code lenses carry a command the server runs: workspace/executeCommand answers the routes', async () => {
    assert.deepEqual(init.capabilities.executeCommandProvider?.commands, ['bpmnResourceApi.lsp.showRoutes']);
    await client.open(bpmnUri, BPMN_TEXT);
    await client.waitDiagnostics(bpmnUri, 1);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: bpmnUri } });
    assert.ok(lenses.length > 0);
    const cmd = lenses[0].command!;
    assert.equal(cmd.command, 'bpmnResourceApi.lsp.showRoutes');
    const lines = await client.request<string[]>('workspace/executeCommand', { command: cmd.command, arguments: cmd.arguments });
    assert.ok(lines.includes('GET|HEAD|OPTIONS|PUT|PATCH /application/{businessKey}/decision'), lines.join('\n'));
    assert.ok(lines.includes('GET|HEAD|OPTIONS|POST /application'), lines.join('\n'));
  });

  it('rule severities from bpmn-resource-api.json and unsupported-encoding reach the editor as they reach check', async () => {
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', rules: { 'process-not-linked': 'error', 'unsupported-encoding': 'information' } }));
    const unlinked = BPMN_TEXT.replace(/(<bpmn:process[^>]*>\s*<bpmn:extensionElements>\s*)<linkedResource name="Application" \/>/, '$1').replace('encoding="UTF-8"', 'encoding="EBCDIC-CP-US"');
    assert.notEqual(unlinked, BPMN_TEXT);
    await client.open(bpmnUri, unlinked);
    const diags = await client.waitFor(bpmnUri, (d) => d.length > 0);
    const byCode = new Map(diags.map((d) => [d.code, d]));
    assert.equal(byCode.get('process-not-linked')?.severity, 1, 'error, as the config says');
    const enc = byCode.get('unsupported-encoding');
    assert.ok(enc, JSON.stringify(diags));
    assert.equal(enc.severity, 3, 'information, as the config says');
    assert.match(enc.message, /Encoding 'EBCDIC-CP-US' is not supported/);
    assert.deepEqual(enc.range.start.line, 0);
  });

  it('a quick fix is computed from the server’s own diagnostics: a range echoed wrongly on a non-ASCII line still gives the right edit', async () => {
    const text = BPMN_TEXT.replace('<linkedResource name="Approval" />', '<!-- prüfé ✓ --><linkedResource name="Aproval" />');
    await client.open(bpmnUri, text);
    const [d] = await client.waitFor(bpmnUri, (x) => x.length > 0);
    assert.equal(d.code, 'unknown-resource');
    // What Neovim 0.7 echoed: the columns counted in UTF-8 bytes, three too far.
    const shifted: Diagnostic = { ...d, range: { start: { ...d.range.start, character: d.range.start.character + 3 }, end: { ...d.range.end, character: d.range.end.character + 3 } } };
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: bpmnUri }, range: shifted.range, context: { diagnostics: [shifted] } });
    const fix = actions.find((a) => a.edit?.changes?.[bpmnUri]?.some((e) => e.newText === 'Approval'));
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    const fixed = applyEdits(text, fix.edit!.changes![bpmnUri]);
    assert.equal(fixed, text.replace('name="Aproval"', 'name="Approval"'));
  });
});
