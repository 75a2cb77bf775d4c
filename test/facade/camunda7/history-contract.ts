/**
 * The history operations the Camunda 7 adapter uses, which the 7.15 OpenAPI document lacks (see
 * shared/contracts/README.md). Written down once from the REST reference
 * (docs.camunda.org/manual/7.15/reference/rest/history/): only the parameters and DTO fields the adapter
 * sends or reads. A stand-in's own schema, not Camunda's: it proves consistency, not conformance.
 */
const HistoricProcessInstanceDto = {
  type: 'object',
  required: ['id', 'businessKey', 'processDefinitionKey', 'startTime', 'state'],
  properties: {
    id: { type: 'string' },
    businessKey: { type: 'string', nullable: true },
    processDefinitionId: { type: 'string' },
    processDefinitionKey: { type: 'string' },
    startTime: { type: 'string', format: 'date-time' },
    endTime: { type: 'string', format: 'date-time', nullable: true },
    superProcessInstanceId: { type: 'string', nullable: true },
    rootProcessInstanceId: { type: 'string' },
    tenantId: { type: 'string', nullable: true },
    state: { type: 'string', enum: ['ACTIVE', 'SUSPENDED', 'COMPLETED', 'EXTERNALLY_TERMINATED', 'INTERNALLY_TERMINATED'] },
  },
};

const HistoricVariableInstanceDto = {
  type: 'object',
  required: ['id', 'name', 'type', 'processInstanceId'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    value: {},
    valueInfo: { type: 'object' },
    processDefinitionKey: { type: 'string' },
    processInstanceId: { type: 'string' },
    executionId: { type: 'string', nullable: true },
    activityInstanceId: { type: 'string', nullable: true },
    state: { type: 'string' },
  },
};

const q = (name: string, schema: object) => ({ name, in: 'query', schema });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = { description: 'error', ...json({ $ref: '#/components/schemas/ExceptionDto' }) };

export const HISTORY_PATHS = {
  '/history/process-instance': {
    get: {
      operationId: 'historyQueryProcessInstances',
      parameters: [
        q('processInstanceBusinessKey', { type: 'string' }),
        q('processDefinitionKey', { type: 'string' }),
        q('finished', { type: 'boolean' }),
        q('sortBy', { type: 'string', enum: ['instanceId', 'definitionId', 'definitionKey', 'definitionName', 'definitionVersion', 'businessKey', 'startTime', 'endTime', 'duration', 'tenantId'] }),
        q('sortOrder', { type: 'string', enum: ['asc', 'desc'] }),
        q('firstResult', { type: 'integer' }),
        q('maxResults', { type: 'integer' }),
      ],
      responses: { '200': { description: 'instances', ...json({ type: 'array', items: HistoricProcessInstanceDto }) }, '400': error },
    },
  },
  '/history/process-instance/count': {
    get: {
      operationId: 'historyCountProcessInstances',
      parameters: [q('processDefinitionKey', { type: 'string' }), q('processInstanceBusinessKey', { type: 'string' })],
      responses: { '200': { description: 'count', ...json({ $ref: '#/components/schemas/CountResultDto' }) } },
    },
  },
  '/history/process-instance/{id}': {
    delete: {
      operationId: 'historyDeleteProcessInstance',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '204': { description: 'deleted' }, '404': error },
    },
  },
  '/history/variable-instance': {
    get: {
      operationId: 'historyQueryVariableInstances',
      parameters: [
        q('processInstanceId', { type: 'string' }),
        q('processInstanceIdIn', { type: 'string' }),
        q('variableName', { type: 'string' }),
        q('deserializeValues', { type: 'boolean' }),
      ],
      responses: { '200': { description: 'variables', ...json({ type: 'array', items: HistoricVariableInstanceDto }) }, '400': error },
    },
  },
};
