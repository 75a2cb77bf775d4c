/** The engines `--engine` names (kept apart from engines.ts so that `check` does not load the adapters). */
export const ENGINES = ['embedded', 'camunda7', 'camunda8'] as const;
export type EngineType = (typeof ENGINES)[number];
