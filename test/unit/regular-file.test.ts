/** Reading files someone else controls: only regular files, never past their bounds, and aborts honoured. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { openRegularStream, readRegular, readRegularSync } from '../../src/cache/regular-file.js';
import { tempDir } from '../helpers/git-repo.js';

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('reading a regular file', () => {
  it('refuses a pipe, a link and a folder at once, and a file past its bounds, without reading it', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'fifo');
    await execa('mkfifo', [fifo]);
    await symlink('/dev/zero', join(dir, 'zero'));
    await mkdir(join(dir, 'folder'));
    await writeFile(join(dir, 'file'), 'twelve bytes');
    for (const [name, what] of [['fifo', 'a pipe, not a file'], ['zero', 'a symbolic link, not a file'], ['folder', 'a folder, not a file']] as const) {
      await expect(readRegular(join(dir, name))).rejects.toMatchObject({ code: 'UNEXPECTED_FILE', message: `${join(dir, name)} is ${what}; it was not read.` });
      expect(() => readRegularSync(join(dir, name))).toThrow(what);
      await expect(openRegularStream(join(dir, name))).rejects.toMatchObject({ code: 'UNEXPECTED_FILE' });
    }
    await expect(readRegular(join(dir, 'file'), { maxBytes: 11 })).rejects.toThrow('12 bytes, more than the 11 it may hold');
    await expect(readRegular(join(dir, 'file'), { size: 13 })).rejects.toThrow('12 bytes where 13 were expected');
    expect((await readRegular(join(dir, 'file'), { size: 12, maxBytes: 12 })).toString()).toBe('twelve bytes');
  });

  it('a ranged stream gives exactly its range, an empty range nothing, and an aborted read fails before it opens', async () => {
    const dir = await tempDir();
    const file = join(dir, 'file');
    await writeFile(file, '0123456789');
    expect((await collect(await openRegularStream(file, { start: 2, end: 5 }))).toString()).toBe('234');
    expect((await collect(await openRegularStream(file, { start: 4, end: 4 }))).length).toBe(0);
    const aborted = AbortSignal.abort();
    await expect(openRegularStream(file, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
    const later = new AbortController();
    const stream = await openRegularStream(file, { signal: later.signal });
    later.abort();
    await expect(collect(stream)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
