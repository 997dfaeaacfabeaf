/**
 * Which of some objects a remote already has, at the lowest request count: one existence check per
 * object, or listing the fan-out folders they fall in, whichever costs fewer requests. The size of a
 * fan-out folder is estimated by listing the first one needed (which the listing strategy would list
 * anyway), as dvc-data does by sampling a prefix.
 */
import pLimit from 'p-limit';
import type { ObjectStore } from '../cache/object-store.js';
import { oidHex, type Oid } from '../cache/oid.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** Up to this many objects are always checked one by one. */
const FEW = 16;

export interface StatusOptions {
  jobs: number;
  policy: RetryPolicy;
  signal?: AbortSignal | undefined;
}

export interface RemoteStatus {
  present: Set<Oid>;
  missing: Oid[];
  method: 'none' | 'check' | 'list';
  requests: number;
}

export function fanoutOf(oid: Oid): string {
  return oidHex(oid).slice(0, 2);
}

/** Requests needed to list `fanouts` folders of about `perFanout` keys each. */
export function listingCost(fanouts: number, perFanout: number, pageSize: number): number {
  return fanouts * Math.max(1, Math.ceil(perFanout / pageSize));
}

export async function remoteStatus(store: ObjectStore, oids: Oid[], options: StatusOptions): Promise<RemoteStatus> {
  const wanted = [...new Set(oids)];
  const present = new Set<Oid>();
  if (wanted.length === 0) return { present, missing: [], method: 'none', requests: 0 };
  const retrying = <T>(op: () => Promise<T>) => withRetry(op, { policy: options.policy, signal: options.signal });
  const limit = pLimit(options.jobs);
  let requests = 0;

  const check = async (list: Oid[]) => {
    await Promise.all(
      list.map((oid) =>
        limit(async () => {
          requests++;
          if (await retrying(() => store.has(oid))) present.add(oid);
        }),
      ),
    );
  };
  if (wanted.length <= FEW) {
    await check(wanted);
    return { present, missing: wanted.filter((o) => !present.has(o)), method: 'check', requests };
  }

  const byFanout = new Map<string, Oid[]>();
  for (const oid of wanted) {
    const key = fanoutOf(oid);
    const group = byFanout.get(key);
    if (group) group.push(oid);
    else byFanout.set(key, [oid]);
  }
  const listFanout = async (fanout: string): Promise<number> => {
    const wantedHere = new Set(byFanout.get(fanout));
    return retrying(async () => {
      let count = 0;
      for await (const oid of store.list({ fanout })) {
        count++;
        if (wantedHere.has(oid)) present.add(oid);
      }
      requests += Math.max(1, Math.ceil(count / store.listPageSize));
      return count;
    });
  };
  const [first, ...rest] = [...byFanout.keys()];
  const sample = await listFanout(first!);
  const remaining = wanted.length - byFanout.get(first!)!.length;
  if (listingCost(rest.length, sample, store.listPageSize) < remaining) {
    await Promise.all(rest.map((fanout) => limit(() => listFanout(fanout))));
    return { present, missing: wanted.filter((o) => !present.has(o)), method: 'list', requests };
  }
  await check(rest.flatMap((fanout) => byFanout.get(fanout)!));
  return { present, missing: wanted.filter((o) => !present.has(o)), method: 'check', requests };
}
