/** Reading many versions' pointers in one git call gives what reading them one by one gives. */
import { describe, expect, it } from 'vitest';
import { Git } from '../../src/git.js';
import { readCommittedPointer, readCommittedPointers } from '../../src/pointer/locate.js';
import { gitRepo } from '../helpers/git-repo.js';
import { uiFixture } from '../helpers/ui-fixture.js';

describe('batch reads', () => {
  it('git cat-file --batch keeps multi-byte text and missing blobs apart', async () => {
    const repo = await gitRepo();
    await repo.write('notes.txt', 'héllo ☃\nzwei\n');
    const first = await repo.commitAll('one');
    await repo.write('notes.txt', '日本語\n');
    await repo.write('sub/empty.txt', '');
    const second = await repo.commitAll('two');
    const blobs = await new Git(repo.dir).readBlobs([`${first}:notes.txt`, `${first}:sub/empty.txt`, `${second}:notes.txt`, `${second}:sub/empty.txt`, `${second}:sub`, `${second}:nope`]);
    expect(blobs).toEqual(['héllo ☃\nzwei\n', undefined, '日本語\n', '', undefined, undefined]);
  });

  it('readCommittedPointers agrees with readCommittedPointer for every version, with and without path hints', async () => {
    const fixture = await uiFixture();
    try {
      const git = new Git(fixture.repo.dir);
      const commits = (await fixture.repo.git('for-each-ref', '--format=%(*objectname)', 'refs/tags/chatbot@*', 'refs/tags/legacy@*')).split('\n');
      const single = await Promise.all(commits.map((commit) => readCommittedPointer(git, commit, 'chatbot')));
      const hinted = await readCommittedPointers(git, commits.map((commit) => ({ name: 'chatbot', commit, hint: 'models/chatbot/chatbot.mv.yaml' })));
      const guessed = await readCommittedPointers(git, commits.map((commit) => ({ name: 'chatbot', commit })));
      for (const reads of [hinted, guessed]) {
        expect(reads.map((r) => ('located' in r ? r.located : undefined))).toEqual(single);
      }
      // Three chatbot versions, and the commit legacy@v0.1.0 was tagged on (which holds chatbot's newest pointer).
      expect(single.filter(Boolean)).toHaveLength(4);
      // Several artifacts' requests in one call read as they do artifact by artifact.
      const legacy = commits.map((commit) => ({ name: 'legacy', commit }));
      const mixed = await readCommittedPointers(git, [...commits.map((commit) => ({ name: 'chatbot', commit, hint: 'models/chatbot/chatbot.mv.yaml' })), ...legacy, ...commits.map((commit) => ({ name: 'chatbot', commit }))]);
      expect(mixed).toEqual([...hinted, ...(await readCommittedPointers(git, legacy)), ...guessed]);
      expect(mixed.slice(commits.length, 2 * commits.length)).toEqual(commits.map(() => ({ missing: true })));
      const wrongHint = await readCommittedPointers(git, [{ name: 'chatbot', commit: commits[0]!, hint: 'elsewhere.mv.yaml' }]);
      expect(wrongHint).toEqual([{ missing: true }]);
    } finally {
      await fixture.cleanup();
    }
  });
});
