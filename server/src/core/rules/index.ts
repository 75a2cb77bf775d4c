import type { BpmnRule, ModelRule } from './types';
import { attributeShadowed } from './attributeShadowed';
import { duplicateClass } from './duplicateClass';
import { duplicateId } from './duplicateId';
import { duplicateLink } from './duplicateLink';
import { misplacedLink } from './misplacedLink';
import { missingResourceName } from './missingResourceName';
import { modelCycle } from './modelCycle';
import { modelNotFound } from './modelNotFound';
import { multipleParents } from './multipleParents';
import { multiplicityNeedsLoop } from './multiplicityNeedsLoop';
import { noProcess } from './noProcess';
import { notBpmn } from './notBpmn';
import { processNotLinked } from './processNotLinked';
import { processResourceNotRoot } from './processResourceNotRoot';
import { singleInLoop } from './singleInLoop';
import { undeclaredPrefix } from './undeclaredPrefix';
import { undirectedAssociation } from './undirectedAssociation';
import { unknownElement } from './unknownElement';
import { unknownResource } from './unknownResource';
import { unreachableResource } from './unreachableResource';
import { unresolvedReference } from './unresolvedReference';
import { unknownCalledElement } from './unknownCalledElement';
import { engineUnsupported } from './engineUnsupported';
import { joinNeverFires } from './joinNeverFires';
import { engineDiffers } from './engineDiffers';
import { unlinkedUserTask } from './unlinkedUserTask';
import { sharedVariableName } from './sharedVariableName';
import { callWithoutBusinessKey } from './callWithoutBusinessKey';
import { correlationNotBusinessKey } from './correlationNotBusinessKey';

export const BPMN_RULES: readonly BpmnRule[] = [
  notBpmn,
  undeclaredPrefix,
  duplicateId,
  unknownElement,
  unresolvedReference,
  noProcess,
  modelNotFound,
  missingResourceName,
  unknownResource,
  misplacedLink,
  duplicateLink,
  processNotLinked,
  processResourceNotRoot,
  unreachableResource,
  multiplicityNeedsLoop,
  singleInLoop,
  unknownCalledElement,
  engineUnsupported,
  joinNeverFires,
  engineDiffers,
  unlinkedUserTask,
  sharedVariableName,
  callWithoutBusinessKey,
  correlationNotBusinessKey,
];

export const MODEL_RULES: readonly ModelRule[] = [duplicateClass, undirectedAssociation, modelCycle, multipleParents, attributeShadowed];
