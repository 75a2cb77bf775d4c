import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The package version, from the nearest package.json named bpmn-resource-api (works from out/ and from a bundle). */
export function packageVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bpmn-resource-api' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here: keep walking up
    }
    if (path.dirname(dir) === dir) return (cached = '0.0.0');
  }
}
