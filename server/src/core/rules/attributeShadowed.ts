import { diag, type CoreDiagnostic } from '../diagnostics';
import { lowerCamel } from '../resources/tree';
import { allAttributes } from '../uml/model';
import type { ModelRule } from './types';

/**
 * A write sets the resource object under its class's lowerCamel name and each attribute flat beside it
 * (design.md, "Process data"); the object is set last. A class with an attribute of that very name (class
 * `Test`, attribute `test`) therefore hides the attribute: `${test.contains("a")}` meets the object.
 * Reported at the class, since renaming either the class or the attribute resolves it.
 */
export const attributeShadowed: ModelRule = {
  code: 'attribute-shadowed',
  check(model) {
    const out: CoreDiagnostic[] = [];
    for (const c of model.classes) {
      const variable = lowerCamel(c.name);
      const a = allAttributes(model, c).find((x) => x.name === variable);
      if (!a) continue;
      out.push(
        diag(
          'attribute-shadowed',
          `${c.name}'s attribute '${a.name}' has the name of ${c.name}'s own object variable '${variable}': conditions see the object (${variable}.${a.name} is the attribute), not the attribute's value; rename the class or the attribute`,
          c.nameSpan,
          { variable },
        ),
      );
    }
    return out;
  },
};
