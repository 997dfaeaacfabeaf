// Bundles the command-line entry points (after `tsc`) into dist/bundle/, which bin/mvr runs. One file per
// entry plus shared chunks loads in a fraction of the time of hundreds of separate modules (zod, yaml and
// semver alone are over 200 files), and start-up is paid by every command, hook and CI step.
// The library entry (dist/index.js) is not bundled: programs that import mv resolve its dependencies as usual.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: {
    main: 'dist/cli/main.js',
    'resolve-entry': 'dist/cli/resolve-entry.js',
    'shell-entry': 'dist/cli/shell-entry.js',
    // Loaded by path from the file pool (new URL('./file-worker.js', import.meta.url)).
    'file-worker': 'dist/cache/file-worker.js',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The S3 client is large and loaded only for S3 remotes: it stays a normal dependency.
  external: ['@aws-sdk/*', '@smithy/*'],
  // CommonJS dependencies call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __mvCreateRequire } from 'node:module'; const require = __mvCreateRequire(import.meta.url);" },
  // Class and function names stay as written: libraries compare error.name (commander's CommanderError).
  keepNames: true,
  logLevel: 'warning',
});
