import { diag } from '../diagnostics';
import type { ModelRule } from './types';

export const modelCycle: ModelRule = {
  code: 'model-cycle',
  check: (_model, tree) =>
    tree.cycles.map((c) =>
      diag(
        'model-cycle',
        `Directed associations form a cycle: ${[...c.classes.map((x) => x.name), c.classes[0].name].join(' → ')}; the URL tree must be a tree (this association is ignored)`,
        c.association.nameSpan,
      ),
    ),
};
