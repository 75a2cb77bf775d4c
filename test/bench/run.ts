import * as fs from 'node:fs';
import * as path from 'node:path';
import { coreBench } from './core.bench';
import { facadeBench } from './facade.bench';
import { camunda7Bench } from './camunda7.bench';
import { camunda8Bench } from './camunda8.bench';
import { camunda7LiveBench } from './camunda7Live.bench';
import { lspBench } from './lsp.bench';
import { startupBench } from './startup.bench';
import { ROOT } from '../helpers';

/** `npm run bench`: every benchmark, results also written to .bench/results.json. */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const suites: Record<string, () => Promise<Record<string, unknown>>> = { core: coreBench, startup: startupBench, lsp: lspBench, facade: facadeBench, camunda7: camunda7Bench, 'camunda7-live': camunda7LiveBench, camunda8: camunda8Bench };
  const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
  for (const [name, run] of Object.entries(suites)) {
    if (only.length && !only.includes(name)) continue;
    results[name] = await run();
  }
  fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.bench', 'results.json'), JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
