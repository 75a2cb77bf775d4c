/**
 * What `serve` says at start about the instances on disk (issue 27): how many run on each model version, and
 * which wait at an activity the served model no longer has. The embedded engine keeps each instance on the
 * model it started with (definitions.ts), but the API is derived from the served model: an instance waiting
 * at a renamed or removed task can be read, not written, until it is moved to the new model. Nothing at start
 * said so; a user found out from a 409 that never went away.
 */

/** An active instance as start-up sees it: its key, the model definitions it runs on, where it waits. */
export interface InstanceAtStart {
  key: string;
  /** hashes of the model definitions its engine state names (definitions.ts); none: written inline by an earlier version */
  definitions: string[];
  waiting: string[];
}

export interface VersionReport {
  /** one line per model version, newest (the served one) first */
  lines: string[];
  /** instances waiting where the served model has no such activity, one warning for all */
  warnings: string[];
}

const SHOWN = 5;

/**
 * @param current the served model's definition hash
 * @param has whether the served model has an activity or event with this id
 * @param named an element as messages name it (id and name)
 */
export function versionReport(instances: InstanceAtStart[], current: string, has: (id: string) => boolean, named: (id: string) => string): VersionReport {
  const byVersion = new Map<string, number>();
  for (const i of instances) {
    const v = versionOf(i, current);
    byVersion.set(v, (byVersion.get(v) ?? 0) + 1);
  }
  const label = (v: string) => (v === current ? `the served model (${v.slice(0, 8)})` : v === '' ? 'a model stored before versions were kept' : `an earlier model (${v.slice(0, 8)})`);
  const versions = [...byVersion.entries()].sort(([a, na], [b, nb]) => Number(b === current) - Number(a === current) || nb - na);
  const lines = versions.map(([v, n]) => `${n} active instance${n === 1 ? '' : 's'} on ${label(v)}`);
  const stranded = instances.flatMap((i) => {
    const gone = i.waiting.filter((id) => !has(id));
    return gone.length ? [{ key: i.key, gone }] : [];
  });
  if (!stranded.length) return { lines, warnings: [] };
  const shown = stranded.slice(0, SHOWN).map((s) => `'${s.key}' at ${s.gone.map(named).join(', ')}`);
  const more = stranded.length > SHOWN ? ` and ${stranded.length - SHOWN} more` : '';
  const n = stranded.length;
  return {
    lines,
    warnings: [
      `${n} instance${n === 1 ? ' waits' : 's wait'} at an activity the served model no longer has: ${shown.join('; ')}${more}. ${n === 1 ? 'It runs' : 'They run'} on the model ${n === 1 ? 'it' : 'they'} started with and can be read, but the resources of those activities cannot be written through this API until ${n === 1 ? 'it is' : 'they are'} moved to the served model (or the activity's id is restored)`,
    ],
  };
}

/** The version an instance runs on: its definitions' hashes together ('' when its state names none). */
function versionOf(i: InstanceAtStart, current: string): string {
  if (!i.definitions.length) return '';
  if (i.definitions.every((d) => d === current)) return current;
  return [...new Set(i.definitions.filter((d) => d !== current))].sort().join('+');
}
