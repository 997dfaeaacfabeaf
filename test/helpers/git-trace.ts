import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './git-repo.js';

/** The git processes `run` starts, as `<command> <arguments>` (GIT_TRACE logs one `built-in` line for each). */
export async function gitProcesses(run: () => Promise<unknown>): Promise<string[]> {
  const file = join(await tempDir(), 'trace');
  process.env.GIT_TRACE = file;
  try {
    await run();
  } finally {
    delete process.env.GIT_TRACE;
  }
  const log = await readFile(file, 'utf8').catch(() => '');
  return log.split('\n').flatMap((line) => /trace: built-in: git (.*)$/.exec(line)?.[1] ?? []);
}
