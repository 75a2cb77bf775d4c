/**
 * Which HTTP methods a resource allows: the one place this rule is written (routes, the facade's
 * Allow headers and OpenAPI, code lenses and hovers all ask here).
 * - item: GET, HEAD and OPTIONS always; PUT and PATCH when an activity is linked to the resource (and,
 *   at run time, only while one of them is active); DELETE on the root (removes the instance);
 * - collection (roots and 1-to-N children): GET, HEAD, OPTIONS; POST on the root's (starts an instance).
 */
export type Method = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface MethodFacts {
  isRoot: boolean;
  /** some activity is linked to the resource */
  linked: boolean;
}

const READ: Method[] = ['GET', 'HEAD', 'OPTIONS'];
export const WRITE: Method[] = ['PUT', 'PATCH'];

/** Methods that can ever apply to an item. */
export function itemMethods(r: MethodFacts): Method[] {
  return [...READ, ...(r.linked ? WRITE : []), ...(r.isRoot ? (['DELETE'] as Method[]) : [])];
}

/** Methods allowed on an item now: writes only while a linked activity is active. */
export function itemMethodsNow(r: MethodFacts, writable: boolean): Method[] {
  return itemMethods(r).filter((m) => writable || !WRITE.includes(m));
}

export function collectionMethods(r: MethodFacts): Method[] {
  return r.isRoot ? [...READ, 'POST'] : [...READ];
}
