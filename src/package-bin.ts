/** This package's own executable: what hook scripts and the shell function call. */
import { fileURLToPath } from 'node:url';

// Two folders up from both dist/<dir>/ (the library) and dist/bundle/ (the CLI) is the package root.
export const PACKAGE_BIN = fileURLToPath(new URL('../../bin/mvr', import.meta.url));
