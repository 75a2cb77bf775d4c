import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { allAttributes, UNBOUNDED, type UmlAttribute, type UmlClass, type UmlModel } from '../core/uml/model';

/** JSON Schema of a class's data, from its UML attributes (design.md's type mapping). */
export type JsonSchema = Record<string, unknown>;

const MAX_NESTING = 8;

function attributeSchema(model: UmlModel, a: UmlAttribute, depth: number, nullable: boolean): JsonSchema {
  let item: JsonSchema;
  switch (a.kind) {
    case 'string':
      item = { type: 'string' };
      break;
    case 'integer':
      item = { type: 'integer' };
      break;
    case 'boolean':
      item = { type: 'boolean' };
      break;
    case 'number':
      item = { type: 'number' };
      break;
    case 'date-time':
      item = { type: 'string', format: 'date-time' };
      break;
    case 'enum':
      item = a.enumValues && a.enumValues.length ? { type: 'string', enum: a.enumValues } : { type: 'string' };
      break;
    case 'class': {
      const cls = a.classId ? model.classById.get(a.classId) : undefined;
      item = cls && depth < MAX_NESTING ? classSchema(model, cls, depth + 1, false) : { type: 'object' };
      break;
    }
    default:
      item = {};
  }
  if (a.type) item.description = `UML type ${a.type}`;
  let s: JsonSchema = a.upper === UNBOUNDED || a.upper > 1 ? { type: 'array', items: item, ...(a.upper !== UNBOUNDED ? { maxItems: a.upper } : {}) } : item;
  if (nullable) s = { anyOf: [s, { type: 'null' }] };
  return s;
}

/** `nullable`: for merge patches, where null removes a field (RFC 7386). */
export function classSchema(model: UmlModel, cls: UmlClass, depth = 0, nullable = false): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const a of allAttributes(model, cls)) properties[a.name] = attributeSchema(model, a, depth, nullable);
  return { type: 'object', title: cls.name, properties, additionalProperties: false };
}

export interface FieldError {
  name: string;
  pointer: string;
  reason: string;
}

export class Validators {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly model: UmlModel) {
    addFormats(this.ajv);
  }

  /** Validates a body for a class; for `patch`, null values are allowed (they remove a field). */
  validate(cls: UmlClass, body: unknown, mode: 'replace' | 'patch', extra: Record<string, JsonSchema> = {}): FieldError[] {
    const key = `${cls.id}|${mode}|${Object.keys(extra).join(',')}`;
    let v = this.cache.get(key);
    if (!v) {
      const schema = classSchema(this.model, cls, 0, mode === 'patch');
      Object.assign(schema.properties as Record<string, JsonSchema>, extra);
      v = this.ajv.compile(schema);
      this.cache.set(key, v);
    }
    if (v(body)) return [];
    return (v.errors ?? []).map(toFieldError);
  }
}

function toFieldError(e: ErrorObject): FieldError {
  let pointer = e.instancePath;
  if (e.keyword === 'additionalProperties') pointer += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
  if (e.keyword === 'required') pointer += `/${(e.params as { missingProperty: string }).missingProperty}`;
  const name = pointer.replace(/^\//, '').split('/').join('.') || '(body)';
  const reason =
    e.keyword === 'additionalProperties' ? 'is not an attribute of this resource' : e.keyword === 'anyOf' ? 'has the wrong type' : e.message ?? 'is invalid';
  return { name, pointer, reason };
}

export function dedupeErrors(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  // anyOf (patch) reports the branch errors too; the specific ones are more useful.
  const specific = errors.filter((e) => !(e.reason === 'has the wrong type' && errors.some((o) => o !== e && o.pointer === e.pointer)));
  return specific.filter((e) => (seen.has(e.pointer) ? false : (seen.add(e.pointer), true)));
}
