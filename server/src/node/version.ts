import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: { root: string | undefined; version: string } | undefined;

/** The nearest package.json named bpmn-resource-api above this module (works from out/ and from a bundle). */
function ownPackage(): { root: string | undefined; version: string } {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bpmn-resource-api' && pkg.version) return (cached = { root: dir, version: pkg.version });
    } catch {
      // not here: keep walking up
    }
    if (path.dirname(dir) === dir) return (cached = { root: undefined, version: '0.0.0' });
  }
}

export function packageVersion(): string {
  return ownPackage().version;
}

/** The folder of the installed package (its README, its package.json), when it can be found. */
export function packageRoot(): string | undefined {
  return ownPackage().root;
}
