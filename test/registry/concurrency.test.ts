import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { bareRemote, configureRepo, gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { promote, resolve } from '../../src/index.js';
import { refusal } from '../helpers/assertions.js';
import { mv } from '../helpers/mv-cli.js';
import { addChatbotVersion, chatbotProject, registryAt, registryTags, tagPayload } from '../helpers/registry.js';

async function twoVersions(): Promise<TestRepo> {
  const repo = await gitRepo();
  await chatbotProject(repo);
  await addChatbotVersion(repo, '1.0.0', '2026-03-01T10:00:00Z');
  await addChatbotVersion(repo, '1.1.0', '2026-03-02T10:00:00Z', { accuracy: 0.95 });
  return repo;
}

/** Every stage tag of `chatbot` with its counter; counters must be unique. */
async function counters(repo: TestRepo): Promise<number[]> {
  return (await registryTags(repo)).filter((t) => t.includes('#')).map((t) => Number(t.split('#').at(-1)));
}

describe('concurrent writers', () => {
  it('racing promotes in one repository get distinct counters and never overwrite a tag', async () => {
    const repo = await twoVersions();
    const requests = [
      ['chatbot@v1.0.0', 'staging'],
      ['chatbot@v1.1.0', 'candidate'],
      ['chatbot@v1.0.0', 'candidate'],
      ['chatbot@v1.1.0', 'staging'],
    ];
    // Separate processes, as four people or CI jobs would run them.
    const runs = await Promise.all(requests.map(([ref, stage]) => mv(repo.dir, ['promote', ref!, stage!, '--json'])));
    for (const run of runs) {
      // Each either succeeded or failed cleanly with a message (no stack trace).
      if (run.exitCode !== 0) expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).not.toContain('    at ');
    }
    const created = runs.filter((r) => r.exitCode === 0).flatMap((r) => (JSON.parse(r.stdout) as { tags: string[] }).tags);
    expect(created.length).toBeGreaterThanOrEqual(2);
    const taken = await counters(repo);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.sort((a, b) => a - b)).toEqual(created.map((t) => Number(t.split('#').at(-1))).sort((a, b) => a - b));
    // Each surviving assignment still says what its creator wrote: payload version matches the request.
    for (const [i, run] of runs.entries()) {
      if (run.exitCode !== 0) continue;
      const result = JSON.parse(run.stdout) as { tags: string[] };
      for (const tag of result.tags.filter((t) => !t.includes('!'))) expect((await tagPayload(repo, tag)).version).toBe(requests[i]![0]!.split('@v')[1]);
    }
    // The final state of each stage is the state recorded by its newest event.
    const staging = await resolve({ cwd: repo.dir, ref: 'chatbot#staging' });
    const newestStaging = (await registryTags(repo)).filter((t) => t.startsWith('chatbot#staging#')).sort((a, b) => Number(a.split('#')[2]) - Number(b.split('#')[2])).at(-1)!;
    expect(staging.event).toBe(newestStaging);
  });

  it('a counter taken on the remote meanwhile is resolved by fetching and retrying with the next one', async () => {
    const origin = await bareRemote();
    const a = await twoVersions();
    await a.git('remote', 'add', 'origin', origin);
    await a.git('push', '-q', 'origin', 'main', '--tags');
    const bDir = await tempDir();
    await execa('git', ['clone', '-q', origin, bDir]);
    await configureRepo(bDir);
    const b = { ...a, dir: bDir, git: async (...args: string[]) => (await execa('git', args, { cwd: bDir })).stdout };

    // A promotes and pushes; B has not fetched since.
    const first = await registryAt('2026-03-03T10:00:00Z', undefined, () => promote({ cwd: a.dir, ref: 'chatbot@v1.0.0', stage: 'staging', push: true }));
    expect(first).toMatchObject({ tags: ['chatbot#staging#1'], pushedTo: 'origin' });

    // While B pushes, someone else takes the very tag name B is about to push, for another version (a
    // pre-push hook simulates it).
    const marker = join(bDir, '.git', 'raced');
    const hook = join(bDir, '.git', 'hooks', 'pre-push');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      hook,
      `#!/bin/sh\nif [ ! -e "${marker}" ]; then\n  touch "${marker}"\n  while read local_ref local_oid remote_ref remote_oid; do\n    name="\${remote_ref#refs/tags/}"\n    commit=$(git rev-parse "refs/tags/chatbot@v1.0.0^{commit}")\n    GIT_DIR="${origin}" git -c user.name=Elsewhere -c user.email=else@example.com tag -a -m "made elsewhere" "$name" "$commit"\n  done\nfi\nexit 0\n`,
    );
    await chmod(hook, 0o755);
    // B's first attempt (assign #2, unassign of v1.0.0 #3) clashes with both tags made elsewhere; in one second
    // the unassignment made elsewhere wins (GTO's rule), so staging is empty and B only assigns, with #4.
    // B, and the hook that races it, write in the same second.
    const second = await registryAt('2026-03-03T10:01:00Z', undefined, () => promote({ cwd: bDir, ref: 'chatbot@v1.1.0', stage: 'staging', push: true, message: 'from B' }));
    expect(second.tags).toEqual(['chatbot#staging#4']);

    // All exist on the remote; the ones made elsewhere were not overwritten.
    const remoteTags = (await execa('git', ['tag', '-l', 'chatbot#*'], { cwd: origin })).stdout.split('\n').sort();
    expect(remoteTags).toEqual(['chatbot#staging!#3', 'chatbot#staging#1', 'chatbot#staging#2', 'chatbot#staging#4']);
    expect((await execa('git', ['for-each-ref', '--format=%(contents:subject)', 'refs/tags/chatbot#staging#2'], { cwd: origin })).stdout).toBe('made elsewhere');
    expect((await tagPayload(b, 'chatbot#staging#4')).reason).toBe('from B');
    // B's local tags now match the remote's.
    expect((await registryTags(b)).filter((t) => t.includes('#'))).toEqual(remoteTags);
  });

  it('a push that fails for another reason leaves no tag behind', async () => {
    const repo = await twoVersions();
    await repo.git('remote', 'add', 'origin', join(await tempDir(), 'missing.git'));
    const before = await registryTags(repo);
    expect((await refusal(promote({ cwd: repo.dir, ref: 'chatbot@v1.0.0', stage: 'staging', push: true }))).text).toMatch(/Could not (fetch|push)/);
    expect(await registryTags(repo)).toEqual(before);
    await promote({ cwd: repo.dir, ref: 'chatbot@v1.0.0', stage: 'staging' });
    expect(await registryTags(repo)).toEqual([...before, 'chatbot#staging#1'].sort());
  });
});
