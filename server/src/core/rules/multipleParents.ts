import { diag } from '../diagnostics';
import type { ModelRule } from './types';

export const multipleParents: ModelRule = {
  code: 'multiple-parents',
  check: (_model, tree) =>
    tree.extraParents.map((p) =>
      diag(
        'multiple-parents',
        p.firstParent === p.otherParent
          ? `${p.child.name} is already a child of ${p.firstParent.name} through another association: a resource has one parent (this association is ignored; make it undirected)`
          : `${p.child.name} is a child of both ${p.firstParent.name} and ${p.otherParent.name}: a resource has one parent (this association is ignored; make it undirected or reverse it)`,
        p.association.nameSpan,
      ),
    ),
};
