import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';

const WS = process.env.BRA_E2E_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;
const HOOK = process.env.BRA_E2E_HOOK;
const bpmnUri = vscode.Uri.file(path.join(WS, 'application.bpmn'));
const modelUri = vscode.Uri.file(path.join(WS, 'resources.uml'));

/** Polls instead of sleeping a fixed time. */
async function until<T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 30000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== null && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Asks the runner for a screenshot of the workbench now (the extension host is gone when results arrive). */
async function screenshot(name: string, waitFor?: string): Promise<void> {
  if (!HOOK) return;
  const q = `name=${encodeURIComponent(name)}${waitFor ? `&waitFor=${encodeURIComponent(waitFor)}` : ''}`;
  const r = await fetch(`${HOOK}/screenshot?${q}`, { method: 'POST' });
  assert.equal(r.status, 200, await r.text());
}

function positionOf(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, needle);
  return doc.positionAt(i + delta);
}

describe('the extension inside VS Code (code-server 1.100.3)', () => {
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;

  before(async () => {
    doc = await vscode.workspace.openTextDocument(bpmnUri);
    editor = await vscode.window.showTextDocument(doc);
  });

  it('opens .bpmn files as the bpmn language and activates the extension', async () => {
    assert.equal(doc.languageId, 'bpmn');
    const ext = await until('the extension', () => vscode.extensions.all.find((e) => e.packageJSON?.name === 'bpmn-resource-api'));
    await until('activation', () => ext.isActive);
  });

  it('shows the diagnostic of the misspelt resource at the exact range', async () => {
    const diags = await until('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(bpmnUri);
      return d.length ? d : undefined;
    });
    assert.equal(diags.length, 1);
    const [d] = diags;
    assert.equal(d.code, 'unknown-resource');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    const start = positionOf(doc, 'Aproval');
    assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [start.line, start.character, start.line, start.character + 7]);
    assert.match(d.message, /did you mean Approval\?/);
    editor.revealRange(d.range, vscode.TextEditorRevealType.InCenter);
    await screenshot('diagnostic', '.squiggly-error');
  });

  it('hover shows the URI of a linked resource', async () => {
    const pos = positionOf(doc, 'name="Decision"', 9);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', bpmnUri, pos);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /\/application\/\{businessKey\}\/decision/);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('editor.action.showHover');
    await screenshot('hover', '.monaco-hover .hover-contents');
  });

  it('completion lists the model’s classes with their URIs', async () => {
    const pos = positionOf(doc, 'name="Decision"', 7);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', bpmnUri, pos);
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const c of ['Application', 'Document', 'Decision', 'Approval']) assert.ok(labels.includes(c), `${c} in ${labels.join(', ')}`);
    const approval = list.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'Approval')!;
    assert.equal(approval.detail, '/application/{businessKey}/decision/approval');
  });

  it('go to definition opens the UML file at the class', async () => {
    const pos = positionOf(doc, 'name="Decision"', 9);
    editor.selection = new vscode.Selection(pos, pos);
    await vscode.commands.executeCommand('editor.action.revealDefinition');
    const target = await until('the model editor', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.fsPath === modelUri.fsPath ? e : undefined;
    });
    const line = target.document.lineAt(target.selection.active.line).text;
    assert.match(line, /xmi:type="uml:Class" xmi:id="_Decision" name="Decision"/);
    const sel = target.document.getText(target.selection);
    assert.ok(sel === '' || sel === 'Decision', sel);
    editor = await vscode.window.showTextDocument(doc);
  });

  it('a quick fix replaces the unknown name and the diagnostic goes away', async () => {
    const d = vscode.languages.getDiagnostics(bpmnUri)[0];
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', bpmnUri, d.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === "Change to 'Approval'");
    assert.ok(fix?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    await until('no diagnostics', () => vscode.languages.getDiagnostics(bpmnUri).length === 0);
    assert.match(doc.getText(), /<linkedResource name="Approval" \/>/);
    await doc.save();
  });

  it('the command starts the generated API on the embedded engine and shows where it runs', async function () {
    this.timeout(60000);
    const url = await vscode.commands.executeCommand<string>('bpmnResourceApi.startApi', bpmnUri);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await fetch(`${url}/application`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ businessKey: 'e2e', product: 'car' }) });
    assert.equal(created.status, 201);
    const docs = (await (await fetch(`${url}/application/e2e/document`)).json()) as { count: number };
    assert.equal(docs.count, 2);
    await screenshot('api-started', '.notifications-toasts .notification-toast');
    await vscode.commands.executeCommand('bpmnResourceApi.stopApi');
  });
});
