// jexl 2.3 ships no type declarations; these are the parts we use.
declare module 'jexl' {
  export class Jexl {
    addFunction(name: string, fn: (...args: any[]) => unknown): void;
    compile(expression: string): { evalSync(context?: object): unknown };
    evalSync(expression: string, context?: object): unknown;
  }
}
