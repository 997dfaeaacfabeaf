/** Registry fixtures: a chatbot project with versions, fixed clocks, and hand-made (GTO-style) tags. */
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { add, init, type AddResult } from '../../src/index.js';
import { withEnv } from './env.js';
import type { TestRepo } from './git-repo.js';

/** Environment that makes git record `iso` (UTC) as the tagger/committer date, and optionally who. */
export function at(iso: string, who?: { name: string; email: string }): Record<string, string> {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  const date = `@${seconds} +0000`;
  return {
    GIT_COMMITTER_DATE: date,
    GIT_AUTHOR_DATE: date,
    ...(who ? { GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email } : {}),
  };
}

/** Runs `work` as if at `iso` (and by `who`): registry tags and commits get that date. */
export function registryAt<T>(iso: string, who: { name: string; email: string } | undefined, work: () => Promise<T>): Promise<T> {
  return withEnv(at(iso, who), work);
}

/**
 * Dates for a run of registry writes: each call runs `work` a minute after the previous one, starting at
 * `start`. Events then never share a second, so no write waits for the clock to pass the newest event's
 * second (GTO orders events by their date alone).
 */
export function registryClock(start: string, who?: { name: string; email: string }): <T>(work: () => Promise<T>) => Promise<T> {
  let next = Date.parse(start);
  return (work) => {
    const iso = new Date(next).toISOString();
    next += 60_000;
    return registryAt(iso, who, work);
  };
}

export const CI = { name: 'CI', email: 'ci@example.com' };
export const DANA = { name: 'Dana', email: 'dana@example.com' };

export const CHATBOT_ADD = ['add', 'chatbot', 'models/chatbot/model.pt', '--data', 'data/train', '--pipeline', 'src/preprocess.py', '--params', 'params.yaml', '--metrics', 'metrics.json'];

/** Writes the chatbot project (code committed) and runs `mv init`. */
export async function chatbotProject(repo: TestRepo): Promise<void> {
  await repo.write('src/preprocess.py', 'def preprocess(rows):\n    return rows\n');
  await repo.write('params.yaml', 'lr: 0.001\nepochs: 20\n');
  await repo.write('metrics.json', '{"accuracy": 0.93, "f1": 0.9}\n');
  await repo.write('data/train/part-0.csv', 'q,a\nhi,hello\n');
  await repo.git('add', 'src', 'params.yaml', 'metrics.json');
  await repo.git('commit', '-q', '-m', 'training code');
  await init({ cwd: repo.dir });
}

/** Trains (writes new weights, metrics, params, data) and registers `version` at `iso` (CHATBOT_ADD through the library). */
export async function addChatbotVersion(repo: TestRepo, version: string, iso: string, changes: { accuracy?: number; lr?: number; data?: string } = {}): Promise<AddResult> {
  if (changes.lr !== undefined) await repo.write('params.yaml', `lr: ${changes.lr}\nepochs: 20\n`);
  if (changes.accuracy !== undefined) await repo.write('metrics.json', `{"accuracy": ${changes.accuracy}, "f1": 0.9}\n`);
  if (changes.data !== undefined) await repo.write('data/train/part-1.csv', changes.data);
  if ((await repo.git('status', '--porcelain', '--untracked-files=no')) !== '') {
    await execa('git', ['commit', '-q', '-am', `train ${version}`], { cwd: repo.dir, env: at(iso) });
  }
  await repo.write('models/chatbot/model.pt', randomBytes(4096));
  return registryAt(iso, undefined, () =>
    add({
      cwd: repo.dir,
      name: 'chatbot',
      paths: ['models/chatbot/model.pt'],
      data: ['data/train'],
      pipeline: ['src/preprocess.py'],
      paramsFile: 'params.yaml',
      metricsFile: 'metrics.json',
      version,
      message: `train ${version}`,
    }),
  );
}

/** Creates an annotated tag as GTO does (`git tag -a NAME -m MESSAGE COMMIT`) at a fixed time. */
export async function gtoTag(repo: TestRepo, name: string, commit: string, message: string, iso: string, who?: { name: string; email: string }): Promise<void> {
  await execa('git', ['tag', '-a', name, '-m', message, commit], { cwd: repo.dir, env: at(iso, who) });
}

/** Registry tags in the repository, sorted. */
export async function registryTags(repo: TestRepo): Promise<string[]> {
  return (await repo.git('tag', '-l')).split('\n').filter(Boolean).sort();
}

/** The JSON payload line of an mv tag. */
export async function tagPayload(repo: TestRepo, tag: string): Promise<Record<string, any>> {
  const contents = await repo.git('for-each-ref', '--format=%(contents)', `refs/tags/${tag}`);
  const line = contents.split('\n').find((l) => l.startsWith('{"mv":'));
  if (!line) throw new Error(`${tag} has no mv payload:\n${contents}`);
  return JSON.parse(line) as Record<string, any>;
}
