import type { Span } from './xml/positions';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/**
 * Stable diagnostic codes. The first block is design.md's table; the second are structural checks of
 * BPMN files found necessary for real files (the corpus' deliberately broken ones).
 */
export const CODES = {
  'xml-syntax': 'error',
  'model-not-found': 'error',
  'model-unreadable': 'error',
  'missing-resource-name': 'error',
  'unknown-resource': 'error',
  'process-not-linked': 'warning',
  'process-resource-not-root': 'error',
  'unreachable-resource': 'error',
  'multiplicity-needs-loop': 'error',
  'single-in-loop': 'warning',
  'misplaced-link': 'warning',
  'duplicate-link': 'warning',
  'undirected-association': 'warning',
  'model-cycle': 'error',
  'multiple-parents': 'error',
  'duplicate-class': 'error',
  'attribute-shadowed': 'warning',
  // structural BPMN checks
  'not-bpmn': 'error',
  'undeclared-prefix': 'error',
  'duplicate-id': 'error',
  'unknown-element': 'warning',
  'unresolved-reference': 'error',
  'no-process': 'information',
  'unsupported-encoding': 'warning',
  // running the process
  'unknown-called-element': 'warning',
  'engine-unsupported': 'warning',
  'join-never-fires': 'warning',
  'engine-differs': 'warning',
  'unlinked-user-task': 'warning',
  'shared-variable-name': 'information',
  'call-without-business-key': 'warning',
  'correlation-not-business-key': 'warning',
  // a rule that threw: reported as that rule's failure, the other rules still run (as bpmnlint's rule-error)
  'rule-error': 'error',
} as const satisfies Record<string, Severity>;

export type DiagnosticCode = keyof typeof CODES;

export const CODE_DESCRIPTIONS: Record<DiagnosticCode, string> = {
  'xml-syntax': 'The file is not well-formed XML.',
  'model-not-found': 'Resources are linked but no resource model (UML/XMI) is configured or found.',
  'model-unreadable': 'The file is not a UML model that can be read.',
  'missing-resource-name': 'A linkedResource has no non-empty name.',
  'unknown-resource': 'No class of the resource model has that name.',
  'process-not-linked': 'Activities are linked to resources but their process is not.',
  'process-resource-not-root': "The process's resource has a parent, and no ancestor's process calls this process.",
  'unreachable-resource': "The resource is not in the subtree of the process's resource.",
  'multiplicity-needs-loop': 'The resource is reached through an upper bound > 1 but the activity does not repeat.',
  'single-in-loop': 'A resource with upper bound 1 is linked to an activity that repeats.',
  'misplaced-link': 'linkedResource on an element that is neither a process nor an activity.',
  'duplicate-link': 'The same resource is linked twice on one element.',
  'undirected-association': 'An association with no usable direction is ignored for the URL tree.',
  'model-cycle': 'Directed associations form a cycle.',
  'multiple-parents': 'A class is the child of two classes.',
  'duplicate-class': 'Two classes have the same name.',
  'attribute-shadowed': "A class has an attribute named like its own object variable (class Test, attribute test): conditions see the object, not the attribute.",
  'not-bpmn': 'The root element is not a BPMN 2.0 definitions element.',
  'undeclared-prefix': 'A namespace prefix is used without being declared.',
  'duplicate-id': 'Two elements have the same id.',
  'unknown-element': 'An element in the BPMN namespace that BPMN 2.0 does not define.',
  'unresolved-reference': 'A reference to an element id that does not exist (or is of the wrong kind).',
  'no-process': 'The file defines no process.',
  'unsupported-encoding': 'The declared encoding is not supported; the file was read as UTF-8.',
  'unknown-called-element': 'A callActivity calls a process that no BPMN file of the workspace defines.',
  'engine-unsupported': 'The embedded engine (bpmn-engine) cannot run this element as the model means it.',
  'unlinked-user-task': 'A user task of a linked process has no linkedResource, so the API cannot complete it.',
  'engine-differs': 'The engine the process is served on runs this element otherwise than BPMN says or the embedded engine does (Camunda 7: standard loops; a signal caught by an interrupting event subprocess of the scope it is thrown in; Camunda 7 and 8: a linked manual task, which they pass through).',
  'join-never-fires': 'A parallel join fed only by the alternative branches of one exclusive gateway: it can never fire.',
  'shared-variable-name': 'Two resources write a process variable of the same name; the last write wins.',
  'call-without-business-key': 'On Camunda 7 a called instance has no business key unless the call activity passes it, so the API cannot find its tasks.',
  'correlation-not-business-key': 'On Camunda 8 a message must correlate by =businessKey, the key the API sends messages with.',
  'rule-error': 'A rule failed on this file; the other rules still ran. Please report it.',
};

/** A problem found by the core, located by offsets in the checked text. */
export interface CoreDiagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  /** machine-readable details for quick fixes (e.g. suggestions) */
  data?: Record<string, unknown>;
}

export function diag(code: DiagnosticCode, message: string, span: Span, data?: Record<string, unknown>): CoreDiagnostic {
  return data ? { code, severity: CODES[code], message, span, data } : { code, severity: CODES[code], message, span };
}
