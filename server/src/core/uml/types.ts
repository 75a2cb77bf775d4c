import type { TypeKind } from './model';

/**
 * Primitive type names of the UML, Ecore, Java, C#, EA and XSD libraries that tools reference,
 * lower-cased, mapped to the JSON kind a request body is validated against.
 */
const PRIMITIVES: Record<string, TypeKind> = {};
function add(kind: TypeKind, names: string): void {
  for (const n of names.split(' ')) PRIMITIVES[n] = kind;
}
add('string', 'string char character text estring echar ejavaobject uuid guid uri url anyuri token charsequence');
add('integer', 'integer int long short byte biginteger unlimitednatural natural eint elong eshort ebyte ebiginteger eintegerobject elongobject int32 int64 uint nonnegativeinteger positiveinteger');
add('boolean', 'boolean bool eboolean ebooleanobject');
add('number', 'real double float decimal number numeric edouble efloat ebigdecimal bigdecimal currency money');
add('date-time', 'date datetime timestamp edate localdate localdatetime instant zoneddatetime offsetdatetime');

export function primitiveKind(typeName: string): TypeKind | undefined {
  return PRIMITIVES[typeName.toLowerCase().replace(/[^a-z0-9]+$/, '')];
}

/**
 * Name of a type referenced by href or a library id: the last segment of the fragment
 * (`…UMLPrimitiveTypes.library.uml#String`, `…Ecore#//EString`, `…#//Integer`, `datatype::String`),
 * or an EA library id (`EAJava_int`, `EAnone_String`).
 */
export function libraryTypeName(ref: string): string {
  let s = ref;
  const hash = s.lastIndexOf('#');
  if (hash >= 0) s = s.slice(hash + 1);
  const m = /^EA[A-Za-z]*?_(.+)$/.exec(s);
  if (m && /^EA(Java|none|C|CSharp|VB|Delphi|PHP|Python|[A-Z][a-z]+)?_/.test(s)) s = m[1];
  for (const sep of ['::', '//', '/', '.']) {
    const i = s.lastIndexOf(sep);
    if (i >= 0 && i + sep.length < s.length) s = s.slice(i + sep.length);
  }
  return s;
}
