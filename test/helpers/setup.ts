import { accessSync, constants, statfsSync } from 'node:fs';

// Tests never see the machine's git configuration: every repository they make sets its own identity,
// default branch and signing.
process.env.GIT_CONFIG_NOSYSTEM = '1';
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.NO_COLOR = '1';
delete process.env.GIT_DIR;
delete process.env.GIT_WORK_TREE;
delete process.env.GIT_INDEX_FILE;
// Some tests hand a repository to an unprivileged user and then look at it with git as root.
process.env.GIT_CONFIG_COUNT = '1';
process.env.GIT_CONFIG_KEY_0 = 'safe.directory';
process.env.GIT_CONFIG_VALUE_0 = '*';

/**
 * Temp folders (repositories, caches, remotes) go on a memory file system when there is one with room:
 * the suite creates tens of thousands of small files, and on a disk file system creating them costs more
 * than the work under test. MV_TEST_TMPDIR names another folder; TMPDIR is what mvr and git see too.
 */
function memoryTemp(): string | undefined {
  const dir = '/dev/shm';
  try {
    accessSync(dir, constants.W_OK);
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize >= 4 * 1024 ** 3 ? dir : undefined;
  } catch {
    return undefined;
  }
}
const temp = process.env.MV_TEST_TMPDIR ?? memoryTemp();
if (temp) process.env.TMPDIR = temp;
