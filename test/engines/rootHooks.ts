/**
 * Mocha root hooks (.mocharc.json `require`): the live engines start once, before the first test, both at
 * once, with a start-up budget of their own, so no suite's 20 s hook limit has to cover a JVM start.
 * The engine-rest OpenAPI document is compiled meanwhile (several seconds, once per process).
 */
import { engineRestContract } from './engineRestProxy';
import { LIVE_KINDS, liveEnginesMissing, sharedLiveEngine, stopSharedLiveEngines } from './live';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    if (liveEnginesMissing()) return;
    this.timeout(300_000);
    const began = Date.now();
    const [engines] = await Promise.all([Promise.all(LIVE_KINDS.map((k) => sharedLiveEngine(k))), engineRestContract()]);
    const each = engines.map((e) => `${e.title} ${(e.startupMs / 1000).toFixed(1)} s`).join(', ');
    console.log(`  live engines up in ${((Date.now() - began) / 1000).toFixed(1)} s (${each}); logs in test-artifacts/engines/`);
  },

  /** The engines stop with the run, not only at process exit. */
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stopSharedLiveEngines();
  },
};
