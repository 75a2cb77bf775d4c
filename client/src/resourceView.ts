import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
// The answer of the server's `bpmnResourceApi/resourceTree`, in its own types (type-only: nothing of the server is bundled here).
import type { ResourceViewNode as ResourceNode, ResourceViewProcess as ProcessNode } from '../../server/src/lsp/features/resourceView';

export type { ResourceNode, ProcessNode };
type LspLocation = ResourceNode['activities'][number]['location'];

export type ViewItem =
  | { kind: 'process'; process: ProcessNode }
  | { kind: 'resource'; resource: ResourceNode }
  | { kind: 'activity'; activity: ResourceNode['activities'][number]; resource: ResourceNode };

const REFRESH_SETTLE_MS = 300;

/**
 * The "Resource API" view in the Explorer: the resource tree of the workspace's processes, from the
 * language server (so it follows unsaved edits). A click goes to the class or the activity.
 */
export class ResourceTreeProvider implements vscode.TreeDataProvider<ViewItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly client: LanguageClient,
    private readonly apiUrl: () => string | undefined,
  ) {
    // The server publishes diagnostics after every analysis (edits, saves, model changes): the tree may have changed too.
    this.subscription = vscode.languages.onDidChangeDiagnostics(() => this.refresh());
  }

  refresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), REFRESH_SETTLE_MS);
  }

  /** The processes as the server sees them now (also for tests). */
  async processes(): Promise<ProcessNode[]> {
    return this.client.sendRequest<ProcessNode[]>('bpmnResourceApi/resourceTree', {});
  }

  async getChildren(item?: ViewItem): Promise<ViewItem[]> {
    if (!item) return (await this.processes()).map((process) => ({ kind: 'process', process }));
    if (item.kind === 'process') return [{ kind: 'resource', resource: item.process.root }];
    if (item.kind === 'resource') {
      return [
        ...item.resource.activities.map((activity) => ({ kind: 'activity' as const, activity, resource: item.resource })),
        ...item.resource.children.map((resource) => ({ kind: 'resource' as const, resource })),
      ];
    }
    return [];
  }

  getTreeItem(item: ViewItem): vscode.TreeItem {
    if (item.kind === 'process') {
      const t = new vscode.TreeItem(item.process.name, vscode.TreeItemCollapsibleState.Expanded);
      t.description = vscode.workspace.asRelativePath(vscode.Uri.parse(item.process.location.uri));
      t.iconPath = new vscode.ThemeIcon('type-hierarchy');
      t.tooltip = `process ${item.process.id}`;
      t.contextValue = 'process';
      t.command = open(item.process.location, 'Go to the process');
      return t;
    }
    if (item.kind === 'activity') {
      const a = item.activity;
      const t = new vscode.TreeItem(a.name ?? a.id, vscode.TreeItemCollapsibleState.None);
      t.description = `writes ${item.resource.name}`;
      t.iconPath = new vscode.ThemeIcon('symbol-event');
      t.tooltip = `${a.id}: while it is active, ${item.resource.methods.filter((m) => m === 'PUT' || m === 'PATCH').join(' and ')} ${item.resource.uri} are allowed`;
      t.contextValue = 'activity';
      t.command = open(a.location, 'Go to the activity');
      return t;
    }
    const r = item.resource;
    const t = new vscode.TreeItem(r.name, r.children.length || r.activities.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    t.description = `${r.uri}  ${r.multiplicity}`;
    t.iconPath = new vscode.ThemeIcon('symbol-class');
    t.contextValue = 'resource';
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${r.name}** \`${r.multiplicity}\`\n\n`);
    if (r.collectionUri) md.appendMarkdown(`\`${r.collectionUri}\`: ${r.collectionMethods?.join(', ')}\n\n`);
    md.appendMarkdown(`\`${r.uri}\`: ${r.methods.join(', ')}\n\n`);
    md.appendMarkdown(r.activities.length ? `Written while ${r.activities.map((a) => a.name ?? a.id).join(' or ')} is active.` : 'Read-only: no activity is linked to it.');
    t.tooltip = md;
    if (r.classLocation) t.command = open(r.classLocation, 'Go to the class');
    return t;
  }

  /** Context action: the URI (with the running API's base URL when there is one). */
  async copyUri(item: ViewItem | undefined): Promise<string | undefined> {
    if (item?.kind !== 'resource') return undefined;
    const text = `${this.apiUrl() ?? ''}${item.resource.uri}`;
    await vscode.env.clipboard.writeText(text);
    return text;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function open(loc: LspLocation, title: string): vscode.Command {
  const { start, end } = loc.range;
  return {
    command: 'vscode.open',
    title,
    arguments: [vscode.Uri.parse(loc.uri), { selection: new vscode.Range(start.line, start.character, end.line, end.character) } satisfies vscode.TextDocumentShowOptions],
  };
}
