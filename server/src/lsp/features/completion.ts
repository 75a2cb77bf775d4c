import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { isAncestorOrSelf, pathBelow, type Resource } from '../../core/resources/tree';
import { allAttributes, multiplicityText, type UmlModel } from '../../core/uml/model';
import { activityAt, cursorContext, processAt } from './context';
import type { AnalyzedBpmn } from './types';

/**
 * Completion inside `linkedResource name="…"`: every class of the model, the ones that fit here first
 * (children of the process's resource; for a repeating activity the 1-to-N ones), each with its URI.
 * In element content: a snippet that inserts the whole extensionElements/linkedResource block.
 */
export function completions(doc: AnalyzedBpmn, offset: number): CompletionItem[] {
  const ctx = cursorContext(doc.text, offset);
  const an = doc.analysis;
  if (ctx.kind === 'linkName') {
    if (!an.tree) return [];
    const range = { start: doc.index.position(ctx.valueStart), end: doc.index.position(ctx.valueEnd) };
    const process = processAt(an, offset);
    const root = process ? an.processResource.get(process) : undefined;
    const activity = activityAt(an, offset);
    return an.tree.resources.map((r) => {
      const rank = fitRank(r, root, activity?.repeats ?? false, activity === undefined);
      const item: CompletionItem = {
        label: r.name,
        kind: CompletionItemKind.Class,
        detail: r.uri,
        documentation: { kind: 'markdown', value: resourceDoc(r, an.model) },
        sortText: `${rank}_${r.name}`,
        textEdit: { range, newText: r.name },
        filterText: r.name,
      };
      if (rank === 0) item.preselect = true;
      return item;
    });
  }
  if (ctx.kind === 'tagContent') {
    const style = an.doc.linkStyle;
    const root = an.doc.xml.root;
    const bpmnPrefix = root && root.prefix ? `${root.prefix}:` : '';
    const qname = style?.qname ?? 'linkedResource';
    const names = an.tree ? an.tree.resources.map((r) => r.name.replace(/[$}\\,|]/g, '')) : [];
    const choice = names.length ? `\${1|${names.join(',')}|}` : '$1';
    return [
      {
        label: 'linkedResource',
        kind: CompletionItemKind.Snippet,
        detail: 'link this element to a resource of the UML model',
        insertTextFormat: InsertTextFormat.Snippet,
        insertText: `<${bpmnPrefix}extensionElements>\n\t<${qname} name="${choice}" />\n</${bpmnPrefix}extensionElements>`,
        sortText: '0_linkedResource',
      },
    ];
  }
  return [];
}

/** 0: fits this place; 1: below the process's resource; 2: elsewhere. */
function fitRank(r: Resource, root: Resource | undefined, repeats: boolean, onProcess: boolean): number {
  if (!root) return r.parent ? 1 : 0;
  if (onProcess) return r === root ? 0 : r.parent ? 2 : 1;
  if (!isAncestorOrSelf(root, r) || r === root) return 2;
  const many = pathBelow(root, r)!.some((x) => x.many);
  return many === repeats ? 0 : 1;
}

export function resourceDoc(r: Resource, model: UmlModel | undefined): string {
  const lines = [`**${r.name}** — \`${r.uri}\``, ''];
  if (r.parent) lines.push(`child of ${r.parent.name}, multiplicity ${multiplicityText(r.lower, r.upper)}`);
  else lines.push('root resource');
  const attrs = model ? allAttributes(model, r.cls) : r.cls.attributes;
  if (attrs.length) {
    lines.push('', '| attribute | type |', '|---|---|');
    for (const a of attrs) lines.push(`| ${a.name} | ${a.type || '?'}${a.upper === -1 || a.upper > 1 ? '[]' : ''} |`);
  }
  return lines.join('\n');
}
