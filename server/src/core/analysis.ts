import type { RuleLevels } from './ruleLevels';
import type { Span } from './xml/positions';

export interface UnsupportedEncoding {
  name: string;
  span: Span;
}
import type { BpmnActivity, BpmnDocument, BpmnLink, BpmnProcess } from './bpmn/model';
import { findClass, type UmlModel } from './uml/model';
import { buildResourceTree, isAncestorOrSelf, type Resource, type ResourceTree } from './resources/tree';

/** A callActivity somewhere in the workspace, with the resource of the process that contains it. */
export interface CallSite {
  calledElement: string;
  /** resource of the calling process, or of the callActivity's own link */
  callerResources: Resource[];
}

/** Everything the BPMN rules need, computed once per check. */
export interface BpmnAnalysis {
  doc: BpmnDocument;
  model: UmlModel | undefined;
  /** file name of the model, for messages */
  modelLabel: string;
  /** set when a model was given but cannot be read */
  modelUnreadable: string | undefined;
  tree: ResourceTree | undefined;
  /** resolved resource of each link with a known name */
  linkResource: Map<BpmnLink, Resource>;
  processResource: Map<BpmnProcess, Resource>;
  callSites: CallSite[];
  /** ids of the processes of every BPMN file around this one, when known (for unknown-called-element) */
  knownProcessIds: ReadonlySet<string> | undefined;
  /** the engine the process is served on, when known (engine-specific rules) */
  engine: string | undefined;
  /** severities the project sets (bpmn-resource-api.json `rules`) */
  ruleLevels?: RuleLevels;
  /** the declared encoding was unknown and the text was read as UTF-8: the name and where to report it */
  unsupportedEncoding?: UnsupportedEncoding;
}

export function resolveLink(tree: ResourceTree, model: UmlModel, name: string): Resource | undefined {
  if (!name) return undefined;
  const cls = findClass(model, name);
  return cls ? tree.byClassId.get(cls.id) : undefined;
}

export interface AnalyzeOptions {
  modelLabel?: string;
  tree?: ResourceTree;
  workspace?: BpmnDocument[];
  knownProcessIds?: ReadonlySet<string>;
  engine?: string;
  ruleLevels?: RuleLevels;
  unsupportedEncoding?: UnsupportedEncoding;
}

export function analyze(
  doc: BpmnDocument,
  model: UmlModel | undefined,
  options: AnalyzeOptions = {},
): BpmnAnalysis {
  const usable = model && !model.unreadable ? model : undefined;
  const tree = usable ? (options.tree ?? buildResourceTree(usable)) : undefined;
  const linkResource = new Map<BpmnLink, Resource>();
  const processResource = new Map<BpmnProcess, Resource>();
  const docs = options.workspace && options.workspace.length ? options.workspace : [doc];
  if (!docs.includes(doc)) docs.push(doc);
  const callSites: CallSite[] = [];
  if (tree && usable) {
    for (const d of docs) {
      for (const link of d.links) {
        if (d !== doc && linkResource.has(link)) continue;
        const r = resolveLink(tree, usable, link.name);
        if (r) linkResource.set(link, r);
      }
      for (const p of d.processes) {
        const r = p.links.map((l) => linkResource.get(l)).find((x) => x !== undefined);
        if (r) processResource.set(p, r);
      }
    }
    for (const d of docs) {
      for (const p of d.processes) {
        for (const a of p.activities) {
          if (a.kind !== 'callActivity' || !a.calledElement) continue;
          const callerResources: Resource[] = [];
          const pr = processResource.get(p);
          if (pr) callerResources.push(pr);
          for (const l of a.links) {
            const r = linkResource.get(l);
            if (r) callerResources.push(r);
          }
          callSites.push({ calledElement: a.calledElement, callerResources });
        }
      }
    }
  }
  return {
    doc,
    model: usable,
    modelLabel: options.modelLabel ?? 'the resource model',
    modelUnreadable: model?.unreadable,
    tree,
    linkResource,
    processResource,
    callSites,
    knownProcessIds: options.knownProcessIds,
    engine: options.engine,
    ruleLevels: options.ruleLevels,
    unsupportedEncoding: options.unsupportedEncoding,
  };
}

/** The process's resource is a legitimate root when it has no parent or an ancestor's process calls this process. */
export function processIsCalledByAncestor(an: BpmnAnalysis, process: BpmnProcess, r: Resource): boolean {
  if (!r.parent) return true;
  return an.callSites.some(
    (c) => c.calledElement === process.id && c.callerResources.some((cr) => cr !== r && isAncestorOrSelf(cr, r.parent!)),
  );
}

/** Every resolved link of an activity in a linked process, with the process's resource. */
export function* activityLinks(an: BpmnAnalysis): Generator<{ root: Resource; process: BpmnProcess; activity: BpmnActivity; link: BpmnLink; resource: Resource }> {
  for (const process of an.doc.processes) {
    const root = an.processResource.get(process);
    if (!root) continue;
    for (const activity of process.activities) {
      for (const link of activity.links) {
        const resource = an.linkResource.get(link);
        if (resource) yield { root, process, activity, link, resource };
      }
    }
  }
}

export function activityLabel(a: BpmnActivity): string {
  return a.name ? `'${a.name}' (${a.id})` : `'${a.id}'`;
}
