import type { Location, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { UmlClass, UmlModel } from '../../core/uml/model';
import { linkAt } from './context';
import type { AnalyzedBpmn, ModelSource } from './types';

/** Go to definition: from a linkedResource name to the class in the model file. */
export function definition(doc: AnalyzedBpmn, offset: number): Location | null {
  const link = linkAt(doc.analysis, offset);
  const r = link ? doc.analysis.linkResource.get(link) : undefined;
  if (!r || !doc.model) return null;
  return { uri: doc.model.uri, range: doc.model.index.range(r.cls.nameSpan) };
}

/** The class at an offset of a model file (its name, or anywhere in its start tag). */
export function classAt(model: UmlModel, offset: number): UmlClass | undefined {
  return model.classes.find((c) => (offset >= c.nameSpan.start && offset <= c.nameSpan.end) || (offset >= c.span.start && offset <= c.span.end));
}

/** Every link in the given BPMN documents that resolves to the class, as locations. */
export function linksToClass(cls: UmlClass, docs: AnalyzedBpmn[], modelUri: string): Location[] {
  const out: Location[] = [];
  for (const d of docs) {
    if (d.model?.uri !== modelUri) continue;
    for (const [link, r] of d.analysis.linkResource) {
      if (r.cls.id === cls.id && link.nameSpan) out.push({ uri: d.uri, range: d.index.range(link.nameSpan) });
    }
  }
  return out;
}

/** The class a BPMN link resolves to. */
export function classOfLinkAt(doc: AnalyzedBpmn, offset: number): UmlClass | undefined {
  const link = linkAt(doc.analysis, offset);
  return link ? doc.analysis.linkResource.get(link)?.cls : undefined;
}

const CLASS_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Rename a class in the model file and in every linkedResource of the workspace that names it. */
export function renameClass(cls: UmlClass, model: UmlModel, modelSource: ModelSource, docs: AnalyzedBpmn[], newName: string): WorkspaceEdit | string {
  if (!CLASS_NAME.test(newName)) return `'${newName}' is not a valid class name (letters, digits and _; not starting with a digit)`;
  const clash = model.classes.find((c) => c !== cls && c.name.toLowerCase() === newName.toLowerCase());
  if (clash) return `the model already has a class named ${clash.name}`;
  if (cls.nameSpan.start === cls.span.start) return `the name of ${cls.name} is not an attribute in this model file, so it cannot be renamed here`;
  const changes: Record<string, TextEdit[]> = {};
  changes[modelSource.uri] = [{ range: modelSource.index.range(cls.nameSpan), newText: newName }];
  for (const loc of linksToClass(cls, docs, modelSource.uri)) (changes[loc.uri] ??= []).push({ range: loc.range, newText: newName });
  return { changes };
}
