/** The files of GTO's index (gto-index.ts): its configuration and the index's default name. */
export const GTO_CONFIG_FILE = '.gto';
export const DEFAULT_INDEX_FILE = 'artifacts.yaml';
