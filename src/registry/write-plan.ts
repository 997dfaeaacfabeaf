/** What a registry write will do: the tags to create and the stages they change (made by plans.ts, checked by plan-check.ts, carried out by tag-writer.ts). */
import type { TagPayload } from './tag-message.js';
import type { TagEventKind } from './tag-name.js';
import type { Holding } from './weights.js';

export interface TagDraft {
  kind: Exclude<TagEventKind, 'register'>;
  stage?: string;
  version?: string;
  /** The commit the tag points at. */
  target: string;
  summary: string;
  payload: TagPayload;
}

export interface StageTransition {
  stage: string;
  before: Holding[];
  after: Holding[];
}

export interface WritePlan {
  artifact: string;
  /** Tags to create, in order; stage tags get consecutive counters. Empty when nothing would change. */
  drafts: TagDraft[];
  transitions: StageTransition[];
  /** Gates overridden with --force. */
  forced: string[];
  warnings: string[];
  /** The tags must be dated at or after this (Unix seconds; 0: any date), so GTO orders them as mv does. */
  notBefore: number;
}
