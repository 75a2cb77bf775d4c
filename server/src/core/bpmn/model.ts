import type { Span } from '../xml/positions';
import type { XmlDocument, XmlElement } from '../xml/scanner';

export const BPMN_MODEL_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

export const ACTIVITY_KINDS: ReadonlySet<string> = new Set([
  'task',
  'userTask',
  'serviceTask',
  'sendTask',
  'receiveTask',
  'scriptTask',
  'businessRuleTask',
  'manualTask',
  'subProcess',
  'adHocSubProcess',
  'transaction',
  'callActivity',
]);

export const SUBPROCESS_KINDS: ReadonlySet<string> = new Set(['subProcess', 'adHocSubProcess', 'transaction']);

export type LoopKind = 'none' | 'standard' | 'multiInstance' | 'multiInstanceSequential';

/** Where a linkedResource sits: its extensionElements' owner. */
export interface LinkHost {
  kind: 'process' | 'activity' | 'other';
  /** local name of the host element, e.g. `userTask` */
  tag: string;
  id: string | undefined;
  element: XmlElement;
  /** start tag of the host */
  span: Span;
}

export interface BpmnLink {
  /** trimmed name; '' when missing or empty */
  name: string;
  /** the `name` attribute's value (between the quotes), when the attribute exists */
  nameSpan: Span | undefined;
  /** the linkedResource start tag */
  elementSpan: Span;
  element: XmlElement;
  host: LinkHost;
}

export interface BpmnActivity {
  id: string;
  name: string | undefined;
  kind: string;
  element: XmlElement;
  span: Span;
  process: BpmnProcess;
  /** innermost enclosing subprocess */
  parent: BpmnActivity | undefined;
  loop: LoopKind;
  /** lies on a sequence-flow cycle in its scope */
  onCycle: boolean;
  /** it, or an enclosing subprocess, loops or lies on a cycle */
  repeats: boolean;
  links: BpmnLink[];
  calledElement: string | undefined;
}

export type MessageTriggerKind = 'startEvent' | 'receiveTask' | 'intermediateCatchEvent' | 'boundaryEvent';

export interface MessageTrigger {
  kind: MessageTriggerKind;
  elementId: string;
  elementName: string | undefined;
  messageRef: string | undefined;
  /** the message's name, else its id, else the element's name/id */
  messageName: string;
  process: BpmnProcess;
  /** enclosing subprocess activity, if any */
  parent: BpmnActivity | undefined;
  span: Span;
}

export interface BpmnProcess {
  id: string;
  name: string | undefined;
  element: XmlElement;
  span: Span;
  links: BpmnLink[];
  activities: BpmnActivity[];
  messageTriggers: MessageTrigger[];
}

export interface IdEntry {
  id: string;
  element: XmlElement;
  span: Span;
}

export interface BpmnReference {
  /** attribute or element that refers */
  kind: 'sequenceFlow' | 'messageFlow' | 'attachedToRef' | 'processRef' | 'messageRef';
  from: XmlElement;
  target: string;
  span: Span;
}

export interface BpmnDocument {
  xml: XmlDocument;
  /** root is `definitions` in the BPMN 2.0 MODEL namespace */
  isBpmn: boolean;
  processes: BpmnProcess[];
  /** every linkedResource directly inside an extensionElements, wherever it is */
  links: BpmnLink[];
  /** every element with an id, in document order (duplicates kept) */
  ids: IdEntry[];
  references: BpmnReference[];
  /** message id → name */
  messages: Map<string, string>;
  /** participant processRef values of all collaborations */
  participantProcessRefs: Set<string>;
  /** participant ids */
  participantIds: Set<string>;
  /** elements in the BPMN namespace (or under definitions in no namespace) that BPMN does not define */
  unknownElements: XmlElement[];
  /** how existing linkedResource elements are written, for completion and quick fixes */
  linkStyle: { qname: string; namespaceDeclaration: string | undefined } | undefined;
}
