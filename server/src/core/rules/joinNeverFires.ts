import { refId } from '../bpmn/reader';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { attrValue, type XmlElement } from '../xml/scanner';
import type { BpmnRule } from './types';

const GATEWAY = /Gateway$/;

/**
 * A parallel join whose incoming flows all come, each through a plain chain of elements, from the
 * alternative branches of one exclusive (or event-based) gateway can never fire: only one of them is ever
 * taken. Camunda waits at such a join forever; bpmn-engine discards the untaken branch and goes on, so the
 * two engines part ways there (betsy's ExclusiveDiverging_ParallelConverging). Reported at the join.
 */
export const joinNeverFires: BpmnRule = {
  code: 'join-never-fires',
  check(an) {
    const byId = new Map<string, XmlElement>();
    for (const e of an.doc.ids) if (!byId.has(e.id)) byId.set(e.id, e.element);
    const incoming = new Map<string, XmlElement[]>();
    for (const e of an.doc.ids) {
      if (e.element.local !== 'sequenceFlow') continue;
      const target = refId(e.element, attrValue(e.element, 'targetRef'));
      if (!target) continue;
      const list = incoming.get(target);
      if (list) list.push(e.element);
      else incoming.set(target, [e.element]);
    }
    const origin = (flow: XmlElement): XmlElement | undefined => {
      let at = refId(flow, attrValue(flow, 'sourceRef'));
      for (let steps = 0; at && steps < 1000; steps++) {
        const el = byId.get(at);
        if (!el) return undefined;
        if (GATEWAY.test(el.local)) return el;
        const ins = incoming.get(at) ?? [];
        if (ins.length !== 1) return undefined;
        at = refId(ins[0], attrValue(ins[0], 'sourceRef'));
      }
      return undefined;
    };
    const out: CoreDiagnostic[] = [];
    for (const e of an.doc.ids) {
      if (e.element.local !== 'parallelGateway') continue;
      const ins = incoming.get(e.id) ?? [];
      if (ins.length < 2) continue;
      const origins = ins.map(origin);
      const first = origins[0];
      if (!first || origins.some((o) => o !== first) || !/^(exclusiveGateway|eventBasedGateway)$/.test(first.local)) continue;
      const split = attrValue(first, 'name') ?? attrValue(first, 'id') ?? first.local;
      out.push(
        diag(
          'join-never-fires',
          `parallel join '${attrValue(e.element, 'name') ?? e.id}' can never fire: its ${ins.length} incoming flows come from alternative branches of ${first.local === 'exclusiveGateway' ? 'exclusive' : 'event-based'} gateway '${split}', of which only one is taken. Camunda waits here forever (the embedded engine's bpmn-engine goes on); merge with an exclusive gateway`,
          e.span,
        ),
      );
    }
    return out;
  },
};
