import { attr, decodeEntities } from '../xml/scanner';
import { diag, type CoreDiagnostic } from '../diagnostics';
import type { BpmnRule } from './types';

/**
 * On Camunda 8 a message reaches a waiting instance by its correlation key, which the model gives on the
 * message (`<zeebe:subscription correlationKey="=…"/>`). The facade's `POST /messages/{name}` correlates
 * by business key, kept in the variable `businessKey`: any other key would never match. Checked only
 * when the engine is camunda8; message start events need no key.
 */
export const correlationNotBusinessKey: BpmnRule = {
  code: 'correlation-not-business-key',
  check(an) {
    if (an.engine !== 'camunda8') return [];
    const out: CoreDiagnostic[] = [];
    const seen = new Set<string>();
    for (const p of an.doc.processes) {
      for (const t of p.messageTriggers) {
        if (t.kind === 'startEvent' || !t.messageRef || seen.has(t.messageRef)) continue;
        seen.add(t.messageRef);
        const message = an.doc.ids.find((e) => e.id === t.messageRef && e.element.local === 'message');
        if (!message) continue;
        const sub = message.element.children.filter((c) => c.local === 'extensionElements').flatMap((c) => c.children).find((c) => c.local === 'subscription');
        const key = sub ? attr(sub, 'correlationKey') : undefined;
        const value = key ? decodeEntities(key.raw).replace(/\s+/g, '') : undefined;
        if (value === '=businessKey') continue;
        out.push(
          diag(
            'correlation-not-business-key',
            `message '${t.messageName}' ${value === undefined ? 'has no correlation key' : `correlates by ${value}`}: the API correlates messages by business key; on Camunda 8 give it <zeebe:subscription correlationKey="=businessKey" />`,
            key ? { start: key.valueStart, end: key.valueEnd } : { start: message.element.start, end: message.element.startTagEnd },
          ),
        );
      }
    }
    return out;
  },
};
