/** Stage names every registry knows (kept apart from config.ts so that reading the registry loads no config code). */
export const DEFAULT_STAGES = ['candidate', 'staging', 'production'] as const;

/** The terminal stage: archiving a version removes it from every other stage. */
export const ARCHIVED_STAGE = 'archived';
