/**
 * Registry text is written by whoever can push a tag or a commit: tag messages, tagger names and e-mails,
 * pointer fields, file names. None of it can drive the victim's terminal or fake a line: control
 * characters, ESC sequences, CR, BEL and bidirectional controls come out as visible escapes, on stdout
 * and stderr alike; `--json` keeps the exact values, with those characters escaped by JSON. The commands
 * run through the CLI's main in the test process, which writes through the same output functions as bin/mvr.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { promote } from '../../src/commands/promote.js';
import { renderSite } from '../../src/commands/ui.js';
import { cli } from '../helpers/mv-cli.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { RAW_CONTROL, attackBranch, commitRaw, handTag, plantObject, pointerText, publish, scene, victim, type Scene } from './attack.js';

const FAKE = 'ok\r\u001b[2Kfaked line\u001b]0;TITLE\u0007 \u202etxt.exe\u202c';
const ESCAPED = 'ok\\r\\x1b[2Kfaked line\\x1b]0;TITLE\\x07 \\u202etxt.exe\\u202c';

let s: Scene;
let repo: TestRepo;

beforeAll(async () => {
  s = await scene();
  // A promotion whose reason, and whose tagger, are built to rewrite the auditor's screen.
  process.env.GIT_COMMITTER_NAME = 'Mal\u001b[8mlory';
  process.env.GIT_COMMITTER_EMAIL = 'evil\u202e@x';
  try {
    await promote({ cwd: s.attacker.dir, ref: 'churn@v0.1.0', stage: 'staging', message: FAKE });
  } finally {
    delete process.env.GIT_COMMITTER_NAME;
    delete process.env.GIT_COMMITTER_EMAIL;
  }
  // A version registered by hand: a pointer whose metric key, metric value, param and file name are hostile.
  await attackBranch(s, 'hostile-pointer');
  const oid = await plantObject(s.remote, 'weights');
  const commit = await commitRaw(s.attacker, [{
    path: 'models/evil.mv.yaml',
    content: pointerText('evil', '1.0.0', [{ path: 'weights\u202eexe.bin', oid: oid as `sha256:${string}`, size: 7 }], {
      description: FAKE,
      metrics: { [`acc\u001b[31m`]: `0.9\r\u001b[1Ahacked`, note: FAKE },
      lineage: { params: { lr: FAKE } },
    }),
  }], 'evil model');
  await handTag(s.attacker, 'evil@v1.0.0', commit, `Register evil@v1.0.0: ${FAKE}`);
  await publish(s);
  repo = await victim(s, 'hostile-pointer', { suite: true });
}, 120_000);

function expectNeutral(run: { stdout: string; stderr: string }): void {
  expect(run.stdout).not.toMatch(RAW_CONTROL);
  expect(run.stderr).not.toMatch(RAW_CONTROL);
}

describe('text output neutralises registry text', () => {
  it('history shows the reason escaped', async () => {
    const run = await cli(repo.dir, ['history', 'churn']);
    expect(run.exitCode).toBe(0);
    expectNeutral(run);
    expect(run.stdout).toContain(ESCAPED);
  });

  it('history shows the tagger\'s name and e-mail escaped', async () => {
    const run = await cli(repo.dir, ['history', 'churn']);
    expect(run.stdout).toContain('Mal\\x1b[8mlory <evil\\u202e@x>');
  });

  it('audit shows who and why escaped', async () => {
    const run = await cli(repo.dir, ['audit', 'churn', '--at', new Date(Date.now() + 60_000).toISOString()]);
    expect(run.exitCode).toBe(0);
    expectNeutral(run);
    expect(run.stdout).toContain(ESCAPED);
  });

  it('show of an artifact and of a stage', async () => {
    for (const ref of ['churn', 'churn#staging']) {
      const run = await cli(repo.dir, ['show', ref]);
      expect(run.exitCode).toBe(0);
      expectNeutral(run);
    }
  });

  it('show of a hand-registered version: description, metrics and params escaped, one line each', async () => {
    const run = await cli(repo.dir, ['show', 'evil@v1.0.0']);
    expect(run.exitCode).toBe(0);
    expectNeutral(run);
    expect(run.stdout).toContain('\\x1b');
    expect(run.stdout.split('\n').filter((line) => line.includes('hacked'))).toHaveLength(1);
  });

  it('a hand-written tag message in ls and history', async () => {
    for (const args of [['ls'], ['history', 'evil']]) {
      const run = await cli(repo.dir, args);
      expect(run.exitCode).toBe(0);
      expectNeutral(run);
    }
  });

  it('status names a file whose name holds a bidirectional override, escaped', async () => {
    await writeFile(join(repo.dir, 'models/weights\u202eexe.bin'), 'local edit');
    const run = await cli(repo.dir, ['status', 'evil']);
    expectNeutral(run);
    expect(run.stdout).toContain('weights\\u202eexe.bin');
  });

  it('an error naming a hostile path is escaped on stderr', async () => {
    await writeFile(join(repo.dir, 'models/weights\u202eexe.bin'), 'local edit');
    expect((await cli(repo.dir, ['fetch', 'evil@v1.0.0'])).exitCode).toBe(0);
    const run = await cli(repo.dir, ['checkout', 'evil']);
    expect(run.stderr).toContain('would overwrite local changes');
    expect(run.exitCode).toBe(1);
    expectNeutral(run);
    expect(run.stderr).toContain('\\u202e');
  });

  it('check-ref of a tag name with a bidirectional override', async () => {
    const run = await cli(repo.dir, ['check-ref', 'churn\u202e@v1.0.0']);
    expectNeutral(run);
  });

  it('--json keeps the exact values, with no raw control or bidi byte in the output', async () => {
    const run = await cli(repo.dir, ['history', 'churn', '--json']);
    expect(run.exitCode).toBe(0);
    expectNeutral(run);
    const events = (JSON.parse(run.stdout) as { events: Array<{ reason?: string; by: { name: string } }> }).events;
    expect(events.some((e) => e.reason === FAKE)).toBe(true);
    expect(events.some((e) => e.by.name === 'Mal\u001b[8mlory')).toBe(true);
    const shown = await cli(repo.dir, ['show', 'evil@v1.0.0', '--json']);
    expectNeutral(shown);
    expect((JSON.parse(shown.stdout) as { version: { metrics: Record<string, string> } }).version.metrics.note).toBe(FAKE);
  });

  it('the dashboard shows bidirectional controls as visible escapes, and no raw ones', async () => {
    const site = await renderSite({ cwd: repo.dir });
    const pages = [...site.pages.values()].join('\n');
    // eslint-disable-next-line no-control-regex
    expect(pages).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u001b\u0007]/);
    expect(pages).toContain('\\u202e');
  });
});
