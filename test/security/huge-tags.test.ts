/**
 * Anyone who can push a tag chooses its size. Tags that are no registry events are never read, however
 * large; a registry tag larger than mv reads is ignored with a note, its message never held; and tags
 * that hold more than mv reads in all fail the read with a named error. The tags are made with plain git
 * (several refs may share one tag object, which costs the attacker nothing) and pushed; the victim runs a
 * fresh clone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TestRepo } from '../helpers/git-repo.js';
import { cli, mv } from '../helpers/mv-cli.js';
import { publish, scene, victim, type Scene } from './attack.js';

const MiB = 1024 * 1024;

/** An annotated tag on HEAD whose message is `bytes` long, named by every one of `names` (refs to one tag object). */
async function bigTag(repo: TestRepo, names: string[], bytes: number): Promise<void> {
  const message = join(await tempDir('mv-message-'), 'message');
  await writeFile(message, Buffer.alloc(bytes, 'x'));
  await repo.git('tag', '-a', '-F', message, '--', names[0]!, 'HEAD');
  const object = await repo.git('rev-parse', `refs/tags/${names[0]!}`);
  await execa('git', ['update-ref', '--stdin'], { cwd: repo.dir, input: names.slice(1).map((name) => `create refs/tags/${name} ${object}\n`).join('') });
}

let s: Scene;
let repo: TestRepo;

beforeAll(async () => {
  s = await scene();
  // 600 MiB of messages in tags that are no registry events: more than one string can hold.
  await bigTag(s.attacker, Array.from({ length: 25 }, (_, i) => `release-${i}`), 24 * MiB);
  // Registry tags past the bound of one tag.
  await bigTag(s.attacker, ['churn@v9.9.9', 'churn#production#9'], 2 * MiB);
  await publish(s);
  repo = await victim(s, 'main', { suite: true });
}, 180_000);

describe('tags larger than mv reads', () => {
  it('ls and verify of the built mvr ignore huge unrelated tags', async () => {
    for (const args of [['ls'], ['verify']]) {
      const run = await mv(repo.dir, args);
      expect(run.stderr).not.toContain('internal error');
      expect(run.exitCode).toBe(0);
    }
    expect((await mv(repo.dir, ['ls'])).stdout).toContain('churn@v0.1.0');
  }, 120_000);

  it('a registry tag over the bound is ignored with a note: no version, no stage', async () => {
    const run = await cli(repo.dir, ['ls', '--json']);
    expect(run.exitCode).toBe(0);
    const listed = JSON.parse(run.stdout) as { artifacts: Array<{ name: string; versions: number; stages: Record<string, unknown[]> }>; notes: string[] };
    expect(listed.artifacts.find((a) => a.name === 'churn')).toMatchObject({ versions: 1 });
    expect(listed.artifacts.find((a) => a.name === 'churn')!.stages.production ?? []).toEqual([]);
    for (const tag of ['churn@v9.9.9', 'churn#production#9']) expect(listed.notes).toContain(`${tag} is larger than 1.0 MiB, more than any registry event holds, so it was ignored and its message not read.`);
    const history = await cli(repo.dir, ['history', 'churn']);
    expect(history.stderr).toContain('note: churn@v9.9.9 is larger than 1.0 MiB');
    expect(history.stdout).not.toContain('v9.9.9');
  });
});

describe('registry tags that hold too much in all', () => {
  it('fail the read with TAGS_TOO_LARGE, without a stack trace', async () => {
    const own = await scene();
    // Each under the bound of one tag; together past the bound of a read.
    await bigTag(own.attacker, Array.from({ length: 130 }, (_, i) => `churn#staging#${100 + i}`), MiB - 8 * 1024);
    await publish(own);
    const clone = await victim(own);
    const run = await cli(clone.dir, ['ls']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error: The registry's tags hold more than 128 MiB");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const json = await cli(clone.dir, ['ls', '--json']);
    expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe('TAGS_TOO_LARGE');
  }, 120_000);
});
