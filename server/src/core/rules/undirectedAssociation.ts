import { diag } from '../diagnostics';
import type { ModelRule } from './types';

export const undirectedAssociation: ModelRule = {
  code: 'undirected-association',
  check(model) {
    const name = (id: string | undefined) => (id ? model.classById.get(id)?.name ?? id : '?');
    return model.associations
      .filter((a) => !a.directed && a.ends.every((e) => e.typeId && model.classById.has(e.typeId)))
      .map((a) =>
        diag(
          'undirected-association',
          `Association ${a.name ? `'${a.name}' ` : ''}between ${name(a.ends[0].typeId)} and ${name(a.ends[1].typeId)} has no direction (${a.reason}): it is ignored for the URL tree; make one end navigable or one end a composition`,
          a.nameSpan,
        ),
      );
  },
};
