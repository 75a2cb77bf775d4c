import { UNBOUNDED, type UmlAssociation, type UmlClass, type UmlModel } from '../uml/model';

/** A REST resource: a class placed in the URL tree by directed associations. */
export interface Resource {
  cls: UmlClass;
  name: string;
  segment: string;
  parent: Resource | undefined;
  /** association that makes this a child of its parent */
  association: UmlAssociation | undefined;
  lower: number;
  upper: number;
  /** upper bound > 1: addressed by an id within its parent */
  many: boolean;
  /** path parameter naming one item: `businessKey` for roots, `{lowerCamel}Id` for 1-to-N children */
  idParam: string | undefined;
  /** URI template of one resource, e.g. `/application/{businessKey}/document/{documentId}` */
  uri: string;
  /** URI of the collection (roots and 1-to-N children), e.g. `/application/{businessKey}/document` */
  collectionUri: string | undefined;
  children: Resource[];
  depth: number;
}

export interface ResourceTree {
  resources: Resource[];
  byClassId: Map<string, Resource>;
  roots: Resource[];
  /** associations closing a directed cycle, with the classes of that cycle */
  cycles: Array<{ association: UmlAssociation; classes: UmlClass[] }>;
  /** second and further parent associations of a class */
  extraParents: Array<{ association: UmlAssociation; child: UmlClass; firstParent: UmlClass; otherParent: UmlClass }>;
}

/** `RiskAssessment` → `risk-assessment`, `HTTPServer` → `http-server`, `Line Item` → `line-item`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** `RiskAssessment` → `riskAssessment`, `HTTPServer` → `httpServer`. */
export function lowerCamel(name: string): string {
  const parts = kebabCase(name).split('-').filter(Boolean);
  return parts.map((p, i) => (i === 0 ? p : p[0].toUpperCase() + p.slice(1))).join('');
}

export function isMany(upper: number): boolean {
  return upper === UNBOUNDED || upper > 1;
}

export function buildResourceTree(model: UmlModel): ResourceTree {
  const tree: ResourceTree = { resources: [], byClassId: new Map(), roots: [], cycles: [], extraParents: [] };
  for (const cls of model.classes) {
    if (tree.byClassId.has(cls.id)) continue;
    const r: Resource = {
      cls,
      name: cls.name,
      segment: kebabCase(cls.name) || cls.id,
      parent: undefined,
      association: undefined,
      lower: 1,
      upper: 1,
      many: false,
      idParam: undefined,
      uri: '',
      collectionUri: undefined,
      children: [],
      depth: 0,
    };
    tree.resources.push(r);
    tree.byClassId.set(cls.id, r);
  }
  for (const a of model.associations) {
    if (!a.directed || a.sourceId === undefined || a.targetId === undefined) continue;
    const parent = tree.byClassId.get(a.sourceId);
    const child = tree.byClassId.get(a.targetId);
    if (!parent || !child) continue;
    if (child.parent) {
      tree.extraParents.push({ association: a, child: child.cls, firstParent: child.parent.cls, otherParent: parent.cls });
      continue;
    }
    // Would this edge close a cycle? Walk up from the parent.
    const path: UmlClass[] = [];
    let closes = false;
    for (let p: Resource | undefined = parent; p; p = p.parent) {
      path.push(p.cls);
      if (p === child) {
        closes = true;
        break;
      }
    }
    if (closes) {
      tree.cycles.push({ association: a, classes: path.reverse() });
      continue;
    }
    child.parent = parent;
    child.association = a;
    child.lower = a.targetLower;
    child.upper = a.targetUpper;
    child.many = isMany(a.targetUpper);
    parent.children.push(child);
  }
  // URIs top-down, iteratively.
  const queue: Resource[] = [];
  for (const r of tree.resources) {
    if (!r.parent) {
      tree.roots.push(r);
      r.idParam = 'businessKey';
      r.collectionUri = `/${r.segment}`;
      r.uri = `/${r.segment}/{businessKey}`;
      queue.push(r);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i];
    for (const c of p.children) {
      c.depth = p.depth + 1;
      if (c.many) {
        c.idParam = `${lowerCamel(c.name) || 'item'}Id`;
        c.collectionUri = `${p.uri}/${c.segment}`;
        c.uri = `${c.collectionUri}/{${c.idParam}}`;
      } else {
        c.uri = `${p.uri}/${c.segment}`;
      }
      queue.push(c);
    }
  }
  return tree;
}

/** Resources from `ancestor` (exclusive) down to `r` (inclusive), or undefined when `r` is not below it. */
export function pathBelow(ancestor: Resource, r: Resource): Resource[] | undefined {
  const path: Resource[] = [];
  for (let x: Resource | undefined = r; x; x = x.parent) {
    if (x === ancestor) return path.reverse();
    path.push(x);
  }
  return undefined;
}

export function isAncestorOrSelf(ancestor: Resource, r: Resource): boolean {
  for (let x: Resource | undefined = r; x; x = x.parent) if (x === ancestor) return true;
  return false;
}
