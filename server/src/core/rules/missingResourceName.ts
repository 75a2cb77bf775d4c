import { diag } from '../diagnostics';
import { linkSpan, type BpmnRule } from './types';

export const missingResourceName: BpmnRule = {
  code: 'missing-resource-name',
  check: (an) =>
    an.doc.links
      .filter((l) => l.name === '')
      .map((l) =>
        diag(
          'missing-resource-name',
          l.nameSpan ? 'The linkedResource name is empty: name a class of the resource model' : 'linkedResource needs a name attribute naming a class of the resource model',
          linkSpan(l),
        ),
      ),
};
