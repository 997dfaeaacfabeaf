import { describe, expect, it } from 'vitest';
import { PARITY_FIXTURES, tagSetRepo } from '../helpers/gto-fixtures.js';
import { tempDir } from '../helpers/git-repo.js';
import { mvAnswers } from '../helpers/gto-parity.js';
import { readAsGto } from '../helpers/gto-reader.js';

/**
 * Registries made by hand the way GTO makes them (plain `git tag -a`, fixed dates), each with the answer
 * GTO gave for it (recorded from GTO itself, see test/helpers/gto-fixtures.ts). The port of GTO's reading
 * rule in test/helpers/gto-reader.ts must give the recorded answer — so it can stand in for GTO where GTO
 * is not installed — and mv must read every registry the same way: which artifacts are active, the
 * latest version, the version `gto show` names for each stage, and every version in each stage.
 */
describe('mv reads a GTO-made registry exactly as GTO does', () => {
  it.each(PARITY_FIXTURES.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const repo = await tagSetRepo(await tempDir());
    await fixture.build(repo);
    expect(await readAsGto(repo.dir)).toEqual(fixture.gto);
    const mv = await mvAnswers(repo.dir);
    if ('error' in fixture.gto) {
      expect(fixture.gto.error).toContain('Multiple versions are not allowed on the same Git commit');
      expect(mv).toEqual({ error: expect.stringContaining('Multiple versions are not allowed on the same Git commit') });
    } else {
      expect(mv).toEqual(fixture.gto);
    }
  });
});
