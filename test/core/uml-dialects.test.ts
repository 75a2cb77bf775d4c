import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeXml } from '../../server/src/core/xml/decode';
import { allAttributes, multiplicityText, type UmlModel } from '../../server/src/core/uml/model';
import { classSchema } from '../../server/src/facade/schemas';
import { readUml } from '../../server/src/core/uml/reader';
import { CORPUS, CORPUS_ABSENT, CORPUS_PRESENT, EXAMPLE } from '../helpers';

function load(file: string): UmlModel {
  return readUml(decodeXml(fs.readFileSync(path.join(CORPUS, 'xmi', file))).text);
}

/** A test on the shared corpus's files: pending, saying why, where ../shared is absent. */
function corpusIt(title: string, fn: () => void): void {
  if (CORPUS_PRESENT) it(title, fn);
  else it(`${title}: ${CORPUS_ABSENT}`);
}

/** `Source -> Target [mult]` for directed, `A -- B` for undirected associations. */
function edges(m: UmlModel): string[] {
  const n = (id: string | undefined) => (id ? m.classById.get(id)?.name ?? id : '?');
  return m.associations.map((a) =>
    a.directed ? `${n(a.sourceId)} -> ${n(a.targetId)} [${multiplicityText(a.targetLower, a.targetUpper)}]` : `${n(a.sourceId)} -- ${n(a.targetId)}`,
  );
}

function attrs(m: UmlModel, cls: string): string[] {
  const c = m.classes.find((x) => x.name === cls);
  assert.ok(c, `class ${cls}`);
  return c.attributes.map((a) => `${a.name}:${a.type}/${a.kind}[${multiplicityText(a.lower, a.upper)}]`);
}

describe('XMI dialects', () => {
  it('Eclipse UML2 (the example): classes, typed attributes, navigable ends owned by classes, LiteralInteger without value = 0', () => {
    const m = readUml(fs.readFileSync(path.join(EXAMPLE, 'resources.uml'), 'utf8'));
    assert.equal(m.dialect, 'Eclipse UML2');
    assert.deepEqual(attrs(m, 'Application'), ['product:String/string[1]', 'price:Integer/integer[1]', 'applicant:Person/class[1]']);
    assert.deepEqual(attrs(m, 'Decision'), ['accepted:Boolean/boolean[1]', 'premium:Real/number[1]']);
    assert.deepEqual(attrs(m, 'Person'), ['name:String/string[1]', 'birthDate:EDate/date-time[1]']);
    assert.deepEqual(edges(m), ['Application -> Document [0..*]', 'Application -> Decision [0..1]', 'Decision -> Approval [0..1]']);
  });

  corpusIt('Papyrus: navigableOwnedEnd, composite end, 9..9 multiplicity', () => {
    const m = load('papyrus-tictactoe.uml');
    assert.ok(edges(m).includes('Grid -> Square [9]'), edges(m).join('\n'));
  });

  corpusIt('GenMyModel (xsi:type): both ends navigable, composition decides whole → part', () => {
    const m = load('genmymodel-aggie-blog.xmi');
    assert.equal(m.dialect, 'GenMyModel');
    const e = edges(m);
    assert.ok(e.includes('User -> Post [1..*]'), e.join('\n'));
    assert.ok(e.includes('Dashboard -> User [0..*]'));
    assert.ok(e.includes('PostCategory -- Post'));
    assert.deepEqual(attrs(m, 'User').slice(0, 2), ['ID:Integer/integer[1]', 'Username:String/string[1]']);
  });

  corpusIt('Enterprise Architect XMI 2.1: navigability from the connector extension, EAJava_ types', () => {
    const m = load('ea-staruml-unittest-EA_XMI21.xmi');
    assert.equal(m.dialect, 'Enterprise Architect');
    assert.equal(edges(m)[0], 'ClassA -> ClassB [0..1]');
    assert.deepEqual(attrs(m, 'Class1').slice(0, 2), ['TypedAttributeWithDefaultValue:string/string[1]', 'MultiplicityAttribute:int/integer[1..*]']);
  });

  corpusIt('Enterprise Architect XMI 2.5.1', () => {
    const m = load('ea-lutaml-ea-xmi-2.5.1.xmi');
    assert.ok(edges(m).includes('BibliographicItem -> RequirementType [1]'));
    assert.deepEqual(attrs(m, 'ClassificationType'), ['tag:String,/string[1]', 'value:String/string[1]']);
  });

  corpusIt('Enterprise Architect XMI 1.1 / UML 1.3: isNavigable on association ends, multiplicity attribute', () => {
    const m = load('ea-lutaml-xmi11-uml13-ISO19111-2.xmi');
    assert.ok(edges(m).includes('SC_ParametricCRS -> CD_ParametricDatum [1]'), edges(m).join('\n'));
  });

  corpusIt('Visual Paradigm: ownedMember, isNavigable attributes, LiteralString bounds', () => {
    const m = load('visualparadigm-staruml-unittest-VP_XMI21.xmi');
    assert.equal(m.dialect, 'Visual Paradigm');
    const e = edges(m);
    assert.ok(e.includes('ClassA -> ClassB [1]'), e.join('\n'));
    assert.ok(e.includes('ClassA -- ClassB'));
  });

  corpusIt('Modelio', () => {
    const m = load('modelio3-library.xmi');
    assert.equal(m.dialect, 'Modelio');
    assert.deepEqual(attrs(m, 'Book'), ['title:String/string[1]', 'pages:Integer/integer[1]', 'summary:String/string[1]']);
  });

  corpusIt('MagicDraw 9.5 (XMI 1.2 / UML 1.4): participant attribute, types named by referentPath', () => {
    const m = load('magicdraw9.5-timetracker-xmi12-uml14.xmi');
    assert.ok(edges(m).includes('TimeAllocation -> Task [1]'), edges(m).join('\n'));
    const user = attrs(m, 'User');
    assert.ok(user.includes('username:String/string[1]'));
    assert.ok(user.includes('isActive:boolean/boolean[1]'));
    assert.ok(user.includes('creationDate:Date/date-time[1]'));
  });

  corpusIt('ArgoUML (UML 1.4): the composite end is the whole (UML 1.x convention)', () => {
    const m = load('argouml-Alittlebitofeverything.xmi');
    assert.ok(edges(m).includes('Little -> Bit of [1]'), edges(m).join('\n'));
  });

  corpusIt('Novosoft XMI 1.0 / UML 1.3: properties as child elements, multiplicity by idref', () => {
    const m = load('argouml-novosoft-xmi10-uml13.xmi');
    assert.ok(m.classes.some((c) => c.name === 'Little'));
    assert.ok(edges(m).includes('Little -> Bit of [1]'), edges(m).join('\n'));
  });

  corpusIt('Umbrello: directional, composition and aggregation associations', () => {
    const m = load('umbrello-all_associations.xmi');
    assert.deepEqual(edges(m), ['Abba -- Babba', 'Babba -> Cabba [1]', 'Ebba -> Fabba [1]', 'Fabba -> Gabba [1]']);
  });

  corpusIt('OMG normative files and an empty Rose model are readable with no classes', () => {
    for (const f of ['omg-PrimitiveTypes-uml251.xmi', 'rose-unisys-jcr-xmi11-uml13.xmi', 'argouml-profile-default-uml14.xmi']) {
      const m = load(f);
      assert.equal(m.unreadable, undefined, f);
    }
    assert.equal(load('omg-fUML_Library-xmi241.xmi').classes.length, 9);
  });

  it('a BPMN file or random XML given as a model is unreadable, with what was seen', () => {
    assert.match(readUml('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>').unreadable!, /BPMN/);
    assert.match(readUml('<project><x/></project>').unreadable!, /<project>/);
    assert.match(readUml('').unreadable!, /no XML root/);
  });

  it('records exact name ranges of classes (for go-to-definition)', () => {
    const text = fs.readFileSync(path.join(EXAMPLE, 'resources.uml'), 'utf8');
    const m = readUml(text);
    for (const c of m.classes) assert.equal(text.slice(c.nameSpan.start, c.nameSpan.end), c.name);
  });

  corpusIt('generalizations: UML2 `general`, UML 1.x child/parent; inherited attributes reach the resource data', () => {
    const papyrus = load('papyrus-tictactoe.uml');
    const sub = papyrus.classes.find((c) => c.name === 'EtatEmptySquare')!;
    assert.deepEqual(sub.superIds.map((id) => papyrus.classById.get(id)!.name), ['AbstractEtatSquare']);
    const umbrello = load('umbrello-all_associations.xmi');
    const dabba = umbrello.classes.find((c) => c.name === 'Dabba')!;
    assert.deepEqual(dabba.superIds.map((id) => umbrello.classById.get(id)!.name), ['Ebba']);
    const argo = load('argouml-Alittlebitofeverything.xmi');
    assert.deepEqual(argo.classes.find((c) => c.name === 'Little')!.superIds.map((id) => argo.classById.get(id)!.name), ['A']);

    const text = `<uml:Model xmi:version="20131001" xmlns:xmi="http://www.omg.org/spec/XMI/20131001" xmlns:uml="http://www.eclipse.org/uml2/5.0.0/UML" xmi:id="m" name="m">
  <packagedElement xmi:type="uml:Class" xmi:id="Party" name="Party">
    <ownedAttribute xmi:id="Party_name" name="name"><type xmi:type="uml:PrimitiveType" href="pathmap://UML_LIBRARIES/UMLPrimitiveTypes.library.uml#String"/></ownedAttribute>
    <ownedAttribute xmi:id="Party_id" name="id"><type xmi:type="uml:PrimitiveType" href="pathmap://UML_LIBRARIES/UMLPrimitiveTypes.library.uml#String"/></ownedAttribute>
  </packagedElement>
  <packagedElement xmi:type="uml:Class" xmi:id="Person" name="Person">
    <generalization xmi:id="g1" general="Party"/>
    <ownedAttribute xmi:id="Person_age" name="age"><type xmi:type="uml:PrimitiveType" href="pathmap://UML_LIBRARIES/UMLPrimitiveTypes.library.uml#Integer"/></ownedAttribute>
    <ownedAttribute xmi:id="Person_id" name="id"><type xmi:type="uml:PrimitiveType" href="pathmap://UML_LIBRARIES/UMLPrimitiveTypes.library.uml#Integer"/></ownedAttribute>
  </packagedElement>
  <packagedElement xmi:type="uml:Class" xmi:id="Loop" name="Loop"><generalization xmi:id="g2" general="Loop2"/></packagedElement>
  <packagedElement xmi:type="uml:Class" xmi:id="Loop2" name="Loop2"><generalization xmi:id="g3" general="Loop"/></packagedElement>
</uml:Model>`;
    const m = readUml(text);
    const person = m.classes.find((c) => c.name === 'Person')!;
    assert.deepEqual(allAttributes(m, person).map((a) => `${a.name}:${a.kind}`), ['name:string', 'id:integer', 'age:integer'], 'a redefinition wins');
    assert.deepEqual(Object.keys((classSchema(m, person).properties as object)), ['name', 'id', 'age']);
    assert.deepEqual(allAttributes(m, m.classes.find((c) => c.name === 'Loop')!), [], 'a generalization cycle ends');
  });
});
