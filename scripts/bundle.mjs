// Bundles the command-line entry points (after `tsc`) into dist/bundle/, which bin/mvr runs. Start-up is
// paid by every command, hook and CI step; loading hundreds of separate modules (zod, yaml and semver alone
// are over 200 files) costs more than the work of most commands.
//   - cli.cjs: the whole CLI as one CommonJS script, which bin/mvr compiles with V8's code cache
//     (docs/decisions.md, "The command line runs from a bundle"). Commands stay lazily evaluated.
//   - resolve-entry.js, shell-entry.js: the two start-up paths that skip the CLI, as ES modules with
//     shared chunks (each loads a small part of the code, where a cache would not pay).
//   - file-worker.js: loaded by path from the file pool (new URL('./file-worker.js', import.meta.url)).
// The library entry (dist/index.js) is not bundled: programs that import mv resolve its dependencies as usual.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // The S3 client is large and loaded only for S3 remotes: it stays a normal dependency.
  external: ['@aws-sdk/*', '@smithy/*'],
  // No keepNames: naming every function and class at start-up cost about 2 ms a command, and nothing
  // depends on a bundled class's name (commander's errors are recognised by their code).
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: {
    'resolve-entry': 'dist/cli/resolve-entry.js',
    'shell-entry': 'dist/cli/shell-entry.js',
    'file-worker': 'dist/cache/file-worker.js',
  },
  splitting: true,
  format: 'esm',
  // CommonJS dependencies call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __mvCreateRequire } from 'node:module'; const require = __mvCreateRequire(import.meta.url);" },
});

await build({
  ...common,
  entryPoints: { cli: 'dist/cli/main.js' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  write: false,
  // import() of what is not bundled (the S3 client, node:timers/promises) becomes require(): an import()
  // inside a script compiled from V8's code cache finds no module loader in Node 20.
  supported: { 'dynamic-import': false },
  // Paths found from import.meta.url (package.json, bin/mvr, file-worker.js) are found from this file,
  // which sits where the ES module chunks do.
  define: { 'import.meta.url': '__mvModuleUrl' },
  // The script is the function bin/mvr calls, so compiling it needs no second copy of the text.
  banner: { js: "(function (exports, require, module, __filename, __dirname) {\nconst __mvModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: '})' },
}).then(({ outputFiles }) => {
  for (const file of outputFiles) writeFileSync(file.path, asciiOnly(file.text));
});

/**
 * The script with every character outside ASCII written as a \u escape, so bin/mvr can read it as
 * one-byte text (decoding 1.6 MB of UTF-8 took longer than compiling it from the code cache). Such
 * characters are left only in comments and template literals; an escape means the same there, in
 * strings, regular expressions and names, except in a template read raw, which the check below refuses.
 */
function asciiOnly(text) {
  /* eslint-disable no-control-regex */
  if (/String\.raw`[^`]*[^\x00-\x7f]/.test(text)) throw new Error('cli.cjs: a String.raw template holds a character outside ASCII');
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  /* eslint-enable no-control-regex */
}
