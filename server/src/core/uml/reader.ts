import { attr, attrValue, decodeEntities, descendants, scanXml, textContent, type XmlDocument, type XmlElement } from '../xml/scanner';
import type { Span } from '../xml/positions';
import {
  UNBOUNDED,
  type TypeKind,
  type UmlAssociation,
  type UmlAssociationEnd,
  type UmlAttribute,
  type UmlClass,
  type UmlModel,
} from './model';
import { libraryTypeName, primitiveKind } from './types';

/**
 * Reads UML class models from the XMI dialects of real tools into one shape.
 *
 * Two families: XMI 2.x / UML 2 (Eclipse UML2, Papyrus, UML Designer, GenMyModel, Modelio, EA, Visual
 * Paradigm, MagicDraw, OMG files), where the metaclass is in `xmi:type`/`xsi:type` or the tag, and
 * XMI 1.x / UML 1.3–1.4 (ArgoUML, Umbrello, MagicDraw 9, EA, Rose, Novosoft), where it is the tag and
 * properties may be attributes or `Owner.property` child elements.
 */
export function readUml(text: string): UmlModel {
  return readUmlXml(scanXml(text));
}

type Family = 'uml2' | 'uml1';

interface Ctx {
  doc: XmlDocument;
  family: Family;
  ids: Map<string, XmlElement>;
}

const CLASS_TYPES = new Set(['Class', 'AssociationClass']);

function startTag(el: XmlElement): Span {
  return { start: el.start, end: el.startTagEnd };
}

function xmiId(el: XmlElement): string | undefined {
  return attrValue(el, 'xmi:id') ?? attrValue(el, 'xmi.id');
}

function xmiRef(el: XmlElement): string | undefined {
  return attrValue(el, 'xmi:idref') ?? attrValue(el, 'xmi.idref');
}

/** Metaclass of an element: `xmi:type`/`xsi:type` (`uml:Class`), else the tag (`uml:Class`, `UML:Class`, `Foundation.Core.Class`). */
function metaclass(el: XmlElement, family: Family): string | undefined {
  const t = attrValue(el, 'xmi:type') ?? attrValue(el, 'xsi:type');
  if (t !== undefined) {
    const i = t.indexOf(':');
    return i >= 0 ? t.slice(i + 1) : t;
  }
  if (family === 'uml2') {
    if (el.prefix && /uml/i.test(el.uri ?? el.prefix)) return el.local;
    if (el.local === 'ownedAttribute' || el.local === 'ownedEnd') return 'Property';
    if (el.local === 'ownedLiteral') return 'EnumerationLiteral';
    return undefined;
  }
  const dot = el.local.lastIndexOf('.');
  const last = dot >= 0 ? el.local.slice(dot + 1) : el.local;
  return last.charCodeAt(0) >= 65 && last.charCodeAt(0) <= 90 ? last : undefined;
}

/** Child element that holds property `name` in XMI 1.x (`UML:ModelElement.name`, `Foundation.Core.ModelElement.name`). */
function propElement(el: XmlElement, name: string): XmlElement | undefined {
  const suffix = '.' + name;
  for (const c of el.children) if (c.local.endsWith(suffix) || c.local === name) return c;
  return undefined;
}

/** A property's string value: attribute, else `xmi.value`, else the property element's text. */
function prop(ctx: Ctx, el: XmlElement, name: string): string | undefined {
  const a = attrValue(el, name);
  if (a !== undefined) return a;
  const p = propElement(el, name);
  if (!p) return undefined;
  const v = attrValue(p, 'xmi.value') ?? attrValue(p, 'value');
  if (v !== undefined) return v;
  if (p.children.length) return undefined;
  return textContent(ctx.doc, p).trim();
}

interface Ref {
  id?: string;
  href?: string;
  el?: XmlElement;
}

/** A reference property: `type="id"`, or a child holding `xmi:idref`/`href` (directly or one level down). */
function refProp(el: XmlElement, name: string): Ref | undefined {
  const a = attrValue(el, name);
  if (a !== undefined) return { id: a.trim().split(/\s+/)[0] };
  const p = propElement(el, name);
  if (!p) return undefined;
  const fromEl = (x: XmlElement): Ref | undefined => {
    const id = xmiRef(x);
    if (id !== undefined) return { id, el: x };
    const href = attrValue(x, 'href');
    if (href !== undefined) return { href, el: x };
    return undefined;
  };
  return fromEl(p) ?? (p.children[0] ? fromEl(p.children[0]) : undefined);
}

function detectDialect(doc: XmlDocument, root: XmlElement): string {
  const text = doc.text;
  const exporter =
    /exporter\s*=\s*"([^"]+)"/.exec(text.slice(0, 4000))?.[1] ??
    /<XMI\.exporter>([^<]+)</.exec(text.slice(0, 4000))?.[1];
  if (exporter) return exporter.trim();
  if (/source="genmymodel"/.test(text.slice(0, 4000))) return 'GenMyModel';
  if (/source="Objing"/.test(text.slice(0, 4000))) return 'Modelio';
  const uris = [...root.ns.map.values()].join(' ');
  if (/eclipse\.org\/uml2/.test(uris)) return 'Eclipse UML2';
  if (/omg\.org\/spec\/UML/.test(uris)) return 'OMG UML (XMI 2.x)';
  return root.local === 'XMI' ? `XMI ${attrValue(root, 'xmi.version') ?? attrValue(root, 'xmi:version') ?? ''}`.trim() : root.name;
}

/** Inside tool-specific extension data (EA's and VP's `xmi:Extension`, `XMI.extension`), nothing is model. */
function isExtension(el: XmlElement): boolean {
  return el.local === 'Extension' || el.local === 'XMI.extension' || el.local === 'XMI.extensions' || el.local === 'eAnnotations';
}

export function readUmlXml(doc: XmlDocument): UmlModel {
  const model: UmlModel = {
    xml: doc,
    unreadable: undefined,
    dialect: 'unknown',
    classes: [],
    associations: [],
    classById: new Map(),
  };
  const root = doc.root;
  if (!root) {
    model.unreadable = 'the file has no XML root element';
    return model;
  }
  const nsUris = collectNamespaceUris(root);
  const isXmi1 = root.local === 'XMI' && !root.prefix && (attr(root, 'xmi.version') !== undefined || root.children.some((c) => c.local.startsWith('XMI.')));
  const isUml2 = /uml/i.test(nsUris) && (/\/XMI|omg\.org\/XMI/i.test(nsUris) || /uml/i.test(root.uri ?? ''));
  if (!isXmi1 && !isUml2) {
    model.dialect = root.uri ? `<${root.local}> in namespace ${root.uri}` : `<${root.name}>`;
    model.unreadable = `not a UML model in XMI: the root element is ${model.dialect}`;
    return model;
  }
  const family: Family = isXmi1 ? 'uml1' : 'uml2';
  model.dialect = detectDialect(doc, root);

  // Pass 1: ids, and the elements that matter, in document order (skipping tool extension data).
  const ctx: Ctx = { doc, family, ids: new Map() };
  const classEls: XmlElement[] = [];
  const assocEls: XmlElement[] = [];
  const generalizationEls: XmlElement[] = [];
  const eaConnectors = new Map<string, XmlElement>();
  const stack: Array<[XmlElement, boolean]> = [[root, false]];
  while (stack.length) {
    const [el, inExt] = stack.pop()!;
    const id = xmiId(el);
    if (id !== undefined && !ctx.ids.has(id)) ctx.ids.set(id, el);
    const ext = inExt || isExtension(el);
    if (!ext) {
      const mc = metaclass(el, family);
      if (mc && CLASS_TYPES.has(mc) && id !== undefined) classEls.push(el);
      if (mc === 'Association' || mc === 'AssociationClass') {
        if (id !== undefined || family === 'uml1') assocEls.push(el);
      }
      if ((mc === 'Generalization' || el.local === 'generalization') && xmiRef(el) === undefined) generalizationEls.push(el);
    } else if (el.local === 'connector') {
      const ref = xmiRef(el);
      if (ref) eaConnectors.set(ref, el);
    }
    for (let i = el.children.length - 1; i >= 0; i--) stack.push([el.children[i], ext]);
  }

  for (const el of classEls) addClass(ctx, el, model);
  for (const el of classEls) {
    const c = model.classById.get(xmiId(el)!);
    if (c && c.span.start === el.start) c.attributes = readAttributes(ctx, el);
  }
  for (const g of generalizationEls) readGeneralization(g, model);
  for (const el of assocEls) {
    const a = family === 'uml2' ? readUml2Association(ctx, el, eaConnectors) : readUml1Association(ctx, el);
    if (a) {
      decideDirection(a);
      model.associations.push(a);
    }
  }
  return model;
}

/** One class of the model: its name (where it is written), documentation and place in the lookup by id. */
function addClass(ctx: Ctx, el: XmlElement, model: UmlModel): void {
  const name = prop(ctx, el, 'name')?.trim();
  if (!name) return;
  const nameAttr = attr(el, 'name');
  const c: UmlClass = {
    id: xmiId(el)!,
    name,
    nameSpan: nameAttr ? { start: nameAttr.valueStart, end: nameAttr.valueEnd } : startTag(el),
    span: startTag(el),
    attributes: [],
    superIds: [],
  };
  const doc = documentationOf(ctx.doc, el);
  if (doc) c.documentation = doc;
  model.classes.push(c);
  if (!model.classById.has(c.id)) model.classById.set(c.id, c);
}

/**
 * UML 2: a `generalization` owned by the subclass with `general` (attribute or child idref).
 * UML 1.x: a Generalization element with child/parent (ArgoUML, Umbrello, MagicDraw) or subtype/supertype (EA 1.1).
 */
function readGeneralization(g: XmlElement, model: UmlModel): void {
  let childId: string | undefined;
  let parentId: string | undefined;
  const general = refProp(g, 'general');
  if (general?.id !== undefined && g.parent) {
    childId = xmiId(g.parent);
    parentId = general.id;
  } else {
    childId = (refProp(g, 'child') ?? refProp(g, 'subtype'))?.id;
    parentId = (refProp(g, 'parent') ?? refProp(g, 'supertype'))?.id;
  }
  if (childId === undefined || parentId === undefined || childId === parentId) return;
  const child = model.classById.get(childId);
  if (child && !child.superIds.includes(parentId)) child.superIds.push(parentId);
}

function collectNamespaceUris(root: XmlElement): string {
  const uris: string[] = [];
  for (let s: typeof root.ns | undefined = root.ns; s; s = s.parent) uris.push(...s.map.values());
  // Some files declare the UML namespace on the first child only.
  for (const c of root.children.slice(0, 5)) if (c.ns !== root.ns) uris.push(...c.ns.map.values());
  return uris.join(' ');
}

function readAttributes(ctx: Ctx, classEl: XmlElement): UmlAttribute[] {
  const out: UmlAttribute[] = [];
  const candidates: XmlElement[] = [];
  if (ctx.family === 'uml2') {
    for (const c of classEl.children) {
      if (c.local === 'ownedAttribute' && attr(c, 'association') === undefined) candidates.push(c);
    }
  } else {
    // UML 1.x: Classifier.feature → Attribute
    for (const c of classEl.children) {
      if (c.local.endsWith('.feature')) for (const f of c.children) if (metaclass(f, 'uml1') === 'Attribute') candidates.push(f);
    }
  }
  for (const el of candidates) {
    const name = prop(ctx, el, 'name')?.trim();
    if (!name) continue;
    const ref = refProp(el, 'type');
    const t = resolveType(ctx, ref);
    const [lower, upper] = ctx.family === 'uml2' ? uml2Bounds(el) : uml1Bounds(ctx, el);
    const nameAttr = attr(el, 'name');
    const a: UmlAttribute = {
      name,
      type: t.name,
      kind: t.kind,
      lower,
      upper,
      span: nameAttr ? { start: nameAttr.valueStart, end: nameAttr.valueEnd } : startTag(el),
    };
    if (t.enumValues) a.enumValues = t.enumValues;
    if (t.classId) a.classId = t.classId;
    out.push(a);
  }
  return out;
}

interface ResolvedType {
  name: string;
  kind: TypeKind;
  enumValues?: string[];
  classId?: string;
}

function resolveType(ctx: Ctx, ref: Ref | undefined): ResolvedType {
  if (!ref) return { name: '', kind: 'unknown' };
  if (ref.id !== undefined) {
    const target = ctx.ids.get(ref.id);
    if (target) {
      const mc = metaclass(target, ctx.family);
      const name = prop(ctx, target, 'name')?.trim() || libraryTypeName(ref.id);
      if (mc && CLASS_TYPES.has(mc)) return { name, kind: 'class', classId: ref.id };
      if (mc === 'Enumeration') return { name, kind: 'enum', enumValues: enumLiterals(ctx, target) };
      return { name, kind: primitiveKind(name) ?? 'unknown' };
    }
    const name = libraryTypeName(ref.id);
    return { name, kind: primitiveKind(name) ?? 'unknown' };
  }
  // href into a library; MagicDraw 9 names the type in a nested referentPath.
  let name = libraryTypeName(ref.href ?? '');
  if (ref.el) {
    for (const d of descendants(ref.el)) {
      if (d.local === 'referentPath') {
        name = libraryTypeName(attrValue(d, 'xmi.value') ?? name);
        break;
      }
    }
  }
  return { name, kind: primitiveKind(name) ?? 'unknown' };
}

function enumLiterals(ctx: Ctx, enumEl: XmlElement): string[] {
  const out: string[] = [];
  for (const d of descendants(enumEl)) {
    if (d === enumEl) continue;
    if (metaclass(d, ctx.family) === 'EnumerationLiteral' || d.local === 'ownedLiteral') {
      const n = prop(ctx, d, 'name');
      if (n) out.push(n.trim());
    }
  }
  return out;
}

/** UML2 bounds: lowerValue/upperValue children; missing → 1; LiteralInteger without value → 0; `*`/-1 → unbounded. */
function uml2Bounds(el: XmlElement): [number, number] {
  let lower = 1;
  let upper = 1;
  for (const c of el.children) {
    if (c.local === 'lowerValue' || c.local === 'upperValue') {
      const v = bound(attrValue(c, 'value'));
      if (c.local === 'lowerValue') lower = v;
      else upper = v;
    }
  }
  // Also seen: attributes `lower`/`upper` (UML 2.0 era exporters)
  const la = attrValue(el, 'lower');
  const ua = attrValue(el, 'upper');
  if (la !== undefined) lower = bound(la);
  if (ua !== undefined) upper = bound(ua);
  return normalize(lower, upper);
}

function bound(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return 0;
  const t = v.trim();
  if (t === '*' || t === 'n' || t === 'N') return UNBOUNDED;
  const n = Number(t);
  if (!Number.isFinite(n)) return 1;
  return n < 0 ? UNBOUNDED : Math.floor(n);
}

function normalize(lower: number, upper: number): [number, number] {
  const l = lower === UNBOUNDED ? 0 : lower;
  return [l, upper];
}

/** Multiplicity text such as `1`, `0..*`, `*`, `1..n`. */
function parseMultiplicity(text: string): [number, number] | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const m = /^([0-9*n]+)\s*(?:\.\.\s*([0-9*n]+))?$/.exec(t);
  if (!m) return undefined;
  const lo = bound(m[1]);
  if (m[2] === undefined) return lo === UNBOUNDED ? [0, UNBOUNDED] : [lo, lo];
  return normalize(lo, bound(m[2]));
}

/** UML 1.x multiplicity: `multiplicity="0..*"` (Umbrello, EA) or Multiplicity/MultiplicityRange (possibly by idref). */
function uml1Bounds(ctx: Ctx, el: XmlElement): [number, number] {
  const a = attrValue(el, 'multiplicity');
  if (a !== undefined) return parseMultiplicity(a) ?? [1, 1];
  const p = propElement(el, 'multiplicity');
  if (!p) return [1, 1];
  let mult = p.children[0];
  if (!mult) {
    const text = textContent(ctx.doc, p);
    return parseMultiplicity(text) ?? [1, 1];
  }
  const ref = xmiRef(mult);
  if (ref !== undefined) mult = ctx.ids.get(ref) ?? mult;
  for (const d of descendants(mult)) {
    if (metaclass(d, 'uml1') === 'MultiplicityRange') {
      const lo = prop(ctx, d, 'lower');
      const up = prop(ctx, d, 'upper');
      return normalize(lo !== undefined ? bound(lo) : 1, up !== undefined ? bound(up) : 1);
    }
  }
  return [1, 1];
}

function assocBase(ctx: Ctx, el: XmlElement): UmlAssociation {
  const nameAttr = attr(el, 'name');
  const name = prop(ctx, el, 'name')?.trim() || undefined;
  return {
    id: xmiId(el) ?? '',
    name,
    span: startTag(el),
    nameSpan: nameAttr && name ? { start: nameAttr.valueStart, end: nameAttr.valueEnd } : startTag(el),
    ends: [],
    sourceId: undefined,
    targetId: undefined,
    targetLower: 1,
    targetUpper: 1,
    directed: false,
    reason: '',
  };
}

function readUml2Association(ctx: Ctx, el: XmlElement, eaConnectors: Map<string, XmlElement>): UmlAssociation | undefined {
  const a = assocBase(ctx, el);
  const memberIds: string[] = [];
  const memberAttr = attrValue(el, 'memberEnd');
  if (memberAttr) memberIds.push(...memberAttr.trim().split(/\s+/));
  for (const c of el.children) {
    if (c.local === 'memberEnd') {
      const r = xmiRef(c);
      if (r) memberIds.push(r);
    }
  }
  const navigableOwned = new Set((attrValue(el, 'navigableOwnedEnd') ?? '').trim().split(/\s+/).filter(Boolean));
  for (const c of el.children) {
    if (c.local === 'navigableOwnedEnd') {
      const r = xmiRef(c);
      if (r) navigableOwned.add(r);
    }
  }
  let endEls: XmlElement[] = memberIds.map((id) => ctx.ids.get(id)).filter((x): x is XmlElement => x !== undefined);
  if (endEls.length < 2) endEls = el.children.filter((c) => c.local === 'ownedEnd');
  const partMarks: boolean[] = [];
  for (const e of endEls.slice(0, 2)) {
    const ownedByAssociation = e.parent === el;
    const isNav = attrValue(e, 'isNavigable');
    const ref = refProp(e, 'type');
    const [lower, upper] = uml2Bounds(e);
    const aggregation = attrValue(e, 'aggregation') ?? 'none';
    a.ends.push({
      typeId: ref?.id,
      role: attrValue(e, 'name'),
      navigable: !ownedByAssociation || navigableOwned.has(xmiId(e) ?? '') || isNav === 'true',
      whole: false,
      lower,
      upper,
    });
    partMarks.push(aggregation === 'composite' || aggregation === 'shared');
  }
  // UML 2: aggregation sits on the part's end, so the whole is the other end's participant.
  if (a.ends.length === 2 && partMarks[0] !== partMarks[1]) a.ends[partMarks[0] ? 1 : 0].whole = true;
  const connector = eaConnectors.get(a.id);
  if (connector) applyEaConnector(a, connector);
  return a.ends.length === 2 ? a : undefined;
}

/** Enterprise Architect keeps navigability in its connector data (`xmi:Extension`). */
function applyEaConnector(a: UmlAssociation, connector: XmlElement): void {
  const side = (local: string) => connector.children.find((c) => c.local === local);
  const source = side('source');
  const target = side('target');
  if (!source || !target) return;
  const nav = (s: XmlElement): string | undefined => {
    const mods = s.children.find((c) => c.local === 'modifiers');
    return mods ? attrValue(mods, 'isNavigable') : undefined;
  };
  const sourceId = xmiRef(source);
  const targetId = xmiRef(target);
  const props = connector.children.find((c) => c.local === 'properties');
  const direction = props ? attrValue(props, 'direction') ?? '' : '';
  let sNav = nav(source) === 'true';
  let tNav = nav(target) === 'true';
  if (!sNav && !tNav) {
    if (direction === 'Source -> Destination') tNav = true;
    else if (direction === 'Destination -> Source') sNav = true;
    else if (direction === 'Bi-Directional') sNav = tNav = true;
  }
  for (const e of a.ends) {
    if (e.typeId === targetId && e.typeId !== sourceId) e.navigable = tNav;
    else if (e.typeId === sourceId && e.typeId !== targetId) e.navigable = sNav;
  }
  if (sourceId === targetId && a.ends.length === 2) {
    a.ends[0].navigable = tNav;
    a.ends[1].navigable = sNav;
  }
}

function readUml1Association(ctx: Ctx, el: XmlElement): UmlAssociation | undefined {
  const a = assocBase(ctx, el);
  const conn = propElement(el, 'connection');
  const endEls = conn ? conn.children.filter((c) => metaclass(c, 'uml1') === 'AssociationEnd') : [];
  for (const e of endEls.slice(0, 2)) {
    const ref = refProp(e, 'participant') ?? refProp(e, 'type');
    const nav = prop(ctx, e, 'isNavigable');
    const aggregation = prop(ctx, e, 'aggregation') ?? 'none';
    const [lower, upper] = uml1Bounds(ctx, e);
    a.ends.push({
      typeId: ref?.id,
      role: prop(ctx, e, 'name') || undefined,
      navigable: nav === 'true',
      // UML 1.x: aggregation sits on the whole's end.
      whole: aggregation === 'composite' || aggregation === 'aggregate' || aggregation === 'shared',
      lower,
      upper,
    });
  }
  if (a.ends.length === 2 && a.ends[0].whole && a.ends[1].whole) a.ends[0].whole = a.ends[1].whole = false;
  if (!a.id) a.id = `assoc@${el.start}`;
  return a.ends.length === 2 ? a : undefined;
}

/** design.md: one navigable end gives the direction; both (or neither): whole → part if aggregated, else undirected. */
function decideDirection(a: UmlAssociation): void {
  const [e0, e1] = a.ends;
  let target: UmlAssociationEnd | undefined;
  let source: UmlAssociationEnd | undefined;
  if (e0.navigable !== e1.navigable) {
    target = e0.navigable ? e0 : e1;
    source = target === e0 ? e1 : e0;
    a.reason = 'one navigable end';
  } else if (e0.whole !== e1.whole) {
    source = e0.whole ? e0 : e1;
    target = source === e0 ? e1 : e0;
    a.reason = 'whole → part (composition/aggregation)';
  } else {
    a.reason = e0.navigable ? 'both ends are navigable and neither is a composition or aggregation' : 'no end is navigable and neither is a composition or aggregation';
  }
  if (source && target && source.typeId !== undefined && target.typeId !== undefined) {
    a.directed = true;
    a.sourceId = source.typeId;
    a.targetId = target.typeId;
    a.targetLower = target.lower;
    a.targetUpper = target.upper;
  } else {
    a.directed = false;
    a.sourceId = e0.typeId;
    a.targetId = e1.typeId;
    a.targetLower = e1.lower;
    a.targetUpper = e1.upper;
  }
}


/** A class's documentation: its own comment's body (UML 2), or a `documentation` tagged value (UML 1.x, EA). */
function documentationOf(xml: XmlDocument, el: XmlElement): string | undefined {
  for (const c of el.children) {
    if (c.local === 'ownedComment') {
      const body = attr(c, 'body') ? decodeEntities(attr(c, 'body')!.raw) : c.children.find((b) => b.local === 'body') ? textContent(xml, c.children.find((b) => b.local === 'body')!) : undefined;
      if (body?.trim()) return body.trim();
    }
    if (c.local === 'TaggedValue' || c.local === 'taggedValue') {
      const tag = attr(c, 'tag') ?? attr(c, 'name');
      const value = attr(c, 'value');
      if (tag && decodeEntities(tag.raw) === 'documentation' && value?.raw.trim()) return decodeEntities(value.raw).trim();
    }
  }
  return undefined;
}
