import type { Span } from '../xml/positions';
import type { XmlDocument } from '../xml/scanner';

/** Unbounded upper bound (`*`, `-1`). */
export const UNBOUNDED = -1;

export type TypeKind = 'string' | 'integer' | 'boolean' | 'number' | 'date-time' | 'enum' | 'class' | 'unknown';

export interface UmlAttribute {
  name: string;
  /** type name as the model names it (resolved through ids and library hrefs), '' when untyped */
  type: string;
  kind: TypeKind;
  /** for kind 'enum' */
  enumValues?: string[];
  /** for kind 'class': the class id */
  classId?: string;
  lower: number;
  upper: number;
  span: Span;
}

export interface UmlClass {
  id: string;
  name: string;
  /** value of the name attribute (or the start tag when the name is not an attribute) */
  nameSpan: Span;
  /** start tag of the class element */
  span: Span;
  /** the class's own attributes (see allAttributes for inherited ones) */
  attributes: UmlAttribute[];
  /** ids of the classes it specialises (UML generalizations) */
  superIds: string[];
  /** its documentation (UML 2 `ownedComment/body`, UML 1.x / EA `documentation` tagged value), when written */
  documentation?: string;
}

export interface UmlAssociationEnd {
  /** id of the class (or other classifier) at this end */
  typeId: string | undefined;
  role: string | undefined;
  navigable: boolean;
  /** this end's participant is the whole (composition/aggregation) */
  whole: boolean;
  lower: number;
  upper: number;
}

export interface UmlAssociation {
  id: string;
  name: string | undefined;
  span: Span;
  /** the name value, else the start tag */
  nameSpan: Span;
  ends: UmlAssociationEnd[];
  /** set when the association has a usable direction */
  sourceId: string | undefined;
  targetId: string | undefined;
  targetLower: number;
  targetUpper: number;
  directed: boolean;
  /** why it is (un)directed: for messages */
  reason: string;
}

export interface UmlModel {
  xml: XmlDocument;
  /** set when the file is not a UML model we can read */
  unreadable: string | undefined;
  /** human name of the dialect / exporter seen */
  dialect: string;
  classes: UmlClass[];
  associations: UmlAssociation[];
  classById: Map<string, UmlClass>;
}

export function multiplicityText(lower: number, upper: number): string {
  const u = upper === UNBOUNDED ? '*' : String(upper);
  if (lower === upper) return u;
  if (lower === 0 && upper === UNBOUNDED) return '0..*';
  return `${lower}..${u}`;
}

/** Own and inherited attributes: superclasses first, a redefinition in a subclass wins. Cycle-safe. */
export function allAttributes(model: UmlModel, cls: UmlClass): UmlAttribute[] {
  const order: UmlClass[] = [];
  const seen = new Set<string>();
  const visit = (c: UmlClass, depth: number) => {
    if (seen.has(c.id) || depth > 32) return;
    seen.add(c.id);
    for (const id of c.superIds) {
      const sup = model.classById.get(id);
      if (sup) visit(sup, depth + 1);
    }
    order.push(c);
  };
  visit(cls, 0);
  const byName = new Map<string, UmlAttribute>();
  for (const c of order) for (const a of c.attributes) byName.set(a.name, a);
  return [...byName.values()];
}

/** Finds a class by name: an exact match wins, else a case-insensitive one. */
export function findClass(model: UmlModel, name: string): UmlClass | undefined {
  let ci: UmlClass | undefined;
  const lower = name.toLowerCase();
  for (const c of model.classes) {
    if (c.name === name) return c;
    if (!ci && c.name.toLowerCase() === lower) ci = c;
  }
  return ci;
}
