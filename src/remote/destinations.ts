/**
 * Where this clone has sent bytes, per remote name (`.git/mv/remote-destinations.json`, which no clone
 * brings). Anyone who can push can change the committed config, and with it where everyone's next `mv
 * push` (and pre-push hook) sends new versions, signed with their own credentials. A push to a remote the
 * committed config alone places goes ahead when this clone has sent there before, or never pushed to that
 * remote (the first push records it); a destination that changed since is refused until the user accepts
 * it (`--trust-remote`). A remote named by URL, by `MV_REMOTE` as a URL, or placed by the local config is
 * the user's own choice and not checked.
 */
import { join } from 'node:path';
import { MvError } from '../errors.js';
import { displayText } from '../display-text.js';
import { isPlainObject } from '../plain-object.js';
import type { Repo } from '../repo.js';
import { readStateJson, writeStateJson } from '../state-json.js';
import type { ResolvedRemote } from './resolve-remote.js';

function recordFile(stateDir: string): string {
  return join(stateDir, 'remote-destinations.json');
}

/** Refuses a push to a remote whose committed destination changed since this clone last pushed there. */
export async function checkDestination(repo: Repo, remote: ResolvedRemote, options: { trust: boolean; record: boolean }): Promise<void> {
  const name = remote.name;
  if (name === undefined || !Object.hasOwn(repo.committedDestinations, name)) return;
  const destination = repo.committedDestinations[name]!;
  const known = await readRecord(recordFile(repo.stateDir));
  const before = Object.hasOwn(known, name) ? known[name] : undefined;
  if (before === destination) return;
  if (before !== undefined && !options.trust) {
    throw new MvError('REMOTE_CHANGED', `The committed .mv/config.yaml now sends ${displayText(name)}'s bytes to ${displayText(destination)}; this clone pushed to ${displayText(before)} before.`, {
      hint: `Anyone who can push can change that file: check who changed it (\`git log -p -- .mv/config.yaml\`). If the new place is right, push once with \`mvr push --trust-remote\`; otherwise restore the old setting.`,
      details: { remote: name, destination, before },
    });
  }
  if (options.record) await rememberDestination(repo.stateDir, name, repo.committedDestinations);
}

async function readRecord(file: string): Promise<Record<string, string>> {
  const parsed = await readStateJson(file);
  const out = Object.create(null) as Record<string, string>;
  if (isPlainObject(parsed)) for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') out[name] = value;
  return out;
}

/**
 * Records where `name` now sends bytes (`destinations`: where each remote the committed config places sends
 * them), as the user set it in this clone (`mv remote add`), or forgets it (`mv remote remove`): the
 * user's own edit is never a change to question.
 */
export async function rememberDestination(stateDir: string, name: string, destinations: Record<string, string>): Promise<void> {
  const file = recordFile(stateDir);
  const known = await readRecord(file);
  const destination = Object.hasOwn(destinations, name) ? destinations[name] : undefined;
  if (destination === undefined ? !Object.hasOwn(known, name) : known[name] === destination) return;
  if (destination === undefined) delete known[name];
  else known[name] = destination;
  await writeStateJson(file, known);
}
