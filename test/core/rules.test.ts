import { strict as assert } from 'node:assert';
import { checkBpmn, checkModel } from '../../server/src/core/check';
import type { CoreDiagnostic } from '../../server/src/core/diagnostics';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { readUml } from '../../server/src/core/uml/reader';
import type { Span } from '../../server/src/core/xml/positions';
import { bpmnFile, link, marked, paperModel, umlModel } from '../helpers';

const PAPER = readUml(paperModel());

function bpmnDiags(src: string, model = PAPER): { diags: CoreDiagnostic[]; spans: Span[] } {
  const { text, spans } = marked(src);
  return { diags: checkBpmn(readBpmn(text), model, { modelLabel: 'resources.uml' }).diagnostics, spans };
}

function modelDiags(src: string): { diags: CoreDiagnostic[]; spans: Span[] } {
  const { text, spans } = marked(src);
  return { diags: checkModel(readUml(text)), spans };
}

function only(diags: CoreDiagnostic[], code: string): CoreDiagnostic[] {
  return diags.filter((d) => d.code === code);
}

function assertAt(diags: CoreDiagnostic[], code: string, spans: Span[]): CoreDiagnostic[] {
  const found = only(diags, code);
  assert.deepEqual(
    found.map((d) => d.span),
    spans,
    `${code}: ${JSON.stringify(found.map((d) => d.message))} (all: ${JSON.stringify(diags.map((d) => d.code))})`,
  );
  return found;
}

/** The paper's process, valid: multi-instance subprocess for documents, tasks for decision and approval. */
const VALID_PROCESS = `
    ${link('Application')}
    <bpmn:startEvent id="s"/>
    <bpmn:subProcess id="sub" name="documents">
      <bpmn:multiInstanceLoopCharacteristics/>
      <bpmn:userTask id="upload" name="upload document">${link('Document')}</bpmn:userTask>
    </bpmn:subProcess>
    <bpmn:userTask id="evaluate" name="evaluate">${link('Decision')}</bpmn:userTask>
    <bpmn:userTask id="approve" name="approve">${link('approval')}</bpmn:userTask>`;

describe('BPMN rules', () => {
  it('the paper example is clean', () => {
    const { diags } = bpmnDiags(bpmnFile(VALID_PROCESS));
    assert.deepEqual(diags, []);
  });

  describe('xml-syntax', () => {
    it('reports the exact position and still checks the readable links', () => {
      const { diags, spans } = bpmnDiags(
        bpmnFile(`${link('Application')}\n<bpmn:userTask id="t">${link('Aproval', true)}</bpmn:userTask>\n<⟪bpmn:task⟫ id="open">`),
      );
      const syntax = only(diags, 'xml-syntax');
      assert.ok(syntax.some((d) => d.span.start === spans[1].start && d.span.end === spans[1].end));
      assertAt(diags, 'unknown-resource', [spans[0]]);
    });
  });

  describe('model-not-found', () => {
    it('is reported on the first link when no model is given', () => {
      const { text, spans } = marked(bpmnFile(`<bpmn:extensionElements><linkedResource name="⟪Application⟫"/></bpmn:extensionElements>${link('Decision')}`));
      const diags = checkBpmn(readBpmn(text), undefined).diagnostics;
      assertAt(diags, 'model-not-found', [spans[0]]);
    });
    it('is silent for a file without links', () => {
      const diags = checkBpmn(readBpmn(bpmnFile('<bpmn:task id="t"/>')), undefined).diagnostics;
      assert.deepEqual(only(diags, 'model-not-found'), []);
    });
    it('says why when the model cannot be read', () => {
      const bad = readUml('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>');
      const diags = checkBpmn(readBpmn(bpmnFile(link('Application'))), bad, { modelLabel: 'x.uml' }).diagnostics;
      assert.match(only(diags, 'model-not-found')[0].message, /x\.uml cannot be read: not a UML model/);
    });
  });

  describe('missing-resource-name', () => {
    it('marks an empty name value, or the start tag when there is no name', () => {
      const { diags, spans } = bpmnDiags(
        bpmnFile(`${link('Application')}<bpmn:userTask id="a"><bpmn:extensionElements><linkedResource name="⟪⟫"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:userTask id="b"><bpmn:extensionElements>⟪<linkedResource />⟫</bpmn:extensionElements></bpmn:userTask>`),
      );
      assertAt(diags, 'missing-resource-name', spans);
    });
    it('is silent for named links', () => {
      assert.deepEqual(only(bpmnDiags(bpmnFile(VALID_PROCESS)).diags, 'missing-resource-name'), []);
    });
  });

  describe('unknown-resource', () => {
    it('marks the name and offers the closest class names', () => {
      const { diags, spans } = bpmnDiags(bpmnFile(`${link('Application')}<bpmn:userTask id="t">${link('Aproval', true)}</bpmn:userTask>`));
      const [d] = assertAt(diags, 'unknown-resource', spans);
      assert.match(d.message, /did you mean Approval\?/);
      assert.deepEqual(d.data, { suggestions: ['Approval'] });
    });
    it('matches case-insensitively, and an exact match wins', () => {
      const model = readUml(umlModel({ Application: {}, application: {} }));
      const doc = readBpmn(bpmnFile(link('application')));
      const an = checkBpmn(doc, model).analysis;
      assert.equal(an.linkResource.get(doc.links[0])!.cls.id, 'C_application');
      assert.deepEqual(only(bpmnDiags(bpmnFile(link('APPLICATION'))).diags, 'unknown-resource'), []);
    });
  });

  describe('process-not-linked', () => {
    it('marks the process start tag when only activities are linked', () => {
      const { text } = marked(bpmnFile(`<bpmn:userTask id="t">${link('Decision')}</bpmn:userTask>`));
      const diags = checkBpmn(readBpmn(text), PAPER).diagnostics;
      const d = only(diags, 'process-not-linked');
      assert.equal(d.length, 1);
      assert.equal(text.slice(d[0].span.start, d[0].span.end), '<bpmn:process id="Process_1" name="application">');
      assert.equal(d[0].severity, 'warning');
    });
    it('is silent when the process is linked', () => {
      assert.deepEqual(only(bpmnDiags(bpmnFile(VALID_PROCESS)).diags, 'process-not-linked'), []);
    });
  });

  describe('process-resource-not-root', () => {
    it('marks a process linked to a child resource that no caller explains', () => {
      const { diags, spans } = bpmnDiags(bpmnFile(`<bpmn:extensionElements><linkedResource name="⟪Decision⟫"/></bpmn:extensionElements>`));
      assertAt(diags, 'process-resource-not-root', spans);
    });
    it('accepts it when a callActivity in the parent resource’s process calls it', () => {
      const text = `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="main">${link('Application')}
    <bpmn:callActivity id="call" calledElement="decide"/>
  </bpmn:process>
  <bpmn:process id="decide">${link('Decision')}
    <bpmn:userTask id="approve">${link('Approval')}</bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`;
      const diags = checkBpmn(readBpmn(text), PAPER).diagnostics;
      assert.deepEqual(diags, []);
    });
  });

  describe('unreachable-resource', () => {
    it('marks a resource outside the process resource’s subtree', () => {
      const { diags, spans } = bpmnDiags(bpmnFile(`${link('Decision')}<bpmn:userTask id="t">${link('Customer', true)}</bpmn:userTask>`.replace(link('Decision'), link('Application'))));
      assertAt(diags, 'unreachable-resource', spans);
    });
    it('accepts the process resource itself and its descendants', () => {
      const { diags } = bpmnDiags(bpmnFile(`${link('Application')}<bpmn:userTask id="t">${link('Application')}</bpmn:userTask><bpmn:userTask id="u">${link('Approval')}</bpmn:userTask>`));
      assert.deepEqual(only(diags, 'unreachable-resource'), []);
    });
  });

  describe('multiplicity-needs-loop', () => {
    it('marks a 1-to-N resource on an activity that does not repeat', () => {
      const { diags, spans } = bpmnDiags(bpmnFile(`${link('Application')}<bpmn:userTask id="t">${link('Document', true)}</bpmn:userTask>`));
      const [d] = assertAt(diags, 'multiplicity-needs-loop', spans);
      assert.match(d.message, /Document has multiplicity 0\.\.\* under Application/);
    });
    it('accepts multi-instance, standard loops, repeating subprocesses and sequence-flow cycles', () => {
      for (const body of [
        `<bpmn:userTask id="t">${link('Document')}<bpmn:multiInstanceLoopCharacteristics isSequential="true"/></bpmn:userTask>`,
        `<bpmn:userTask id="t">${link('Document')}<bpmn:standardLoopCharacteristics/></bpmn:userTask>`,
        `<bpmn:subProcess id="s"><bpmn:multiInstanceLoopCharacteristics/><bpmn:subProcess id="inner"><bpmn:userTask id="t">${link('Document')}</bpmn:userTask></bpmn:subProcess></bpmn:subProcess>`,
        `<bpmn:userTask id="t">${link('Document')}</bpmn:userTask><bpmn:exclusiveGateway id="g"/>
         <bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="g"/><bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="t"/>`,
      ]) {
        const { diags } = bpmnDiags(bpmnFile(`${link('Application')}${body}`));
        assert.deepEqual(only(diags, 'multiplicity-needs-loop'), [], body);
      }
    });
  });

  describe('single-in-loop', () => {
    it('warns about an upper-bound-1 resource on a repeating activity', () => {
      const { diags, spans } = bpmnDiags(
        bpmnFile(`${link('Application')}<bpmn:userTask id="t">${link('Decision', true)}<bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>`),
      );
      const [d] = assertAt(diags, 'single-in-loop', spans);
      assert.equal(d.severity, 'warning');
    });
    it('also on a sequence-flow cycle through a boundary event', () => {
      const { diags, spans } = bpmnDiags(
        bpmnFile(`${link('Application')}<bpmn:userTask id="t">${link('Decision', true)}</bpmn:userTask>
<bpmn:boundaryEvent id="b" attachedToRef="t"/><bpmn:sequenceFlow id="f" sourceRef="b" targetRef="t"/>`),
      );
      assertAt(diags, 'single-in-loop', spans);
    });
    it('is silent for a single resource on a plain task', () => {
      assert.deepEqual(only(bpmnDiags(bpmnFile(VALID_PROCESS)).diags, 'single-in-loop'), []);
    });
  });

  describe('misplaced-link', () => {
    it('marks links on events and sequence flows', () => {
      const { diags, spans } = bpmnDiags(bpmnFile(`${link('Application')}<bpmn:startEvent id="s">${link('Decision', true)}</bpmn:startEvent>`));
      assertAt(diags, 'misplaced-link', spans);
    });
    it('accepts every activity kind', () => {
      const kinds = ['task', 'userTask', 'serviceTask', 'sendTask', 'receiveTask', 'scriptTask', 'businessRuleTask', 'manualTask', 'callActivity', 'subProcess', 'adHocSubProcess', 'transaction'];
      const body = kinds.map((k, i) => `<bpmn:${k} id="k${i}">${link('Decision')}</bpmn:${k}>`).join('\n');
      assert.deepEqual(only(bpmnDiags(bpmnFile(`${link('Application')}${body}`)).diags, 'misplaced-link'), []);
    });
  });

  describe('duplicate-link', () => {
    it('marks the second link of the same class on one element (case-insensitively)', () => {
      const { diags, spans } = bpmnDiags(
        bpmnFile(`${link('Application')}<bpmn:userTask id="t"><bpmn:extensionElements><linkedResource name="Decision"/><linkedResource name="⟪decision⟫"/></bpmn:extensionElements></bpmn:userTask>`),
      );
      assertAt(diags, 'duplicate-link', spans);
    });
    it('accepts two different resources on one element', () => {
      const { diags } = bpmnDiags(
        bpmnFile(`${link('Application')}<bpmn:userTask id="t"><bpmn:extensionElements><linkedResource name="Decision"/><linkedResource name="Approval"/></bpmn:extensionElements></bpmn:userTask>`),
      );
      assert.deepEqual(only(diags, 'duplicate-link'), []);
    });
  });

  describe('namespace styles of linkedResource', () => {
    it('reads a linkedResource in our own namespace and under a default BPMN namespace', () => {
      const own = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ra="https://bpmn-resource-api.dev/schema/1.0" id="d">
  <process id="p"><extensionElements><ra:linkedResource name="Application"/></extensionElements>
    <userTask id="t"><extensionElements><ra:linkedResource name="⟪Aproval⟫"/></extensionElements></userTask>
  </process></definitions>`;
      const { diags, spans } = bpmnDiags(own);
      assertAt(diags, 'unknown-resource', spans);
      const unprefixed = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p"><extensionElements><linkedResource name="Application"/></extensionElements></process></definitions>`;
      const doc = readBpmn(unprefixed);
      assert.equal(doc.links.length, 1);
      assert.equal(doc.processes[0].links.length, 1);
    });
  });
});

describe('BPMN structure rules', () => {
  it('not-bpmn: a root in another namespace', () => {
    const { diags, spans } = bpmnDiags('<⟪definitions⟫ xmlns="http://not-bpmn"><process id="p"/></definitions>');
    assertAt(diags, 'not-bpmn', spans);
  });
  it('undeclared-prefix: marks the element name', () => {
    const { diags, spans } = bpmnDiags('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"><⟪bpmn:task⟫ id="t"/></process></definitions>');
    assertAt(diags, 'undeclared-prefix', spans);
  });
  it('duplicate-id: marks the second id value', () => {
    const { diags, spans } = bpmnDiags(bpmnFile('<bpmn:task id="t"/><bpmn:task id="⟪t⟫"/>'));
    assertAt(diags, 'duplicate-id', spans);
  });
  it('unknown-element: an element the BPMN namespace does not define', () => {
    const { diags, spans } = bpmnDiags(bpmnFile('<⟪bpmn:userTsk⟫ id="t"/>'));
    assertAt(diags, 'unknown-element', spans);
  });
  it('unresolved-reference: a sequence flow to a missing node, QName references accepted', () => {
    const { diags, spans } = bpmnDiags(bpmnFile('<bpmn:task id="a"/><bpmn:sequenceFlow id="f" sourceRef="bpmn:a" targetRef="⟪b⟫"/>'));
    assertAt(diags, 'unresolved-reference', spans);
  });
  it('no-process: a definitions element without a process', () => {
    const { diags } = bpmnDiags('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>');
    assert.equal(only(diags, 'no-process').length, 1);
  });
});

describe('model rules', () => {
  it('a clean model has no diagnostics', () => {
    assert.deepEqual(checkModel(PAPER), []);
  });
  it('undirected-association: both ends navigable, no aggregation; the name is marked', () => {
    const text = umlModel({ A: {}, B: {} }, [['A', 'B', '1', 'both']]).replace('name="A_B"', 'name="⟪A_B⟫"');
    const { diags, spans } = modelDiags(text);
    assertAt(diags, 'undirected-association', spans);
  });
  it('a composition gives direction even when both ends are navigable', () => {
    assert.deepEqual(modelDiags(umlModel({ A: {}, B: {} }, [['A', 'B', '1', 'composite']])).diags, []);
  });
  it('model-cycle: the association closing the cycle is marked', () => {
    const text = umlModel({ A: {}, B: {}, C: {} }, [['A', 'B', '1'], ['B', 'C', '1'], ['C', 'A', '1']]).replace('name="C_A"', 'name="⟪C_A⟫"');
    const { diags, spans } = modelDiags(text);
    const [d] = assertAt(diags, 'model-cycle', spans);
    assert.match(d.message, /A → B → C → A/);
  });
  it('multiple-parents: the second parent association is marked', () => {
    const text = umlModel({ A: {}, B: {}, C: {} }, [['A', 'C', '1'], ['B', 'C', '1']]).replace('name="B_C"', 'name="⟪B_C⟫"');
    const { diags, spans } = modelDiags(text);
    assertAt(diags, 'multiple-parents', spans);
  });
  it('duplicate-class: the second class name is marked', () => {
    const text = umlModel({ Order: {}, X: {} }).replace('name="X"', 'name="⟪order⟫"');
    const { diags, spans } = modelDiags(text);
    assertAt(diags, 'duplicate-class', spans);
  });
  it('attribute-shadowed: a class with an attribute named like its own object variable is marked at the class, saying which conditions see', () => {
    const text = umlModel({ Test: { test: 'String', integerVariable: 'Integer' }, Betsy: { test: 'String' } }).replace('name="Test"', 'name="⟪Test⟫"');
    const { diags, spans } = modelDiags(text);
    const [d] = assertAt(diags, 'attribute-shadowed', spans);
    assert.match(d.message, /Test's attribute 'test' has the name of Test's own object variable 'test': conditions see the object \(test\.test is the attribute\)/);
    assert.equal(d.severity, 'warning');
  });
  it('model-unreadable: names what was seen', () => {
    const { diags, spans } = modelDiags('<?xml version="1.0"?><⟪definitions⟫ xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>');
    const [d] = assertAt(diags, 'model-unreadable', spans);
    assert.match(d.message, /<definitions> in namespace http:\/\/www\.omg\.org\/spec\/BPMN/);
  });
  it('an empty model is not an error', () => {
    assert.deepEqual(checkModel(readUml(umlModel({}))), []);
  });
});
