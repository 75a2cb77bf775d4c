/**
 * The served BPMN text as an engine that validates models against the BPMN 2.0 XSD takes it.
 * The XSD allows only elements of *another* namespace inside `extensionElements` (`##other`), so the
 * paper's unprefixed `<linkedResource name="…"/>` (no namespace, or the BPMN namespace through a default
 * `xmlns`) is refused at deployment: Camunda 7 and Operaton answer ENGINE-09005 "cvc-complex-type.2.4.a:
 * Invalid content was found starting with element 'linkedResource'" (seen on both live engines).
 * Each such element gets a default namespace declaration of the product's own namespace, inserted into
 * its start tag: no line moves, so the engine's line numbers still point into the user's file.
 */
import type { BpmnDocument } from './model';
import { BPMN_MODEL_NS } from './model';

/** The product's own namespace for its annotations (design.md, "The annotation"). */
export const RESOURCE_API_NS = 'https://bpmn-resource-api.dev/schema/1.0';

export function deployableText(text: string, doc: BpmnDocument): string {
  const inserts: number[] = [];
  for (const link of doc.links) {
    const el = link.element;
    if (el.prefix || (el.uri && el.uri !== BPMN_MODEL_NS)) continue; // prefixed, or in a namespace of its own
    inserts.push(el.start + 1 + el.name.length);
  }
  if (!inserts.length) return text;
  inserts.sort((a, b) => a - b);
  let out = '';
  let at = 0;
  for (const offset of inserts) {
    out += `${text.slice(at, offset)} xmlns="${RESOURCE_API_NS}"`;
    at = offset;
  }
  return out + text.slice(at);
}
