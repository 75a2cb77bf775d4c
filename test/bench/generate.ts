/**
 * Generates a BPMN file of about `targetBytes`: copies of the paper's process, each with its links,
 * a multi-instance subprocess, a review loop and diagram data, as modelling tools write them.
 */
export function generateBpmn(targetBytes: number): string {
  const head = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_gen" targetNamespace="http://bpmn.io/schema/bpmn">
`;
  const parts: string[] = [head];
  let size = head.length;
  let diagram = '';
  for (let i = 0; size + diagram.length < targetBytes - 200; i++) {
    const p = `  <bpmn:process id="Process_${i}" name="insurance application ${i}" isExecutable="true">
    <bpmn:extensionElements>
      <linkedResource name="Application" />
    </bpmn:extensionElements>
    <bpmn:documentation>Handles insurance application number ${i}: documents are collected, evaluated &amp; approved.</bpmn:documentation>
    <bpmn:startEvent id="Start_${i}" name="application received"><bpmn:outgoing>F1_${i}</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="Docs_${i}" name="collect documents">
      <bpmn:incoming>F1_${i}</bpmn:incoming><bpmn:outgoing>F2_${i}</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
      <bpmn:startEvent id="DStart_${i}"><bpmn:outgoing>D1_${i}</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="Upload_${i}" name="upload document">
        <bpmn:extensionElements>
          <linkedResource name="Document" />
        </bpmn:extensionElements>
        <bpmn:incoming>D1_${i}</bpmn:incoming><bpmn:outgoing>D2_${i}</bpmn:outgoing>
      </bpmn:userTask>
      <bpmn:endEvent id="DEnd_${i}"><bpmn:incoming>D2_${i}</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="D1_${i}" sourceRef="DStart_${i}" targetRef="Upload_${i}" />
      <bpmn:sequenceFlow id="D2_${i}" sourceRef="Upload_${i}" targetRef="DEnd_${i}" />
    </bpmn:subProcess>
    <bpmn:userTask id="Evaluate_${i}" name="evaluate application">
      <bpmn:extensionElements>
        <linkedResource name="Decision" />
      </bpmn:extensionElements>
      <bpmn:incoming>F2_${i}</bpmn:incoming><bpmn:outgoing>F3_${i}</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="Approve_${i}" name="approve decision">
      <bpmn:extensionElements>
        <linkedResource name="Approval" />
      </bpmn:extensionElements>
      <bpmn:incoming>F3_${i}</bpmn:incoming><bpmn:outgoing>F4_${i}</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_${i}" name="application decided"><bpmn:incoming>F4_${i}</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1_${i}" sourceRef="Start_${i}" targetRef="Docs_${i}" />
    <bpmn:sequenceFlow id="F2_${i}" sourceRef="Docs_${i}" targetRef="Evaluate_${i}" />
    <bpmn:sequenceFlow id="F3_${i}" sourceRef="Evaluate_${i}" targetRef="Approve_${i}" />
    <bpmn:sequenceFlow id="F4_${i}" sourceRef="Approve_${i}" targetRef="End_${i}" />
  </bpmn:process>
`;
    parts.push(p);
    size += p.length;
    let shapes = '';
    for (const [el, x] of [[`Start_${i}`, 100], [`Docs_${i}`, 200], [`Evaluate_${i}`, 400], [`Approve_${i}`, 550], [`End_${i}`, 700]] as const) {
      shapes += `      <bpmndi:BPMNShape id="${el}_di" bpmnElement="${el}"><dc:Bounds x="${x}" y="${100 + i * 150}" width="100" height="80" /></bpmndi:BPMNShape>\n`;
    }
    diagram += shapes;
  }
  return `${parts.join('')}  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Process_0">
${diagram}    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
