/**
 * Who signed registry events: `git verify-tag --raw` on each signed tag, read for OpenPGP (`[GNUPG:]`
 * status lines) and SSH (`Good "git" signature for …`) answers. A tag git cannot check here (no public key,
 * no `gpg.ssh.allowedSignersFile`) is reported as signed but not verifiable, never as bad.
 */
import pLimit from 'p-limit';
import type { Git } from '../git.js';
import type { TagRecord } from './tag-records.js';

export type SignatureStatus = 'unsigned' | 'good' | 'unknown-key' | 'unverifiable' | 'bad';

export interface SignatureCheck {
  tag: string;
  signed: boolean;
  status: SignatureStatus;
  /** Who the signature belongs to: the SSH principal, or the OpenPGP user id. */
  signer?: string;
  /** The key: SSH fingerprint or OpenPGP key id. */
  key?: string;
  /** git's own words when the signature could not be checked or is bad. */
  detail?: string;
}

export async function checkSignature(git: Git, tag: string): Promise<SignatureCheck> {
  const result = await git.verifyTag(tag);
  return { tag, signed: true, ...readVerifyOutput(result.ok, result.output) };
}

/** Interprets `git verify-tag --raw` output (exported for tests of the GPG forms). */
export function readVerifyOutput(ok: boolean, text: string): Omit<SignatureCheck, 'tag' | 'signed'> {
  const ssh = /Good "git" signature (?:for (.+?) )?with (\S+) key (\S+)/.exec(text);
  const gpgGood = /\[GNUPG:\] GOODSIG (\S+) (.*)/.exec(text);
  const detail = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('[GNUPG:]')).slice(0, 3).join(' ');
  if (/incorrect signature|\[GNUPG:\] BADSIG|BAD signature/i.test(text)) return { status: 'bad', detail: detail || 'the signature does not match the tag' };
  if (ok && ssh) return { status: 'good', signer: ssh[1], key: `${ssh[2]!} ${ssh[3]!}` };
  if (ok && gpgGood) return { status: 'good', signer: gpgGood[2]!.trim(), key: gpgGood[1]! };
  if (ssh && /No principal matched/i.test(text)) return { status: 'unknown-key', key: `${ssh[2]!} ${ssh[3]!}`, detail: 'valid signature by a key that is not in gpg.ssh.allowedSignersFile' };
  if (/\[GNUPG:\] (EXPKEYSIG|REVKEYSIG|EXPSIG)/.test(text)) return { status: 'unknown-key', detail: detail || 'signed with an expired or revoked key' };
  return { status: 'unverifiable', detail: detail || 'git could not check the signature here' };
}

/** Signature checks of annotated registry tags (unsigned ones are reported without running git). */
export async function checkSignatures(git: Git, records: TagRecord[]): Promise<SignatureCheck[]> {
  const limit = pLimit(4);
  return Promise.all(
    records
      .filter((r) => r.annotated)
      .map((r) => (r.signed ? limit(() => checkSignature(git, r.tag)) : Promise.resolve<SignatureCheck>({ tag: r.tag, signed: false, status: 'unsigned' }))),
  );
}
