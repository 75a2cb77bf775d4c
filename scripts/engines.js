'use strict';
/**
 * `npm run engines`: builds the live engines the tests run against (test/engines/pom.xml), one runnable
 * jar per engine: test/engines/target/<engine>/engine-<engine>.jar.
 *
 * - A jar newer than the pom and the sources is kept (nothing runs).
 * - Maven runs offline first (-o) and goes to Maven Central only when the local repository lacks something.
 * - Without Java or Maven it prints one line naming what is missing and exits 0, so a laptop without them
 *   still runs the rest of the tests (the live-engine tests then skip with the same line); with CI=true it
 *   exits 1, since CI must run them.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, '..', 'test', 'engines');
const ENGINES = ['camunda7', 'operaton'];
/** Operaton's Spin dataformat, which Maven can fetch only on its own (see the pom's comment). */
const OPERATON_SPIN = { artifact: 'org.operaton.spin:operaton-spin-dataformat-all:1.0.0', file: 'operaton-spin-dataformat-all-1.0.0.jar' };

function missingTool() {
  for (const [tool, args] of [['java', ['-version']], ['mvn', ['-v']]]) {
    const r = spawnSync(tool, args, { stdio: 'ignore' });
    if (r.error || r.status !== 0) return tool;
  }
  return undefined;
}

function newestSource() {
  let newest = fs.statSync(path.join(DIR, 'pom.xml')).mtimeMs;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(DIR, 'src'));
  return newest;
}

/** mvn offline, then online if offline could not resolve everything; the output only when both fail. */
function maven(args) {
  for (const mode of [['-o'], []]) {
    const r = spawnSync('mvn', ['-B', '-q', ...mode, ...args], { cwd: DIR, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status === 0) return true;
    if (mode.length === 0) process.stderr.write(`${r.stdout}\n${r.stderr}\n`);
  }
  return false;
}

function main() {
  const missing = missingTool();
  if (missing) {
    console.log(`live engines not built: no ${missing} on PATH (Camunda 7 and Operaton need Java 17+ and Maven)`);
    process.exit(process.env.CI === 'true' ? 1 : 0);
  }
  const sources = newestSource();
  for (const engine of ENGINES) {
    const jar = path.join(DIR, 'target', engine, `engine-${engine}.jar`);
    if (fs.existsSync(jar) && fs.statSync(jar).mtimeMs >= sources) {
      console.log(`${path.relative(process.cwd(), jar)} is up to date`);
      continue;
    }
    const started = Date.now();
    if (engine === 'operaton' && !fs.existsSync(path.join(DIR, 'target', 'lib', OPERATON_SPIN.file))) {
      if (!maven(['-Poperaton', 'dependency:copy', `-Dartifact=${OPERATON_SPIN.artifact}`, `-DoutputDirectory=${path.join(DIR, 'target', 'lib')}`])) fail(engine);
    }
    if (!maven([`-P${engine}`, 'package'])) fail(engine);
    console.log(`built ${path.relative(process.cwd(), jar)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

function fail(engine) {
  console.error(`npm run engines: building ${engine} failed (Maven's output above)`);
  process.exit(1);
}

main();
