/**
 * A registry to look at: chatbot with three versions (metrics that move, a rollback, a 10% canary in
 * production whose reason is hostile markup, a signed promotion when ssh-keygen is available), and a
 * `legacy` artifact tagged by hand the way GTO does (no pointer files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { promote, rollback } from '../../src/index.js';
import { gitRepo, type TestRepo } from './git-repo.js';
import { addChatbotVersion, chatbotProject, DANA, gtoTag, registryAt } from './registry.js';

export const HOSTILE_REASON = '<img src=x onerror=alert(1)> canary <script>alert(2)</script>';
export const HOSTILE_METRIC = '<b onmouseover=alert(3)>latency</b>';
export const HOSTILE_PARAM = '"><svg onload=alert(4)>';

export interface UiFixture {
  repo: TestRepo;
  /** Whether a promotion was signed (needs ssh-keygen). */
  signed: boolean;
  cleanup(): Promise<void>;
}

export async function uiFixture(): Promise<UiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'mv-ui-'));
  const repo = await gitRepo({ dir: join(dir, 'chatbot-project') });
  await chatbotProject(repo);
  await addChatbotVersion(repo, '1.0.0', '2026-05-01T10:00:00Z', { accuracy: 0.9 });
  await addChatbotVersion(repo, '1.1.0', '2026-05-02T10:00:00Z', { accuracy: 0.85, lr: 0.002, data: 'q,a\nbye,see you\n' });
  await repo.write('params.yaml', `lr: 0.003\nepochs: 20\nnote: '${HOSTILE_PARAM}'\n`);
  await repo.write('metrics.json', JSON.stringify({ accuracy: 0.95, f1: 0.91, [HOSTILE_METRIC]: 12.5 }));
  await addChatbotVersion(repo, '1.2.0', '2026-05-03T10:00:00Z');

  const cwd = repo.dir;
  const by = (iso: string, work: () => Promise<unknown>) => registryAt(iso, DANA, work);
  await by('2026-05-04T09:00:00Z', () => promote({ cwd, ref: 'chatbot@v1.0.0', stage: 'staging', message: 'smoke tests passed' }));
  await by('2026-05-04T12:00:00Z', () => promote({ cwd, ref: 'chatbot@v1.0.0', stage: 'production', message: 'first release' }));
  await by('2026-05-05T09:00:00Z', () => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'staging' }));
  await by('2026-05-05T12:00:00Z', () => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'production', message: 'fresher data' }));
  await by('2026-05-06T08:00:00Z', () => rollback({ cwd, name: 'chatbot', message: 'v1.1.0 answers worse' }));
  await by('2026-05-07T09:00:00Z', () => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'staging' }));
  const signed = await signingKey(repo);
  await by('2026-05-07T12:00:00Z', () => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production', traffic: 10, message: HOSTILE_REASON, sign: signed }));

  const head = await repo.git('rev-parse', 'HEAD');
  await gtoTag(repo, 'legacy@v0.1.0', head, 'Registering artifact legacy version v0.1.0', '2026-04-01T10:00:00Z');
  await gtoTag(repo, 'legacy#production#1', head, 'Assigning stage production to artifact legacy version v0.1.0', '2026-04-02T10:00:00Z');
  return { repo, signed, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Configures an SSH signing key for the repository; false when ssh-keygen is not installed. */
async function signingKey(repo: TestRepo): Promise<boolean> {
  const key = join(repo.dir, '.git', 'signing-key');
  const made = await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key], { reject: false });
  if (made.exitCode !== 0) return false;
  await repo.git('config', 'gpg.format', 'ssh');
  await repo.git('config', 'user.signingkey', `${key}.pub`);
  return true;
}
