import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBpmn } from '../../server/src/core/check';
import type { CoreDiagnostic } from '../../server/src/core/diagnostics';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { executionFacts } from '../../server/src/core/bpmn/execution';
import { readUml } from '../../server/src/core/uml/reader';
import { bpmnFile, CORPUS, CORPUS_PRESENT, link, marked, paperModel, umlModel } from '../helpers';

const PAPER = readUml(paperModel());

function check(src: string, options: { knownProcessIds?: Set<string>; model?: ReturnType<typeof readUml>; engine?: string } = {}) {
  const { text, spans } = marked(src);
  const diags = checkBpmn(readBpmn(text), options.model ?? PAPER, { knownProcessIds: options.knownProcessIds, engine: options.engine }).diagnostics;
  return { diags, spans };
}

const at = (diags: CoreDiagnostic[], code: string) => diags.filter((d) => d.code === code).map((d) => d.span);

describe('rules for running the process (valid and invalid examples, exact ranges)', () => {
  it('unknown-called-element: at calledElement (and Zeebe’s processId); quiet when the process is known or the workspace unknown', () => {
    const body = `${link('Application')}
    <bpmn:callActivity id="c1" calledElement="⟪Missing⟫"/>
    <bpmn:callActivity id="c2" calledElement="Known"/>
    <bpmn:callActivity id="c3" calledElement="\${dynamic}"/>
    <bpmn:callActivity id="c4"><bpmn:extensionElements><zeebe:calledElement xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" processId="⟪Gone⟫"/></bpmn:extensionElements></bpmn:callActivity>
    ⟪<bpmn:callActivity id="c5">⟫</bpmn:callActivity>`;
    const { diags, spans } = check(bpmnFile(body), { knownProcessIds: new Set(['Known', 'Process_1']) });
    assert.deepEqual(at(diags, 'unknown-called-element'), spans);
    const quiet = check(bpmnFile(body.replace(/⟪<bpmn:callActivity id="c5">⟫<\/bpmn:callActivity>/, '')));
    assert.deepEqual(at(quiet.diags, 'unknown-called-element'), [], 'without knowing the workspace, only what is certainly wrong');
  });

  it('engine-unsupported: a complex gateway, a conditional event, a script condition; none in a process nobody serves', () => {
    const body = `${link('Application')}
    ⟪<bpmn:complexGateway id="cg">⟫</bpmn:complexGateway>
    <bpmn:intermediateCatchEvent id="ce">⟪<bpmn:conditionalEventDefinition>⟫<bpmn:condition>\${x}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f" sourceRef="cg" targetRef="ce">⟪<bpmn:conditionExpression language="groovy">⟫x == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="g" sourceRef="cg" targetRef="ce"><bpmn:conditionExpression>\${ok}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:startEvent id="t"><bpmn:timerEventDefinition>⟪<bpmn:timeCycle>⟫0/5 0/1 * 1/1 * ?</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:startEvent id="t2"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT10M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>`;
    const { diags, spans } = check(bpmnFile(body));
    assert.deepEqual(at(diags, 'engine-unsupported'), spans);
    assert.deepEqual(at(check(bpmnFile(body.replace(link('Application'), ''))).diags, 'engine-unsupported'), []);
  });

  it('engine-unsupported: compensation and timer-started event subprocesses, global tasks; quiet on escalations from called processes and on interrupting escalation/signal catches on subprocesses and event subprocesses (run as on Camunda)', () => {
    const body = `${link('Application')}
    <bpmn:subProcess id="sp"><bpmn:task id="in"/></bpmn:subProcess>
    <bpmn:boundaryEvent id="b1" attachedToRef="sp"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="b2" attachedToRef="sp" cancelActivity="true"><bpmn:signalEventDefinition/></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="b3" attachedToRef="sp" cancelActivity="false"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent>
    <bpmn:task id="t"/>
    <bpmn:boundaryEvent id="b4" attachedToRef="t"><bpmn:signalEventDefinition/></bpmn:boundaryEvent>
    <bpmn:callActivity id="call" calledElement="Other"/>
    <bpmn:boundaryEvent id="b5" attachedToRef="call" cancelActivity="false"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent>
    <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="s1"><bpmn:signalEventDefinition/></bpmn:startEvent></bpmn:subProcess>
    <bpmn:subProcess id="esp2" triggeredByEvent="true"><bpmn:startEvent id="s2" isInterrupting="false"><bpmn:escalationEventDefinition/></bpmn:startEvent></bpmn:subProcess>
    <bpmn:subProcess id="esp3" triggeredByEvent="true"><bpmn:startEvent id="s3">⟪<bpmn:compensateEventDefinition/>⟫</bpmn:startEvent></bpmn:subProcess>
    <bpmn:subProcess id="esp4" triggeredByEvent="true"><bpmn:startEvent id="s4">⟪<bpmn:timerEventDefinition id="td4">⟫<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>
    <bpmn:subProcess id="sp2"><bpmn:startEvent id="s5"><bpmn:timerEventDefinition id="td5"><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>
    <bpmn:intermediateThrowEvent id="th"><bpmn:escalationEventDefinition/></bpmn:intermediateThrowEvent>
    ⟪<bpmn:globalScriptTask id="g">⟫</bpmn:globalScriptTask>`;
    const { diags, spans } = check(bpmnFile(body));
    assert.deepEqual(at(diags, 'engine-unsupported'), spans);
    // An escalation from a called process reaches the call activity's boundary event on the embedded engine too (runtime.ts, escalationsToCaller).
    assert.ok(!diags.some((d) => d.code === 'engine-unsupported' && /escalation/.test(d.message)));
  });

  it('join-never-fires: at a parallel join fed only by the branches of one exclusive gateway (through plain chains); quiet after a parallel split or mixed origins', () => {
    const flows = (pairs: string[]) => pairs.map((p, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${p.split('>')[0]}" targetRef="${p.split('>')[1]}"/>`).join('');
    const body = `${link('Application')}
    <bpmn:exclusiveGateway id="x" name="which?"/><bpmn:task id="a"/><bpmn:task id="a2"/><bpmn:task id="b"/>
    <bpmn:parallelGateway id="⟪j⟫" name="both"/>
    <bpmn:parallelGateway id="p"/><bpmn:task id="c"/><bpmn:task id="d"/><bpmn:parallelGateway id="j2"/>
    <bpmn:exclusiveGateway id="y"/><bpmn:parallelGateway id="q"/><bpmn:parallelGateway id="j3"/>
    ${flows(['x>a', 'a>a2', 'a2>j', 'x>b', 'b>j', 'p>c', 'p>d', 'c>j2', 'd>j2', 'y>j3', 'q>j3'])}`;
    const { diags, spans } = check(bpmnFile(body));
    assert.deepEqual(at(diags, 'join-never-fires'), spans);
    assert.equal(diags.find((d) => d.code === 'join-never-fires')!.message, "parallel join 'both' can never fire: its 2 incoming flows come from alternative branches of exclusive gateway 'which?', of which only one is taken. Camunda waits here forever (the embedded engine's bpmn-engine goes on); merge with an exclusive gateway");
  });

  it('engine-differs: on Camunda 7 only, at a standard loop (Camunda 7 runs the activity once) and at a signal throw an interrupting event subprocess of its scope catches', () => {
    const body = `${link('Application')}
    <bpmn:task id="t">⟪<bpmn:standardLoopCharacteristics testBefore="true">⟫<bpmn:loopCondition>\${n &lt; 3}</bpmn:loopCondition></bpmn:standardLoopCharacteristics></bpmn:task>
    <bpmn:task id="m"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task>
    <bpmn:subProcess id="sp">
      ⟪<bpmn:intermediateThrowEvent id="sig">⟫<bpmn:signalEventDefinition signalRef="S"/></bpmn:intermediateThrowEvent>
      <bpmn:intermediateThrowEvent id="other"><bpmn:signalEventDefinition signalRef="T"/></bpmn:intermediateThrowEvent>
      <bpmn:intermediateThrowEvent id="esc"><bpmn:escalationEventDefinition/></bpmn:intermediateThrowEvent>
      <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="es"><bpmn:signalEventDefinition signalRef="S"/></bpmn:startEvent></bpmn:subProcess>
      <bpmn:subProcess id="esp2" triggeredByEvent="true"><bpmn:startEvent id="es2" isInterrupting="false"><bpmn:signalEventDefinition signalRef="T"/></bpmn:startEvent></bpmn:subProcess>
      <bpmn:subProcess id="esp3" triggeredByEvent="true"><bpmn:startEvent id="es3"><bpmn:escalationEventDefinition/></bpmn:startEvent></bpmn:subProcess>
    </bpmn:subProcess>`;
    const { diags, spans } = check(bpmnFile(body), { engine: 'camunda7' });
    assert.deepEqual(at(diags, 'engine-differs'), spans);
    assert.match(diags.find((d) => d.code === 'engine-differs')!.message, /^Camunda 7 ignores standardLoopCharacteristics: 't' runs once there/);
    assert.match(diags.filter((d) => d.code === 'engine-differs')[1].message, /^Camunda 7 may skip the interrupting signal event subprocess that catches 'sig'/);
    assert.deepEqual(at(check(bpmnFile(body)).diags, 'engine-differs'), [], 'quiet when the engine is not Camunda 7');
  });

  it('engine-differs: on Camunda 7 and 8, at a manual task with a linkedResource (both pass it through); quiet on the embedded engine and without a link', () => {
    const body = `${link('Application')}
    ⟪<bpmn:manualTask id="m" name="sign">⟫${link('Decision')}</bpmn:manualTask>
    <bpmn:manualTask id="plain"/>`;
    for (const engine of ['camunda7', 'camunda8']) {
      const { diags, spans } = check(bpmnFile(body), { engine });
      const found = diags.filter((d) => d.code === 'engine-differs');
      assert.deepEqual(found.map((d) => d.span.start), [spans[0].start], engine);
      assert.match(found[0].message, new RegExp(`^Camunda ${engine.slice(-1)} passes a manual task through: 'm' never waits there`));
    }
    assert.deepEqual(at(check(bpmnFile(body)).diags, 'engine-differs'), []);
  });

  it("join-never-fires on bpmn-engine's own multiple-joins model (shared corpus): at join2, which completes on bpmn-engine only by discarding the untaken path", function () {
    if (!CORPUS_PRESENT) this.skip(); // CI has ../shared
    const file = path.join(CORPUS, 'bpmn', 'bpmnengine-multiple-joins.bpmn');
    const text = fs.readFileSync(file, 'utf8');
    const diags = checkBpmn(readBpmn(text), PAPER, {}).diagnostics.filter((d) => d.code === 'join-never-fires');
    assert.deepEqual(diags.map((d) => text.slice(d.span.start, d.span.end)), ['join2']);
    assert.match(diags[0].message, /exclusive gateway 'exclusiveGateway2'/);
  });

  it('call-without-business-key: on Camunda 7 only, at calledElement of a call activity that passes no business key', () => {
    const ns = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';
    const body = `${link('Application')}
    <bpmn:callActivity id="c1" calledElement="⟪Sub⟫"/>
    <bpmn:callActivity id="c2" calledElement="⟪Sub⟫"><bpmn:extensionElements><camunda:in ${ns} source="a" target="b"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:callActivity id="c3" calledElement="Sub"><bpmn:extensionElements><camunda:in ${ns} businessKey="#{execution.processBusinessKey}"/></bpmn:extensionElements></bpmn:callActivity>`;
    const { diags, spans } = check(bpmnFile(body), { engine: 'camunda7' });
    assert.deepEqual(at(diags, 'call-without-business-key'), spans);
    assert.match(diags.find((d) => d.code === 'call-without-business-key')!.message, /camunda:in businessKey=/);
    assert.deepEqual(at(check(bpmnFile(body)).diags, 'call-without-business-key'), [], 'quiet when the engine is not Camunda 7');
    assert.deepEqual(at(check(bpmnFile(body), { engine: 'embedded' }).diags, 'call-without-business-key'), []);
  });

  it('correlation-not-business-key: on Camunda 8 only, at the correlation key of a message a catch event waits for', () => {
    const z = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';
    const text = bpmnFile(`${link('Application')}
    <bpmn:receiveTask id="r1" messageRef="m1"/>
    <bpmn:receiveTask id="r2" messageRef="m2"/>
    <bpmn:receiveTask id="r3" messageRef="m3"/>`).replace(
      '</bpmn:definitions>',
      `<bpmn:message id="m1" name="paid"><bpmn:extensionElements><zeebe:subscription ${z} correlationKey="⟪=orderId⟫"/></bpmn:extensionElements></bpmn:message>
  ⟪<bpmn:message id="m2" name="shipped"/>⟫
  <bpmn:message id="m3" name="ok"><bpmn:extensionElements><zeebe:subscription ${z} correlationKey="= businessKey"/></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`,
    );
    const { diags, spans } = check(text, { engine: 'camunda8' });
    assert.deepEqual(at(diags, 'correlation-not-business-key'), spans);
    assert.match(diags.find((d) => d.code === 'correlation-not-business-key')!.message, /message 'paid' correlates by =orderId.*correlationKey="=businessKey"/);
    assert.deepEqual(at(check(text, { engine: 'camunda7' }).diags, 'correlation-not-business-key'), [], 'quiet for other engines');
  });

  it('unlinked-user-task: at the task of a linked process', () => {
    const { diags, spans } = check(bpmnFile(`${link('Application')}
    ⟪<bpmn:userTask id="t1" name="sign">⟫</bpmn:userTask>
    <bpmn:userTask id="t2">${link('Decision')}</bpmn:userTask>
    <bpmn:serviceTask id="s1"/>`));
    assert.deepEqual(at(diags, 'unlinked-user-task'), spans);
    assert.match(diags.find((d) => d.code === 'unlinked-user-task')!.message, /'sign' \(t1\).*cannot complete it/);
    assert.deepEqual(at(check(bpmnFile('<bpmn:userTask id="t1"/>')).diags, 'unlinked-user-task'), [], 'not in an unlinked process');
  });

  it('shared-variable-name: information naming both resources, once, at the second link', () => {
    const model = readUml(
      umlModel({ Application: { product: 'String' }, Review: { approved: 'Boolean' }, Approval: { approved: 'Boolean', businessKey: 'String' } }, [
        ['Application', 'Review', '0..*'],
        ['Application', 'Approval', '0..1'],
      ]),
    );
    const { diags, spans } = check(
      bpmnFile(`${link('Application')}
    <bpmn:userTask id="r" name="review"><bpmn:standardLoopCharacteristics/>${link('Review')}</bpmn:userTask>
    <bpmn:userTask id="a" name="approve">${link('⟪Approval⟫', false)}</bpmn:userTask>
    <bpmn:userTask id="a2" name="approve again">${link('Approval')}</bpmn:userTask>`),
      { model },
    );
    const found = diags.filter((d) => d.code === 'shared-variable-name');
    assert.deepEqual(found.map((d) => d.severity), ['information', 'information']);
    assert.deepEqual([...new Set(found.map((d) => JSON.stringify(d.span)))], spans.map((s) => JSON.stringify(s)));
    assert.deepEqual(found.map((d) => d.message).sort(), [
      "Approval writes the process variable 'businessKey': it overwrites the business key variable",
      "Review and Approval both write the process variable 'approved': the last write wins",
    ]);
    assert.deepEqual(at(check(bpmnFile(`${link('Application')}<bpmn:userTask id="e">${link('Decision')}</bpmn:userTask>`)).diags, 'shared-variable-name'), []);
  });

  it('execution facts: call mappings (Camunda and Zeebe), what service-like tasks would call', () => {
    const doc = readBpmn(
      bpmnFile(`
    <bpmn:callActivity id="c" calledElement="Sub"><bpmn:extensionElements xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
      <camunda:in source="a" target="b"/><camunda:in sourceExpression="\${x + 1}" target="y"/><camunda:in businessKey="#{execution.processBusinessKey}"/>
      <camunda:out variables="all"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:callActivity id="z"><bpmn:extensionElements xmlns:zeebe="http://camunda.org/schema/zeebe/1.0">
      <zeebe:calledElement processId="Sub" propagateAllChildVariables="false"/><zeebe:ioMapping><zeebe:input source="=a" target="b"/><zeebe:output source="=r" target="s"/></zeebe:ioMapping>
    </bpmn:extensionElements></bpmn:callActivity>
    <bpmn:serviceTask id="s" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:class="org.example.Mail"/>
    <bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" type="mail"/></bpmn:extensionElements></bpmn:serviceTask>`),
    );
    const f = executionFacts(doc);
    assert.deepEqual(f.callMappings.get('c'), {
      ins: [{ target: 'b', source: 'a' }, { target: 'y', sourceExpression: '${x + 1}' }],
      outs: [],
      allIn: false,
      allOut: true,
      businessKey: '#{execution.processBusinessKey}',
    });
    assert.deepEqual(f.callMappings.get('z'), { ins: [{ target: 'b', sourceExpression: '=a' }], outs: [{ target: 's', sourceExpression: '=r' }], allIn: true, allOut: false }, 'Zeebe propagates parent variables by default');
    assert.equal(doc.processes[0].activities.find((a) => a.id === 'z')!.calledElement, 'Sub');
    assert.equal(f.implementation.get('s'), 'camunda:class org.example.Mail');
    assert.equal(f.implementation.get('t'), "zeebe:taskDefinition type 'mail'");
  });
});
