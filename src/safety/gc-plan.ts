/**
 * What a gc deletes, decided as a pure function of what a store holds, what is still needed, and the
 * clock; `--dry-run` prints this plan and applying it is a separate step.
 *
 * Kept: every object something references; every object younger than the grace period (a concurrent
 * `mv add` may be about to commit a pointer to it); and the files of any kept manifest, so a manifest is
 * never left without its entries. Deleted: the rest, manifests first, so that a gc killed midway leaves
 * at worst entries without a manifest (garbage the next gc removes), never a manifest without entries.
 */
import type { StoredObjectInfo } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';

export interface GcPlanInput {
  /** What the store holds. */
  objects: StoredObjectInfo[];
  /** Every object something references (directory entries included). */
  referenced: Set<Oid>;
  /** Unreferenced objects that are manifests, with the files they list. */
  manifests: Map<Oid, Oid[]>;
  nowMs: number;
  graceMs: number;
}

export interface GcDeletion extends StoredObjectInfo {
  manifest: boolean;
}

export interface GcPlan {
  /** In deletion order: manifests first. */
  delete: GcDeletion[];
  bytes: number;
  total: { objects: number; bytes: number };
  kept: { referenced: number; young: number; listedByYoung: number };
}

export function planGc(input: GcPlanInput): GcPlan {
  const cutoff = input.nowMs - input.graceMs;
  const young = input.objects.filter((o) => !input.referenced.has(o.oid) && o.modifiedMs > cutoff);
  // Files listed by a manifest that is kept only for its age are kept with it.
  const listedByYoung = new Set<Oid>();
  for (const object of young) for (const entry of input.manifests.get(object.oid) ?? []) listedByYoung.add(entry);
  const plan: GcPlan = {
    delete: [],
    bytes: 0,
    total: { objects: input.objects.length, bytes: input.objects.reduce((sum, o) => sum + o.size, 0) },
    kept: { referenced: 0, young: young.length, listedByYoung: 0 },
  };
  const youngSet = new Set(young.map((o) => o.oid));
  for (const object of input.objects) {
    if (input.referenced.has(object.oid)) plan.kept.referenced++;
    else if (youngSet.has(object.oid)) continue;
    else if (listedByYoung.has(object.oid)) plan.kept.listedByYoung++;
    else plan.delete.push({ ...object, manifest: input.manifests.has(object.oid) });
  }
  plan.delete.sort((a, b) => Number(b.manifest) - Number(a.manifest) || (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  plan.bytes = plan.delete.reduce((sum, o) => sum + o.size, 0);
  return plan;
}

/** Objects that are not referenced: the only ones whose manifest-ness the plan needs to know. */
export function unreferenced(objects: StoredObjectInfo[], referenced: Set<Oid>): StoredObjectInfo[] {
  return objects.filter((o) => !referenced.has(o.oid));
}
