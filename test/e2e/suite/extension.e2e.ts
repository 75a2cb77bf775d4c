import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../client/src/extension';
import type { ResourceNode } from '../../../client/src/resourceView';
import { sendHttpFile } from './httpFile';

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
async function screenshot(name: string, waitFor?: string, options: { text?: string; popup?: boolean; widenSideBar?: number; raiseView?: string; tryOperation?: string; webview?: boolean } = {}): Promise<string> {
  if (!HOOK) return '';
  const q = `name=${encodeURIComponent(name)}${waitFor ? `&waitFor=${encodeURIComponent(waitFor)}` : ''}${options.text ? `&text=${encodeURIComponent(options.text)}` : ''}${options.popup ? '&popup=1' : ''}${options.webview ? '&webview=1' : ''}${options.widenSideBar ? `&widen=${options.widenSideBar}` : ''}${options.raiseView ? `&raise=${encodeURIComponent(options.raiseView)}` : ''}${options.tryOperation ? `&try=${encodeURIComponent(options.tryOperation)}` : ''}`;
  const r = await fetch(`${HOOK}/screenshot?${q}`, { method: 'POST' });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return text;
}

/** Asks the runner to click what `selector` finds inside a webview (or choose `value` in that select), as a person would. */
async function clickInWebview(selector: string, value?: string): Promise<void> {
  const r = await fetch(`${HOOK}/click?selector=${encodeURIComponent(selector)}${value !== undefined ? `&value=${encodeURIComponent(value)}` : ''}`, { method: 'POST' });
  assert.equal(r.status, 200, await r.text());
}

/** Replaces the first `from` in the document by `to` and saves it. */
async function replaceAll(doc: vscode.TextDocument, from: string, to: string): Promise<void> {
  const at = positionOf(doc, from);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(at, doc.positionAt(doc.offsetAt(at) + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await doc.save());
}

function api(): ExtensionApi {
  return vscode.extensions.all.find((e) => e.packageJSON?.name === 'bpmn-resource-api')!.exports as ExtensionApi;
}

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function positionOf(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, needle);
  return doc.positionAt(i + delta);
}

// First: in code-server, webviews created after the docs pages were opened and closed sometimes never get their content.
describe('the diagram view inside VS Code (code-server 1.100.3)', () => {
  let doc: vscode.TextDocument;
  const drawn = () => until('the diagram drawn at the document’s version', () => (api().diagram(bpmnUri)?.drawnVersion ?? -1) >= doc.version, 20000);

  before(async () => {
    doc = await vscode.workspace.openTextDocument(bpmnUri);
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    // The workspace starts with a misspelt resource for the editor tests below: correct while the diagram is tested.
    await replaceAll(doc, 'name="Aproval"', 'name="Approval"');
    // Room for the diagram in the screenshots: no side bar, no panel.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });

  after(async () => {
    api().diagram(bpmnUri)?.dispose();
    await replaceAll(doc, 'name="Approval"', 'name="Aproval"');
    await vscode.commands.executeCommand('workbench.view.explorer');
  });

  it('"Open Diagram to the Side" draws the example with each task’s resource and URI (screenshot)', async function () {
    this.timeout(60000);
    // code-server in headless Chromium sometimes never hands a new webview its content (no inner frame is
    // created; about one run in three, whatever the page): the view is closed and opened again, at most twice.
    for (let attempt = 1; ; attempt++) {
      await vscode.commands.executeCommand('bpmnResourceApi.openDiagram', bpmnUri);
      const ok = await until('the diagram drawn', () => (api().diagram(bpmnUri)?.drawnVersion ?? -1) >= doc.version, 8000).then(() => true, () => false);
      if (ok) break;
      if (attempt === 3) throw new Error(`the diagram was not drawn in 3 attempts: drawn ${api().diagram(bpmnUri)?.drawnVersion}, document ${doc.version}`);
      api().diagram(bpmnUri)?.dispose();
    }
    await screenshot('diagram', '.bra-resource', { webview: true });
  });

  it('clicking a task in the diagram puts the cursor on its element in the XML', async function () {
    if (!HOOK) this.skip();
    await clickInWebview('.djs-element[data-element-id="Activity_approve"]');
    const at = positionOf(doc, '<bpmn:userTask id="Activity_approve"');
    await until('the cursor at the task', () => {
      const e = vscode.window.visibleTextEditors.find((x) => x.document === doc);
      return e && e.selection.active.line === at.line;
    });
  });

  it('moving the cursor in the XML selects the element’s shape in the diagram', async function () {
    if (!HOOK) this.skip();
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const at = positionOf(doc, '<bpmn:exclusiveGateway id="Gateway_accepted"', 10);
    editor.selection = new vscode.Selection(at, at);
    await screenshot('diagram-selected', '.djs-element.bra-selected[data-element-id="Gateway_accepted"]', { webview: true });
  });

  it('typing an error outlines the shape in the error colour (screenshot); undone, the outline goes', async function () {
    this.timeout(60000);
    const at = positionOf(doc, 'name="Approval"', 'name="'.length);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(bpmnUri, new vscode.Range(at, at.translate(0, 'Approval'.length)), 'Aproval');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await drawn();
    await screenshot('diagram-error', '.bra-error', { webview: true });
    const panel = api().diagram(bpmnUri)!;
    assert.ok(panel.lastRedrawMs > 0 && panel.lastRedrawMs < 2000, `redrawn ${panel.lastRedrawMs} ms after the edit`);
    const back = new vscode.WorkspaceEdit();
    back.replace(bpmnUri, new vscode.Range(at, at.translate(0, 'Aproval'.length)), 'Approval');
    assert.ok(await vscode.workspace.applyEdit(back));
    await drawn();
  });

  it('while the local API runs, choosing an instance in the view highlights the task it waits at (screenshot)', async function () {
    this.timeout(90000);
    if (!HOOK) this.skip();
    const url = await vscode.commands.executeCommand<string>('bpmnResourceApi.startApi', bpmnUri);
    assert.ok(url, 'the API started');
    const created = await fetch(`${url}/application`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ businessKey: 'diagram' }) });
    assert.equal(created.status, 201, await created.text());
    await clickInWebview('#instance', 'diagram');
    await screenshot('diagram-instance', '.djs-element.bra-waiting[data-element-id="Activity_upload"]', { webview: true });
    await vscode.commands.executeCommand('bpmnResourceApi.stopApi');
  });

  it('in a dark theme the diagram follows the theme’s colours (screenshot)', async function () {
    this.timeout(60000);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
    await screenshot('diagram-dark', 'body.vscode-dark .bra-resource', { webview: true });
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });
});

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

  it('starting the API is refused while the file has an error (a message that opens the Problems panel)', async () => {
    const url = await vscode.commands.executeCommand<string | undefined>('bpmnResourceApi.startApi', bpmnUri);
    assert.equal(url, undefined);
    assert.equal(api().localApiUrl(), undefined);
    await screenshot('start-refused', '.notifications-toasts .notification-toast', { text: 'was not started' });
    await vscode.commands.executeCommand('notifications.clearAll');
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

  it('starting the API is refused while the model has an error, unsaved too (the message names the model)', async () => {
    const model = await vscode.workspace.openTextDocument(modelUri);
    const anchor = model.getText().indexOf('<packagedElement xmi:type="uml:Class" xmi:id="_Approval"');
    const twice = '<packagedElement xmi:type="uml:Class" xmi:id="_Note1" name="Note"/><packagedElement xmi:type="uml:Class" xmi:id="_Note2" name="Note"/>\n  ';
    const edit = new vscode.WorkspaceEdit();
    edit.insert(modelUri, model.positionAt(anchor), twice);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until('the duplicate-class error in the model', () => vscode.languages.getDiagnostics(modelUri).some((d) => d.code === 'duplicate-class') || undefined);
    assert.deepEqual(vscode.languages.getDiagnostics(bpmnUri), [], 'the BPMN file itself is fine');
    const url = await vscode.commands.executeCommand<string | undefined>('bpmnResourceApi.startApi', bpmnUri);
    assert.equal(url, undefined);
    assert.equal(api().localApiUrl(), undefined);
    await screenshot('start-refused-model', '.notifications-toasts .notification-toast', { text: 'in resources.uml' });
    await vscode.commands.executeCommand('notifications.clearAll');
    const undo = new vscode.WorkspaceEdit();
    undo.delete(modelUri, new vscode.Range(model.positionAt(anchor), model.positionAt(anchor + twice.length)));
    assert.ok(await vscode.workspace.applyEdit(undo));
    assert.ok(await model.save());
    await until('the model without errors', () => !vscode.languages.getDiagnostics(modelUri).some((d) => d.severity === vscode.DiagnosticSeverity.Error));
  });

  it('the Outline lists the process and its activities, each with its resource and URI', async () => {
    const symbols = await until('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', bpmnUri);
      return s?.length ? s : undefined;
    });
    assert.equal(symbols[0].name, 'insurance application');
    const flat = (s: vscode.DocumentSymbol): string[] => [`${s.name}: ${s.detail}`, ...s.children.flatMap(flat)];
    assert.deepEqual(symbols[0].children.flatMap(flat), [
      'collect documents: subProcess',
      'upload document: Document /application/{businessKey}/document/{documentId}',
      'evaluate application: Decision /application/{businessKey}/decision',
      'approve decision: Approval /application/{businessKey}/decision/approval',
    ]);
  });

  it('the Resource API view in the Explorer shows the resource tree with URIs, multiplicities and linked activities', async () => {
    // Room for the view in the screenshot: Outline and Timeline hidden (the runner widens the side bar and drags the view up).
    for (const c of ['outline.removeView', 'timeline.removeView']) await vscode.commands.executeCommand(c);
    await vscode.commands.executeCommand('bpmnResourceApi.resources.focus');
    const processes = await api().resources();
    assert.deepEqual(processes.map((p) => p.name), ['insurance application']);
    const names = (n: ResourceNode): string[] => [`${n.name} ${n.uri} ${n.multiplicity}`, ...n.activities.map((a) => `  ${a.name}`), ...n.children.flatMap(names)];
    assert.deepEqual(names(processes[0].root), [
      'Application /application/{businessKey} 0..*',
      'Document /application/{businessKey}/document/{documentId} 0..*',
      '  upload document',
      'Decision /application/{businessKey}/decision 0..1',
      '  evaluate application',
      'Approval /application/{businessKey}/decision/approval 0..1',
      '  approve decision',
    ]);
    // The rows are drawn in the Explorer (what the user sees), and a click on a resource opens its class.
    await screenshot('resource-api-view', '.monaco-list-row', { text: '/application/{businessKey}/decision/approval', widenSideBar: 330, raiseView: 'Resource API' });
    const decision = processes[0].root.children[1];
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(decision.classLocation!.uri), { selection: toRange(decision.classLocation!.range) });
    const e = await until('the model at the class', () => (vscode.window.activeTextEditor?.document.uri.fsPath === modelUri.fsPath ? vscode.window.activeTextEditor : undefined));
    assert.equal(e.document.getText(e.selection), 'Decision');
    editor = await vscode.window.showTextDocument(doc);
  });

  let url: string;

  it('the command starts the generated API on the embedded engine, with a progress notification, and returns its URL', async function () {
    this.timeout(60000);
    const started = vscode.commands.executeCommand<string>('bpmnResourceApi.startApi', bpmnUri);
    await screenshot('api-starting', '.notifications-toasts .notification-toast', { text: 'Starting the API of application.bpmn' }).catch(() => undefined);
    url = await started;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api().localApiUrl(), url);
    const created = await fetch(`${url}/application`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ businessKey: 'e2e', product: 'car' }) });
    assert.equal(created.status, 201);
    const docs = (await (await fetch(`${url}/application/e2e/document`)).json()) as { count: number };
    assert.equal(docs.count, 2);
    await screenshot('api-started', '.notifications-toasts .notification-toast', { text: 'running at' });
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('/docs works in the API started from the extension (swagger-ui bundled with the CLI)', async () => {
    const page = await fetch(`${url}/docs/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /swagger-ui-bundle\.js/);
    const bundle = await fetch(`${url}/docs/static/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 1_000_000);
  });

  it('the status bar item opens a quick pick (docs, copy URL, restart, stop, reset); "Open docs" opens the docs page', async function () {
    this.timeout(60000);
    // The docs open in a browser: the code-server runner catches that page; VS Code desktop would start the system's browser.
    if (!HOOK) this.skip();
    const picked = vscode.commands.executeCommand<string | undefined>('bpmnResourceApi.apiActions');
    await screenshot('quick-pick', '.quick-input-widget .monaco-list-row', { text: 'Reset local data' });
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await picked, 'docs');
    const opened = await screenshot('docs-from-status-bar', '.opblock-tag', { popup: true, tryOperation: 'Application-listApplication' });
    // code-server forwards the local port through its own /proxy/PORT/ path (asExternalUri); "Try it out"
    // on the page reaches the API through that proxy too.
    assert.match(opened, new RegExp(`/proxy/${new URL(url).port}/docs/ 200$`));
  });

  it('the view’s "Open in API docs" opens the docs at the resource’s section', async function () {
    this.timeout(60000);
    if (!HOOK) this.skip();
    const decision = (await api().resources())[0].root.children[1];
    await vscode.commands.executeCommand('bpmnResourceApi.openResourceInDocs', { kind: 'resource', resource: decision });
    const opened = await screenshot('docs-at-resource', '#operations-Decision-getDecision', { popup: true });
    assert.match(opened, /\/docs\/#\/Decision$/);
    const copied = await vscode.commands.executeCommand<string>('bpmnResourceApi.copyResourceUri', { kind: 'resource', resource: decision });
    assert.equal(copied, `${url}/application/{businessKey}/decision`);
    assert.equal(await vscode.env.clipboard.readText(), copied);
  });

  it('saving a changed model restarts the API on it: same URL, the data kept, the change served', async function () {
    this.timeout(60000);
    const model = await vscode.workspace.openTextDocument(modelUri);
    const anchor = model.getText().indexOf('>', model.getText().indexOf('xmi:id="_Decision" name="Decision"')) + 1;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(modelUri, model.positionAt(anchor), '\n    <ownedAttribute xmi:id="_Decision_note" name="note"><type xmi:type="uml:PrimitiveType" href="pathmap://UML_LIBRARIES/UMLPrimitiveTypes.library.uml#String"/></ownedAttribute>');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await model.save());
    await until('the restarted API serving the new attribute', async () => {
      try {
        const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
        return spec.components.schemas.Decision?.properties?.note !== undefined;
      } catch {
        return false; // between stop and start
      }
    });
    assert.equal(api().localApiUrl(), url);
    const kept = await fetch(`${url}/application/e2e`);
    assert.equal(kept.status, 200, 'the embedded data outlives the restart');
  });

  it('"Reset local data" deletes the instances and the API runs on', async () => {
    const after = await vscode.commands.executeCommand<string>('bpmnResourceApi.resetApiData', { confirmed: true });
    assert.equal(after, url);
    assert.equal((await fetch(`${url}/application/e2e`)).status, 404);
  });

  it('"Generate HTTP requests" writes a .http file whose requests, sent in order, walk the process to its end', async function () {
    this.timeout(60000);
    const file = await vscode.commands.executeCommand<string>('bpmnResourceApi.generateHttpRequests', bpmnUri);
    assert.equal(file, path.join(WS, 'application.http'));
    const answers = await sendHttpFile(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(answers.map((a) => `${a.method} ${a.status}`), ['POST 201', 'GET 200', 'GET 200', 'PUT 200', 'PUT 200', 'PUT 200', 'PUT 200', 'GET 200']);
    const end = answers[answers.length - 1].body as { _process: { state: string } };
    assert.equal(end._process.state, 'completed');
    assert.ok(answers[0].url.startsWith(url), 'aimed at the running API');
  });

  it('the request log is in the output channel', async () => {
    await vscode.commands.executeCommand('workbench.action.output.show.extension-output-bpmn-resource-api.bpmn-resource-api-#1-BPMN Resource API').then(undefined, () => undefined);
    await screenshot('request-log').catch(() => undefined);
  });

  it('"Stop" ends the API: its port is closed', async () => {
    await vscode.commands.executeCommand('bpmnResourceApi.stopApi');
    assert.equal(api().localApiUrl(), undefined);
    await assert.rejects(fetch(`${url}/application`), /fetch failed/);
  });
});
