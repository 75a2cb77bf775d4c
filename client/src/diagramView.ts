/**
 * "Open Diagram to the Side": a read-only drawing of a BPMN file (bpmn-js's NavigatedViewer, bundled in
 * dist/diagram, no network) with what the language server found on top of it (resources, URIs, problems,
 * unlinked tasks; one request, `bpmnResourceApi/diagram`), following the text as it is edited, navigating
 * both ways, and showing the local API's instances while it runs.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { DiagramInfo } from '../../server/src/lsp/features/diagram';
import { diagramHtml } from './diagramHtml';

/** What the view marks of the chosen instance: where it waits, and its incident (no engine reports finished activities). */
interface InstanceState {
  waiting: string[];
  incident?: { elementId: string; message: string };
}

/** Redraw this long after the last edit of a burst: typing does not redraw per key. */
const REDRAW_DELAY_MS = 150;
const POLL_MS = 2000;

export class DiagramPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, DiagramPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private info: DiagramInfo | undefined;
  private redraw: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private instanceKey: string | undefined;
  /** the document version the webview last drew, for tests and the redraw measurement */
  drawnVersion = -1;
  /** ms from an edit to the webview's drawing of it, the last one */
  lastRedrawMs = 0;
  private editAt = 0;

  static open(context: vscode.ExtensionContext, client: LanguageClient, apiUrl: () => string | undefined, doc: vscode.TextDocument): DiagramPanel {
    const existing = DiagramPanel.panels.get(doc.uri.toString());
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return existing;
    }
    const root = vscode.Uri.joinPath(context.extensionUri, 'dist', 'diagram');
    const panel = vscode.window.createWebviewPanel('bpmnResourceApi.diagram', `Diagram: ${doc.uri.path.split('/').pop()}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, localResourceRoots: [root] });
    const p = new DiagramPanel(panel, root, client, apiUrl, doc);
    DiagramPanel.panels.set(doc.uri.toString(), p);
    return p;
  }

  static of(uri: vscode.Uri): DiagramPanel | undefined {
    return DiagramPanel.panels.get(uri.toString());
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    root: vscode.Uri,
    private readonly client: LanguageClient,
    private readonly apiUrl: () => string | undefined,
    private readonly doc: vscode.TextDocument,
  ) {
    panel.webview.html = html(panel.webview, root);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => void this.received(m)),
      panel.onDidChangeViewState(() => this.schedulePoll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document !== this.doc) return;
        this.editAt = Date.now();
        if (this.redraw) clearTimeout(this.redraw);
        this.redraw = setTimeout(() => void this.send(), REDRAW_DELAY_MS);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document === this.doc) this.selectAt(e.selections[0].active);
      }),
    );
  }

  dispose(): void {
    DiagramPanel.panels.delete(this.doc.uri.toString());
    if (this.redraw) clearTimeout(this.redraw);
    if (this.poll) clearTimeout(this.poll);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }

  private async send(): Promise<void> {
    const info = await this.client.sendRequest<DiagramInfo | null>('bpmnResourceApi/diagram', { uri: this.doc.uri.toString() });
    if (!info) return;
    this.info = info;
    await this.panel.webview.postMessage({ type: 'show', info });
  }

  private async received(m: { type: string; id?: string; elementId?: string; name?: string; uri?: string; version?: number; key?: string }): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.send();
        this.schedulePoll();
        return;
      case 'drawn':
        this.drawnVersion = m.version ?? -1;
        if (this.editAt) this.lastRedrawMs = Date.now() - this.editAt;
        return;
      case 'reveal':
        return this.reveal(m.id!);
      case 'copyUri':
        await vscode.env.clipboard.writeText(m.uri!);
        void vscode.window.setStatusBarMessage(`Copied ${m.uri}`, 3000);
        return;
      case 'openClass':
        return this.openClass(m.elementId!, m.name!);
      case 'chooseInstance':
        this.instanceKey = m.key || undefined;
        return this.pollNow();
    }
  }

  /** Clicking a shape puts the cursor on its element in the text. */
  private async reveal(id: string): Promise<void> {
    const el = this.info?.elements.find((e) => e.id === id);
    if (!el) return;
    const range = new vscode.Range(el.range.start.line, el.range.start.character, el.range.end.line, el.range.end.character);
    const editor = await vscode.window.showTextDocument(this.doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Selection(range.start, range.start), preserveFocus: false });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Moving the cursor in the XML selects the innermost element around it. */
  private selectAt(pos: vscode.Position): void {
    let best: string | undefined;
    for (const e of this.info?.elements ?? []) {
      const start = new vscode.Position(e.range.start.line, e.range.start.character);
      if (start.isAfter(pos)) break;
      best = e.id;
    }
    if (best) void this.panel.webview.postMessage({ type: 'select', id: best });
  }

  /** Go to definition at the linkedResource's name (where the server says it is): the UML class. */
  private async openClass(elementId: string, name: string): Promise<void> {
    const at = this.info?.resources.find((r) => r.elementId === elementId && r.name === name)?.nameRange?.start;
    if (!at) return;
    const pos = new vscode.Position(at.line, at.character);
    const locations = await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>('vscode.executeDefinitionProvider', this.doc.uri, pos);
    const first = locations?.[0];
    if (!first) return void vscode.window.showInformationMessage('No UML class found for this resource.');
    const uri = 'targetUri' in first ? first.targetUri : first.uri;
    const range = 'targetRange' in first ? first.targetRange : first.range;
    await vscode.window.showTextDocument(uri, { selection: range, viewColumn: vscode.ViewColumn.One });
  }

  /** While the view is visible and the local API runs: its instances, and the chosen one's state. Stops when hidden. */
  private schedulePoll(): void {
    if (this.poll) clearTimeout(this.poll);
    this.poll = undefined;
    if (!this.panel.visible) return;
    this.poll = setTimeout(() => void this.pollNow(), POLL_MS);
  }

  private async pollNow(): Promise<void> {
    try {
      const base = this.apiUrl();
      const collection = this.info?.resources.find((r) => r.root)?.collectionUri;
      if (!base || !collection) {
        await this.panel.webview.postMessage({ type: 'instances', keys: [], running: !!base });
        return;
      }
      const list = (await (await fetch(`${base}${collection}?limit=100`)).json()) as { _embedded?: Record<string, Array<{ businessKey: string }>> };
      const keys = Object.values(list._embedded ?? {}).flat().map((i) => i.businessKey);
      await this.panel.webview.postMessage({ type: 'instances', keys, chosen: this.instanceKey, running: true });
      if (!this.instanceKey) return void (await this.panel.webview.postMessage({ type: 'instance', state: undefined }));
      const r = await fetch(`${base}${collection}/${encodeURIComponent(this.instanceKey)}`);
      if (!r.ok) return;
      const p = ((await r.json()) as { _process?: { waiting?: Array<{ activityId: string }>; incident?: { elementId: string; message: string } } })._process;
      const state: InstanceState = { waiting: (p?.waiting ?? []).map((w) => w.activityId), ...(p?.incident ? { incident: p.incident } : {}) };
      await this.panel.webview.postMessage({ type: 'instance', state });
    } catch {
      // The API stopped between polls: the picker empties at the next one.
    } finally {
      this.schedulePoll();
    }
  }
}

function html(webview: vscode.Webview, root: vscode.Uri): string {
  return diagramHtml((f) => webview.asWebviewUri(vscode.Uri.joinPath(root, f)).toString(), webview.cspSource, crypto.randomBytes(16).toString('base64'));
}
