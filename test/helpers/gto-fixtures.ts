/**
 * Tag sets made with plain `git tag -a` at fixed tagger dates, each with the answer GTO gives for it. The
 * answers were recorded by running GTO itself (iterative/gto at commit 4b652c8, its reading code
 * unchanged, on Python 3.11 with git standing in for scmrepo's read calls) on exactly these tag sets;
 * where GTO's own tests or docs state the same case, the fixture says so.
 *
 * Kept free of vitest so that the same fixtures can be built outside the test run to record GTO's answers.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { GtoAnswers } from './gto-reader.js';


/** 2026-01-01T00:00:00Z: fixture dates are seconds after it. */
export const BASE_TIME = 1767225600;

export interface TagSetBuilder {
  dir: string;
  /** A new commit dated BASE_TIME + seconds; returns its id. */
  commit(seconds: number): Promise<string>;
  /** A new commit dated BASE_TIME + seconds that writes the files given (deletes those given null); returns its id. */
  commitFiles(seconds: number, files: Record<string, string | null>): Promise<string>;
  /** `git tag -a NAME -m MESSAGE COMMIT`, dated BASE_TIME + seconds. */
  tag(name: string, commit: string, seconds: number, message?: string): Promise<void>;
  /** A lightweight tag (GTO and mv ignore it). */
  lightweight(name: string, commit: string): Promise<void>;
  git(...args: string[]): Promise<string>;
}

/** A fresh repository (fixed identity, no signing, no machine config) and a builder for its tags. */
export async function tagSetRepo(dir?: string): Promise<TagSetBuilder> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'mv-gto-fixture-')));
  const env = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = async (args: string[], extra: Record<string, string> = {}) => (await execa('git', args, { cwd: root, env: { ...env, ...extra } })).stdout;
  await git(['init', '-q', '-b', 'main', '.']);
  for (const [key, value] of [['user.name', 'GTO Tester'], ['user.email', 'gtotester@example.com'], ['tag.gpgsign', 'false'], ['commit.gpgsign', 'false']]) await git(['config', key!, value!]);
  const at = (seconds: number) => ({ GIT_COMMITTER_DATE: `@${BASE_TIME + seconds} +0000`, GIT_AUTHOR_DATE: `@${BASE_TIME + seconds} +0000` });
  let n = 0;
  return {
    dir: root,
    commit: async (seconds) => {
      await git(['commit', '-q', '--allow-empty', '-m', `commit ${++n}`], at(seconds));
      return git(['rev-parse', 'HEAD']);
    },
    commitFiles: async (seconds, files) => {
      for (const [path, content] of Object.entries(files)) {
        if (content === null) await rm(join(root, path), { force: true });
        else {
          await mkdir(dirname(join(root, path)), { recursive: true });
          await writeFile(join(root, path), content);
        }
      }
      await git(['add', '-A']);
      await git(['commit', '-q', '--allow-empty', '-m', `commit ${++n}`], at(seconds));
      return git(['rev-parse', 'HEAD']);
    },
    tag: async (name, commit, seconds, message) => {
      await git(['tag', '-a', '-m', message ?? name, '--', name, commit], at(seconds));
    },
    lightweight: async (name, commit) => {
      await git(['tag', '--', name, commit]);
    },
    git: (...args) => git(args),
  };
}

export interface ParityFixture {
  name: string;
  /** What the fixture shows about GTO's reading. */
  shows: string;
  build(b: TagSetBuilder): Promise<void>;
  /** GTO's answer, recorded from GTO (see the module comment). */
  gto: GtoAnswers;
}

/** Seconds of 2023-09-04T07:51:53Z, where the example repository's tags start, after BASE_TIME (negative). */
const EXAMPLE = Date.UTC(2023, 8, 4, 7, 51, 53) / 1000 - BASE_TIME;

export const PARITY_FIXTURES: ParityFixture[] = [
  {
    name: 'example-gto',
    shows: "the tags of GTO's example repository (iterative/example-gto): an earlier version stays in dev until unassigned",
    async build(b) {
      const c1 = await b.commit(EXAMPLE - 100);
      const c2 = await b.commit(EXAMPLE - 50);
      await b.tag('churn@v3.0.0', c1, EXAMPLE, 'Registering artifact churn version v3.0.0');
      await b.tag('segment@v0.4.1', c1, EXAMPLE + 2);
      await b.tag('cv-class@v0.1.13', c1, EXAMPLE + 4);
      await b.tag('churn@v3.1.0', c2, EXAMPLE + 100);
      await b.tag('churn#dev#1', c1, EXAMPLE + 195);
      await b.tag('churn#staging#2', c2, EXAMPLE + 289);
      await b.tag('churn#prod#3', c1, EXAMPLE + 382);
      await b.tag('churn#dev#4', c2, EXAMPLE + 476);
      await b.tag('segment#dev#1', c1, EXAMPLE + 479);
    },
    gto: {
      churn: { active: true, latest: 'v3.1.0', stages: { dev: 'v3.1.0', prod: 'v3.0.0', staging: 'v3.1.0' }, all_in_stage: { dev: ['v3.1.0', 'v3.0.0'], prod: ['v3.0.0'], staging: ['v3.1.0'] }, versions: ['v3.0.0', 'v3.1.0'] },
      'cv-class': { active: true, latest: 'v0.1.13', stages: {}, all_in_stage: {}, versions: ['v0.1.13'] },
      segment: { active: true, latest: 'v0.4.1', stages: { dev: 'v0.4.1' }, all_in_stage: { dev: ['v0.4.1'] }, versions: ['v0.4.1'] },
    },
  },
  {
    name: 'gto-showcase',
    shows: "GTO's own test registry (tests/conftest.py `showcase`): re-assigning with --force makes the older version production's holder again",
    async build(b) {
      const first = await b.commit(0);
      const second = await b.commit(1);
      await b.tag('rf@v1.2.3', first, 2);
      await b.tag('nn@v0.0.1', first, 2);
      await b.tag('rf@v1.2.4', second, 3);
      await b.tag('nn#staging#1', first, 3);
      await b.tag('rf#production#1', first, 3);
      await b.tag('rf#staging#2', second, 4);
      await b.tag('rf#production#3', second, 5);
      await b.tag('rf#production#4', first, 6);
    },
    gto: {
      nn: { active: true, all_in_stage: { staging: ['v0.0.1'] }, latest: 'v0.0.1', stages: { staging: 'v0.0.1' }, versions: ['v0.0.1'] },
      rf: { active: true, all_in_stage: { production: ['v1.2.3', 'v1.2.4'], staging: ['v1.2.4'] }, latest: 'v1.2.4', stages: { production: 'v1.2.3', staging: 'v1.2.4' }, versions: ['v1.2.3', 'v1.2.4'] },
    },
  },
  {
    name: 'deregister-holder',
    shows: 'deregistering the holder: the stage falls back to the earlier assignment still in force',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 6);
      await b.tag('m#prod#1', c1, 10);
      await b.tag('m#prod#2', c2, 20);
      await b.tag('m@v2.0.0!', c2, 30);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v1.0.0'] }, latest: 'v1.0.0', stages: { prod: 'v1.0.0' }, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'unassign-falls-back',
    shows: 'unassigning the newest version leaves the earlier assignment in force (GTO tests: test_assign, test_unassign)',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 6);
      await b.tag('m#prod#1', c1, 10);
      await b.tag('m#prod#2', c2, 20);
      await b.tag('m#prod!#3', c2, 30);
      await b.tag('m#dev#4', c2, 40);
      await b.tag('m#dev!#5', c2, 50);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v1.0.0'] }, latest: 'v2.0.0', stages: { prod: 'v1.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'deprecated',
    shows: 'a deprecation newer than every other event hides the artifact (active: false); its stages are still recorded',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m#prod#1', c1, 11);
      await b.tag('m@deprecated', c1, 20);
    },
    gto: {
      m: { active: false, all_in_stage: { prod: ['v1.0.0'] }, latest: 'v1.0.0', stages: { prod: 'v1.0.0' }, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'deprecated-then-registered',
    shows: 'a registration after the deprecation makes the artifact active again',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@deprecated', c1, 20);
      await b.tag('m@v1.1.0', c2, 30);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.1.0', stages: {}, versions: ['v1.0.0', 'v1.1.0'] },
    },
  },
  {
    name: 'deprecated-then-deregistered',
    shows: 'any later event, even a deregistration, makes a deprecated artifact active again',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@v2.0.0', c2, 10);
      await b.tag('m@deprecated', c1, 20);
      await b.tag('m@v2.0.0!', c2, 30);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'deprecation-tie',
    shows: 'a deprecation in the same second as another event does not take effect',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@deprecated', c1, 10);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'deprecation-before-commit-date',
    shows: "a version's commit dated after the deprecation counts as a newer event",
    async build(b) {
      const c1 = await b.commit(50);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@deprecated', c1, 20);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'folders',
    shows: 'artifacts in folders: `path=name` in tags is the fullname `path:name` (DVCLive writes dvclive=model)',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('dvclive=model@v0.0.1', c1, 5);
      await b.tag('some/folder=some/model@v1.0.0', c1, 6);
      await b.tag('some/folder=some/model#prod#1', c1, 7);
    },
    gto: {
      'dvclive:model': { active: true, all_in_stage: {}, latest: 'v0.0.1', stages: {}, versions: ['v0.0.1'] },
      'some/folder:some/model': { active: true, all_in_stage: { prod: ['v1.0.0'] }, latest: 'v1.0.0', stages: { prod: 'v1.0.0' }, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'unregistered-commit',
    shows: 'a stage tag on a commit without a version tag: the commit is the version, and an unassignment there never takes effect',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m#prod#1', c1, 8);
      await b.tag('m#prod#2', c2, 10);
      await b.tag('m#prod!#3', c2, 20);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['227d26b306b0df0474627b85c9e55477878c0f27', 'v1.0.0'] }, latest: 'v1.0.0', stages: { prod: '227d26b306b0df0474627b85c9e55477878c0f27' }, versions: ['227d26b306b0df0474627b85c9e55477878c0f27', 'v1.0.0'] },
    },
  },
  {
    name: 'two-versions-one-commit',
    shows: 'two versions on one commit are readable until a stage tag points there',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v1.1.0', c1, 6);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.1.0', stages: {}, versions: ['v1.0.0', 'v1.1.0'] },
    },
  },
  {
    name: 'two-versions-one-commit-staged',
    shows: 'a stage tag on a commit with two versions: GTO refuses the registry',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v1.1.0', c1, 6);
      await b.tag('m#prod#1', c1, 10);
    },
    gto: { error: 'ManyVersions: Multiple versions are not allowed on the same Git commit. Violation detected for artifact \'m\', versions \'[\'v1.0.0\', \'v1.1.0\']\'.' },
  },
  {
    name: 'counters-against-dates',
    shows: 'events are ordered by tagger date, not by counter',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 6);
      await b.tag('m#prod#2', c1, 10);
      await b.tag('m#prod#1', c2, 20);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v2.0.0', 'v1.0.0'] }, latest: 'v2.0.0', stages: { prod: 'v2.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'unassign-wins-a-tie',
    shows: 'an assignment and an unassignment of one version in one second: the unassignment wins, whatever the counters say',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 5);
      await b.tag('m#prod#1', c1, 10);
      await b.tag('m#prod!#2', c1, 20);
      await b.tag('m#prod#3', c1, 20);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v2.0.0', stages: {}, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'assignments-tie-older-registration',
    shows: 'two versions assigned in one second: the one registered first is shown',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 6);
      await b.tag('m#prod#2', c2, 10);
      await b.tag('m#prod#1', c1, 10);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v1.0.0', 'v2.0.0'] }, latest: 'v2.0.0', stages: { prod: 'v1.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'assignments-tie-newer-registration',
    shows: 'the same tie, with the higher version registered first',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 6);
      await b.tag('m@v2.0.0', c2, 5);
      await b.tag('m#prod#1', c2, 10);
      await b.tag('m#prod#2', c1, 10);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v2.0.0', 'v1.0.0'] }, latest: 'v2.0.0', stages: { prod: 'v2.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'ten-in-one-second',
    shows: 'ten assignments in one second alternating two versions: both stay in the stage, the one registered first (by tag name, same second) is shown',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 5);
      for (let n = 1; n <= 10; n++) await b.tag(`m#production#${n}`, n % 2 ? c1 : c2, 10);
    },
    gto: {
      m: { active: true, all_in_stage: { production: ['v1.0.0', 'v2.0.0'] }, latest: 'v2.0.0', stages: { production: 'v1.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 're-registration',
    shows: 'a version deregistered and registered again (`m@v1.0.0#3`) is active',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v1.0.0!', c1, 6);
      await b.tag('m@v1.0.0#3', c1, 7);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
  },
  {
    name: 're-registration-tie',
    shows: 'a registration in the same second as a deregistration: the deregistration wins',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v1.0.0!', c1, 6);
      await b.tag('m@v1.0.0#3', c1, 6);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: [] },
    },
  },
  {
    name: 'archived-is-a-stage',
    shows: 'GTO reads `archived` as an ordinary stage: the version stays in production and is still the latest',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 6);
      await b.tag('m#prod#1', c2, 10);
      await b.tag('m#archived#2', c2, 20);
    },
    gto: {
      m: { active: true, all_in_stage: { archived: ['v2.0.0'], prod: ['v2.0.0'] }, latest: 'v2.0.0', stages: { archived: 'v2.0.0', prod: 'v2.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'deregistered-only-version',
    shows: 'a stage tag on a commit whose only version tag deregisters it: the stage is about that inactive version',
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0!', c2, 6);
      await b.tag('m#prod#1', c2, 10);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'simple-and-lightweight',
    shows: "a stage tag without counter (GTO's simple mode) counts; a lightweight tag does not",
    async build(b) {
      const c1 = await b.commit(0);
      const c2 = await b.commit(1);
      await b.tag('m@v1.0.0', c1, 5);
      await b.tag('m@v2.0.0', c2, 6);
      await b.tag('m#prod', c1, 10);
      await b.lightweight('m#prod#5', c2);
      await b.tag('v1.0', c2, 11);
      await b.tag('release-3', c2, 12);
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v1.0.0'] }, latest: 'v2.0.0', stages: { prod: 'v1.0.0' }, versions: ['v1.0.0', 'v2.0.0'] },
    },
  },
  {
    name: 'index-only',
    shows: "an artifact listed in artifacts.yaml at HEAD without any tag: active, no latest, no stages; its one version is HEAD's commit",
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': 'churn:\n  type: model\n  path: models/churn.pkl\n  description: Churn classifier\n  labels: [tabular, prod]\n' });
    },
    gto: {
      churn: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['b52797bdabcc4454be4f2037aaaf504b70db8a61'] },
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
  },
  {
    name: 'index-lists-registered',
    shows: "a registered artifact listed at HEAD, where it has no version tag: HEAD's commit is one more (unregistered) version; latest and stages unchanged",
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m#prod#1', c1, 11);
      await b.commitFiles(30, { 'artifacts.yaml': 'm:\n  type: model\n' });
    },
    gto: {
      m: { active: true, all_in_stage: { prod: ['v1.0.0'] }, latest: 'v1.0.0', stages: { prod: 'v1.0.0' }, versions: ['7e2d3af82a6335a3c08bb34c5107aa983051aefe', 'v1.0.0'] },
    },
  },
  {
    name: 'index-at-version-commit',
    shows: 'an artifact listed at HEAD where one of its version tags points: no extra version',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      const c2 = await b.commitFiles(30, { 'artifacts.yaml': 'm: {type: model}\n' });
      await b.tag('m@v1.1.0', c2, 40);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.1.0', stages: {}, versions: ['v1.0.0', 'v1.1.0'] },
    },
  },
  {
    name: 'index-reactivates-deprecated',
    shows: "a deprecated artifact listed in artifacts.yaml at a HEAD commit dated after the deprecation is active again",
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@deprecated', c1, 20);
      await b.commitFiles(30, { 'artifacts.yaml': 'm: {}\n' });
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['c1b9daa8b839090608d4a1e23032b8b8d177302c', 'v1.0.0'] },
    },
  },
  {
    name: 'index-predates-deprecation',
    shows: 'HEAD lists the artifact, but its commit is dated before the deprecation: still deprecated',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(15, { 'artifacts.yaml': 'm: {}\n' });
      await b.tag('m@deprecated', c1, 20);
    },
    gto: {
      m: { active: false, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['ed3ffa0f34d8e08d01336d03b9586f2e7d924d26', 'v1.0.0'] },
    },
  },
  {
    name: 'index-ties-deprecation',
    shows: 'HEAD lists the artifact and its commit is dated in the second of the deprecation: active (a tie goes against the deprecation)',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': 'm: {}\n' });
      await b.tag('m@deprecated', c1, 20);
    },
    gto: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['f45cd9e99715f5d5c037b0f903b2af2a368006af', 'v1.0.0'] },
    },
  },
  {
    name: 'index-without-deprecated',
    shows: 'a later HEAD whose artifacts.yaml does not list the deprecated artifact: still deprecated; an earlier commit that listed it does not count',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@deprecated', c1, 20);
      await b.commitFiles(25, { 'artifacts.yaml': 'm: {}\nother: {}\n' });
      await b.commitFiles(30, { 'artifacts.yaml': 'other: {}\n' });
    },
    gto: {
      m: { active: false, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
      other: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['6bdca15c387e2e366b48cb348a7c5cc33060e0f8'] },
    },
  },
  {
    name: 'index-gto-setting',
    shows: "`.gto`'s INDEX names the index: that file is read, artifacts.yaml is not",
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.tag('m@deprecated', c1, 20);
      await b.commitFiles(30, { '.gto': 'INDEX: registry/index.yaml\n', 'registry/index.yaml': 'm: {}\nidx: {type: dataset}\n', 'artifacts.yaml': 'ignored: {}\n' });
    },
    gto: {
      idx: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['6391ad2803b430754f51c6441c7101e83aa0ce99'] },
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['6391ad2803b430754f51c6441c7101e83aa0ce99', 'v1.0.0'] },
    },
  },
  {
    name: 'index-two-versions-at-head',
    shows: 'an artifact listed at HEAD, where two of its version tags point: GTO refuses the registry',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      const c2 = await b.commitFiles(20, { 'artifacts.yaml': 'm: {}\n' });
      await b.tag('m@v2.0.0', c2, 21);
      await b.tag('m@v2.1.0', c2, 22);
    },
    gto: { error: "ManyVersions: Multiple versions are not allowed on the same Git commit. Violation detected for artifact 'm', versions '['v2.0.0', 'v2.1.0']'." },
  },
];

/**
 * Indexes GTO refuses outright (a malformed file, an invalid name) or reads beyond the limits mv puts on
 * any small YAML file it reads (1 MiB, 64 levels): GTO's answer recorded as above, and mv's, which leaves
 * out what it cannot read and says so in a note.
 */
export interface IndexDeviation extends ParityFixture {
  /** mv's answer: the tags, and the entries of the index it could read. */
  mv: GtoAnswers;
  /** Part of the note mv gives. */
  note: string;
}

export const INDEX_DEVIATIONS: IndexDeviation[] = [
  {
    name: 'index-invalid-name',
    shows: 'an index that lists an invalid name: GTO refuses the whole registry; mv leaves that name out',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': 'good: {}\n-bad-: {}\n' });
    },
    gto: { error: "ValidationError: Invalid value '-bad-'. Only letters, numbers, '_', '-', '/' are allowed. Value must be of len >= 2 and must start and end with a letter or a number." },
    mv: {
      good: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['af62f020a0d3baed1657e10cd9a5cc065934e9e9'] },
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    note: 'lists "-bad-", which is not a valid artifact name',
  },
  {
    name: 'index-bad-annotation',
    shows: 'annotations GTO cannot read (none at all, a description that is a number): GTO refuses the registry; mv leaves those entries out',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': 'empty:\nnumbered: {description: 5}\nfine: {type: model}\n' });
    },
    gto: { error: "WrongArtifactsYaml: artifacts.yaml file doesn't conform to GTO format" },
    mv: {
      fine: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['1182f08c37d25565f0249415950e434de7924052'] },
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    note: 'the annotation of numbered is not one GTO reads ("description")',
  },
  {
    name: 'index-malformed',
    shows: 'an index that is not YAML: GTO refuses the registry; mv reads the tags and notes the file',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': 'a: [\n' });
    },
    gto: { error: "WrongArtifactsYaml: artifacts.yaml file doesn't conform to GTO format" },
    mv: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    note: 'artifacts.yaml at HEAD:',
  },
  {
    name: 'index-too-large',
    shows: 'an index over 1 MiB: GTO reads it; mv does not read it',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': `a: {description: x}\nb: {custom: "${'x'.repeat(1100 * 1024)}"}\n` });
    },
    gto: {
      a: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['1ccbdf785eacb6cb6105d21084829013ee472cf1'] },
      b: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['1ccbdf785eacb6cb6105d21084829013ee472cf1'] },
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    mv: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    note: 'artifacts.yaml at HEAD is 1.1 MiB; mv reads at most 1.0 MiB of it',
  },
  {
    name: 'index-too-deep',
    shows: 'an index nested 100 levels deep: GTO reads it; mv reads no deeper than 64 levels, so not this file',
    async build(b) {
      const c1 = await b.commit(0);
      await b.tag('m@v1.0.0', c1, 10);
      await b.commitFiles(20, { 'artifacts.yaml': `a: {custom: ${'['.repeat(100)}${']'.repeat(100)}}\nb: {}\n` });
    },
    gto: {
      a: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['deba33482e6063a7624245990b08d5e221ceef94'] },
      b: { active: true, all_in_stage: {}, latest: null, stages: {}, versions: ['deba33482e6063a7624245990b08d5e221ceef94'] },
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    mv: {
      m: { active: true, all_in_stage: {}, latest: 'v1.0.0', stages: {}, versions: ['v1.0.0'] },
    },
    note: 'nested',
  },
];
