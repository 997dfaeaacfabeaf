/**
 * Tag sets made with plain `git tag -a` at fixed tagger dates, each with the answer GTO gives for it. The
 * answers were recorded by running GTO itself (iterative/gto at commit 4b652c8, its reading code
 * unchanged, on Python 3.11 with git standing in for scmrepo's read calls) on exactly these tag sets;
 * where GTO's own tests or docs state the same case, the fixture says so.
 *
 * Kept free of vitest so that the same fixtures can be built outside the test run to record GTO's answers.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { GtoAnswers } from './gto-reader.js';


/** 2026-01-01T00:00:00Z: fixture dates are seconds after it. */
export const BASE_TIME = 1767225600;

export interface TagSetBuilder {
  dir: string;
  /** A new commit dated BASE_TIME + seconds; returns its id. */
  commit(seconds: number): Promise<string>;
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
];
