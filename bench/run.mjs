// Runs every benchmark in turn (`npm run bench`); each prints its own table and writes bench/results/.
// One of them alone: `node bench/<name>.mjs` (see bench/README.md for options).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const names = process.argv.slice(2).length ? process.argv.slice(2) : ['everyday', 'core', 'registry', 'ui', 'transfer', 'shell', 'dedup'];
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench/${name}.mjs ===`);
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(`./${name}.mjs`, import.meta.url))], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name}.mjs exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
