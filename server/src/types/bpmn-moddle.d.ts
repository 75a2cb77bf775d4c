// bpmn-moddle's own types are reachable only through package "exports", which this CommonJS build does not
// resolve; we use one constructor and fromXML.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    fromXML(xml: string): Promise<unknown>;
  }
}
