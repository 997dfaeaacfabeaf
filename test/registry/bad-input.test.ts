import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { promote } from '../../src/index.js';
import { copyRepo, gitRepo, suiteDir, type TestRepo } from '../helpers/git-repo.js';
import { cli, cliOk } from '../helpers/mv-cli.js';
import { addChatbotVersion, at, chatbotProject, registryAt, registryTags } from '../helpers/registry.js';

let template: string;
/** A copy for the refusals: each one checks that it changed nothing, so they can share it. */
let shared: TestRepo;

/** Two versions, v2.3.8 in staging; built once, copied for the tests that change it. */
beforeAll(async () => {
  const repo = await gitRepo({ dir: join(await suiteDir('mv-registry-'), 'project') });
  await chatbotProject(repo);
  await addChatbotVersion(repo, '2.3.8', '2026-04-01T10:00:00Z');
  await addChatbotVersion(repo, '2.4.1', '2026-04-02T10:00:00Z', { accuracy: 0.89 });
  await registryAt('2026-04-03T10:00:00Z', undefined, () => promote({ cwd: repo.dir, ref: 'chatbot@v2.3.8', stage: 'staging' }));
  template = repo.dir;
  shared = await copyRepo(template, { suite: true });
});

const registry = (): Promise<TestRepo> => copyRepo(template);

/** Runs the command line, expects exit 1 (2: usage) with `message` (and `hint`), no stack trace, and no tag created. */
async function expectRefused(repo: TestRepo, args: string[], message: string, hint?: string, exitCode = 1): Promise<void> {
  const before = await registryTags(repo);
  const run = await cli(repo.dir, args);
  expect(run.exitCode, run.stderr).toBe(exitCode);
  expect(run.stderr).toContain(message);
  if (hint) expect(run.stderr).toContain(hint);
  expect(run.stderr).not.toContain('    at ');
  expect(await registryTags(repo)).toEqual(before);
}

describe('bad input: a clear error, and no tag', () => {
  it.each([
    [['promote', 'nope@v1.0.0', 'staging'], 'There is no artifact nope', 'Artifacts: chatbot'],
    [['promote', 'chatbot@v9.9.9', 'staging'], 'chatbot@v9.9.9 does not exist', 'Versions of chatbot: v2.4.1, v2.3.8'],
    [['promote', 'chatbot@v2.3.8', 'prod'], '"prod" is not a stage in .mv/config.yaml (stages: candidate, staging, production, archived)', 'Did you mean production? Use one of those, or add it to `stages`'],
    [['promote', 'chatbot@v2.3.8', 'Staging'], '"Staging" is not a stage in .mv/config.yaml', 'Did you mean staging?'],
    [['promote', 'chatbot@v2.3.8', 'qa'], '"qa" is not a stage in .mv/config.yaml', 'hint: Use one of those, or add it to `stages`'],
    [['promote', 'chatbot@v2.3.8', 'Pro Duction'], 'is not a stage', undefined],
    [['promote', 'chatbot', 'staging'], 'chatbot names an artifact, not a version', 'mvr promote chatbot@v2.4.1 staging'],
    [['promote', 'chatbot@v2.4.1', 'production'], 'production requires the version to have been in staging first, and chatbot@v2.4.1 never was (promote.require_order; `mvr promote chatbot@v2.4.1 staging` first)', '--force'],
    [['promote', 'chatbot@v2.4.1', 'production', '--traffic', '10', '--force'], 'production has no other version to share traffic with', 'Promote without --traffic'],
    [['promote', 'chat bot@v2.4.1', 'staging'], 'does not start with a valid artifact name', 'Refs look like'],
    [['rollback', 'chatbot'], 'chatbot has never had a version in production', 'mvr promote chatbot@vX.Y.Z production'],
    [['rollback', 'chatbot', 'staging'], 'had no holder before chatbot#staging#1', undefined],
    [['audit', 'chatbot', '--at', '2026-04-01T09:00Z', '--key', 'k'], 'No version of chatbot was in production at 2026-04-01T09:00:00Z', undefined],
    [['route', 'chatbot@v2.3.8', '--key', 'k'], 'route takes a stage ref like chatbot#staging', 'hint: Example: mvr route chatbot#staging --key customer-4711'],
    [['route', 'chatbot#production', '--key', 'k'], 'No version of chatbot is in production', 'Stages that hold versions: staging (v2.3.8)'],
    [['resolve', 'chatbot#qa'], 'qa is not a stage of chatbot', undefined],
    [['resolve', 'chatbot#stagign'], 'stagign is not a stage of chatbot', 'Did you mean chatbot#staging?'],
    [['history', 'bad..name'], 'not a valid artifact name', undefined],
    [['deprecate', 'chatbot@v2.3.8'], 'chatbot@v2.3.8 still serves staging (100%)', 'mvr archive chatbot@v2.3.8'],
  ])('mv %j', async (args, message, hint) => {
    await expectRefused(shared, args, message, hint);
  });

  // An option value that cannot be right is a usage error.
  it.each([
    [['promote', 'chatbot@v2.4.1', 'staging', '--traffic', '0'], '--traffic 0 is not a share between 1 and 99 percent', '--traffic 10'],
    [['promote', 'chatbot@v2.4.1', 'staging', '--traffic', '100'], 'not a share between 1 and 99', undefined],
    [['promote', 'chatbot@v2.4.1', 'staging', '--traffic', 'ten'], 'not a share between 1 and 99', undefined],
    [['audit', 'chatbot', '--at', 'last tuesday'], '"last tuesday" is not a time mv understands', '2026-11-25T10:00Z'],
    [['audit', 'chatbot', '--at', '2026-02-30T10:00Z'], 'is not a time mv understands', undefined],
  ])('mv %j (exit 2)', async (args, message, hint) => {
    await expectRefused(shared, args, message, hint, 2);
  });

  it('refuses to promote a deregistered or archived version, saying what to use instead', async () => {
    const repo = await registry();
    await cliOk(repo.dir, ['deprecate', 'chatbot@v2.4.1', '-m', 'bad data'], { env: at('2026-04-04T10:00:00Z') });
    await expectRefused(repo, ['promote', 'chatbot@v2.4.1', 'staging'], 'chatbot@v2.4.1 was deregistered (chatbot@v2.4.1!)', 'Pick another version');
    await cliOk(repo.dir, ['archive', 'chatbot@v2.3.8'], { env: at('2026-04-05T10:00:00Z') });
    await expectRefused(repo, ['promote', 'chatbot@v2.3.8', 'staging'], 'chatbot@v2.3.8 is archived (chatbot#archived#3); archived is terminal', undefined);
    await expectRefused(repo, ['archive', 'chatbot@v2.3.8'], 'chatbot@v2.3.8 is already archived', undefined);
  });

  it('a failed promote leaves no tag even when creating the tag itself fails', async () => {
    const repo = await registry();
    // A ref below the next tag's name makes git refuse to create it.
    const commit = await repo.git('rev-parse', 'HEAD');
    await repo.git('update-ref', 'refs/tags/chatbot#production#2/blocker', commit);
    const before = await registryTags(repo);
    const run = await cli(repo.dir, ['promote', 'chatbot@v2.3.8', 'production']);
    expect(run.exitCode).toBe(1);
    expect(await registryTags(repo)).toEqual(before);
  });
});
