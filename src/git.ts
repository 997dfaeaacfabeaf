/**
 * All git access goes through this module: small named functions over one repository. Ref and tag names are
 * always passed as full `refs/…` names after `--`, and writes that must not clobber (tags, HEAD) use
 * `update-ref` with the expected old value, so a concurrent writer makes us fail instead of overwrite.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { GitCommandError, MvError } from './errors.js';

export const ZERO_OID = '0000000000000000000000000000000000000000';

export interface RepoLocation {
  /** Absolute path of the work tree's top level. */
  root: string;
  /** Absolute path of the git directory. */
  gitDir: string;
  /** Absolute path of the folder git runs hooks from (`core.hooksPath` or `<git dir>/hooks`). */
  hooksDir: string;
}

export { GitCommandError };

/** At most this many git processes at once per process (status and add fan out). */
const limitGit = pLimit(4);

interface GitOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs git with the user's environment as git itself would see it (GIT_SSH_COMMAND, askpass, config
 * variables set by CI), plus GIT_TERMINAL_PROMPT=0 so a hook or CI job fails instead of hanging when a
 * remote wants credentials, and in the C locale (`gitEnvironment`). Spawned directly (no wrapper
 * library) because `mv resolve` must start in a few milliseconds. Resolves whatever the exit code;
 * `runGit` turns failures into errors.
 */
function spawnGit(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<GitOutput> {
  return limitGit(
    () =>
      new Promise<GitOutput>((resolve, reject) => {
        const child = spawn('git', args, {
          cwd,
          env: gitEnvironment(options.env),
          stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
        child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
        child.on('error', (error) => reject(new GitCommandError(args, error.message)));
        child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
        if (options.input !== undefined) child.stdin?.end(options.input);
      }),
  );
}

/**
 * The user's environment, with git's messages in English (`LC_ALL=C`, no `LANGUAGE`): mv recognises some
 * of them (not a repository, no space left) and must do so in every locale.
 */
function gitEnvironment(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
  delete env.LANGUAGE;
  return env;
}

/** Runs git and returns stdout as bytes; any non-zero exit is a failure, even when git printed nothing. */
async function runGitBytes(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Buffer> {
  const result = await spawnGit(cwd, args, options);
  if (result.code === 0) return result.stdout;
  const stderr = result.stderr.trim();
  if (/No space left on device|Disk quota exceeded|Out of diskspace/i.test(stderr)) {
    throw new MvError('DISK_FULL', `No space left on the device while git ran \`git ${args[0] ?? ''}\` in ${cwd}.`, {
      hint: 'Free some space and run the command again; nothing was left half-written.',
      cause: new GitCommandError(args, stderr),
    });
  }
  throw new GitCommandError(args, stderr || (result.signal ? `killed by ${result.signal}` : `exited with code ${result.code}`));
}

async function runGit(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  return (await runGitBytes(cwd, args, options)).toString('utf8');
}

/** A temporary index being filled with a commit's tree (`Git.prepareIndex`). */
export interface PreparedIndex {
  parent: string | undefined;
  dir: Promise<string>;
  /** The folder holding the index, once the tree is read into it. */
  ready: Promise<string>;
}

/** One answer of `git cat-file --batch`. */
export interface BatchObject {
  oid: string;
  /** `blob`, `tree`, `commit` or `tag`. */
  type: string;
  size: number;
  /** The object's bytes; undefined when it is larger than the reader would hold. */
  content?: Buffer;
}

/**
 * Objects read through one `git cat-file --batch`, in rounds (see `Git.readObjectRounds`). Git flushes
 * after each object, so a round's answers arrive before the next round is asked.
 */
function catFileRounds(cwd: string, next: (answers: Array<BatchObject | undefined>) => string[], maxSize: number): Promise<Array<BatchObject | undefined>> {
  const args = ['cat-file', '--batch'];
  return limitGit(
    () =>
      new Promise<Array<BatchObject | undefined>>((resolve, reject) => {
        const child = spawn('git', args, { cwd, env: gitEnvironment(undefined), stdio: ['pipe', 'pipe', 'pipe'] });
        const answers: Array<BatchObject | undefined> = [];
        const err: Buffer[] = [];
        let asked = 0;
        let finished = false;
        let failure: Error | undefined;
        let pending: Buffer = Buffer.alloc(0);
        let current: { object: BatchObject; remaining: number; kept: Buffer[] | undefined } | undefined;
        const ask = () => {
          let specs: string[];
          try {
            specs = next(answers);
            if (specs.some((spec) => spec === '' || /[\n\r]/.test(spec))) throw new Error('cat-file --batch specs cannot be empty or contain line breaks');
          } catch (error) {
            failure = error instanceof Error ? error : new Error('cat-file --batch: the next specs could not be made', { cause: error });
            specs = [];
          }
          if (specs.length === 0) {
            finished = true;
            child.stdin.end();
            return;
          }
          asked += specs.length;
          child.stdin.write(specs.map((spec) => `${spec}\n`).join(''));
        };
        const parse = () => {
          for (;;) {
            if (current) {
              const take = Math.min(current.remaining, pending.length);
              if (take === 0) return;
              current.kept?.push(pending.subarray(0, take));
              pending = pending.subarray(take);
              current.remaining -= take;
              if (current.remaining > 0) return;
              // The content is followed by a line feed.
              if (current.kept) current.object.content = Buffer.concat(current.kept).subarray(0, current.object.size);
              answers.push(current.object);
              current = undefined;
              continue;
            }
            const end = pending.indexOf(10);
            if (end < 0) return;
            const header = pending.toString('utf8', 0, end);
            pending = pending.subarray(end + 1);
            const match = /^([0-9a-f]+) ([a-z]+) (\d+)$/.exec(header);
            // "<spec> missing" or "<spec> ambiguous": no content follows.
            if (!match) answers.push(undefined);
            else {
              const size = Number(match[3]);
              current = { object: { oid: match[1]!, type: match[2]!, size }, remaining: size + 1, kept: size <= maxSize ? [] : undefined };
            }
          }
        };
        child.stdout.on('data', (chunk: Buffer) => {
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          parse();
          if (!finished && answers.length === asked) ask();
        });
        child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
        // A git that exits early closes its stdin; the exit code reports why.
        child.stdin.on('error', () => undefined);
        child.on('error', (error) => reject(new GitCommandError(args, error.message)));
        child.on('close', (code, signal) => {
          if (failure) return reject(failure);
          if (code !== 0) return reject(new GitCommandError(args, Buffer.concat(err).toString('utf8').trim() || (signal ? `killed by ${signal}` : `exited with code ${code}`)));
          if (answers.length < asked) return reject(new Error(`git cat-file --batch ended early (${answers.length} of ${asked} answered)`));
          resolve(answers);
        });
        ask();
      }),
  );
}

/** What one `Git.boundedRefRecords` read may hold, in characters of git's decoded output (a byte or fewer each). */
export interface RefRecordLimits {
  perRecord: number;
  /** Another `perRecord` for some refs, by their first value (the ref's name, when that comes first). */
  perRecordFor?: (first: string) => number;
  total: number;
  /** The failure once the refs' values together pass `total`. */
  overTotal: () => Error;
}

export interface RefRecord {
  values: string[];
  /** The ref's values passed `perRecord`: the one that did and those after it are empty. */
  cut: boolean;
}

/**
 * Runs `git for-each-ref` whose format ends every value with a NUL (git puts a line feed between refs)
 * and parses its output as it arrives, within `limits`.
 */
function readRefRecords(cwd: string, args: string[], fieldCount: number, limits: RefRecordLimits): Promise<RefRecord[]> {
  return new Promise<RefRecord[]>((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: gitEnvironment(undefined), stdio: ['ignore', 'pipe', 'pipe'] });
    const records: RefRecord[] = [];
    const err: Buffer[] = [];
    // Decoded as it arrives (a character split between chunks is held back by the decoder) and cut at
    // NULs as text: one decode per chunk, no buffer per value.
    const decoder = new StringDecoder('utf8');
    let values: string[] = [];
    /** The values of the current ref ended so far (each ends at a NUL), kept or not. */
    let ended = 0;
    /** The current value's text from earlier chunks. */
    let partial = '';
    let recordLength = 0;
    let recordLimit = limits.perRecord;
    let total = 0;
    let cut = false;
    let betweenRecords = false;
    let failure: Error | undefined;
    /** Counts a piece of the current value; false once the ref is cut (its values from there are let go). */
    const take = (piece: string): boolean => {
      if (cut) return false;
      recordLength += piece.length;
      if (recordLength > recordLimit) {
        cut = true;
        total -= partial.length;
        partial = '';
        return false;
      }
      total += piece.length;
      if (total > limits.total) {
        failure = limits.overTotal();
        child.kill('SIGTERM');
        return false;
      }
      return true;
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      let at = 0;
      while (at < text.length && !failure) {
        // Each record after the first starts with the line feed for-each-ref puts between records.
        if (betweenRecords) {
          betweenRecords = false;
          if (text.charCodeAt(at) === 10) at++;
          continue;
        }
        const nul = text.indexOf('\0', at);
        const piece = nul < 0 ? text.slice(at) : text.slice(at, nul);
        const kept = take(piece);
        if (nul < 0) {
          if (kept) partial += piece;
          break;
        }
        if (kept) values.push(partial + piece);
        if (ended === 0 && kept && limits.perRecordFor) recordLimit = limits.perRecordFor(values[0]!);
        partial = '';
        at = nul + 1;
        if (++ended === fieldCount) {
          while (values.length < fieldCount) values.push('');
          records.push({ values, cut });
          values = [];
          ended = 0;
          recordLength = 0;
          recordLimit = limits.perRecord;
          cut = false;
          betweenRecords = true;
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new GitCommandError(args, error.message)));
    child.on('close', (code, signal) => {
      if (failure) return reject(failure);
      if (code !== 0) return reject(new GitCommandError(args, Buffer.concat(err).toString('utf8').trim() || (signal ? `killed by ${signal}` : `exited with code ${code}`)));
      resolve(records);
    });
  });
}

/** A lookup started by `locateRepoAhead`, handed to the next `locateRepo` of the same folder. */
let lookedUp: { cwd: string; location: Promise<RepoLocation> } | undefined;

/**
 * Starts `locateRepo(cwd)` and hands its answer to the next `locateRepo` of the same folder, once: the CLI
 * reads the hooks folder before the command runs, and the command opens the repository without asking
 * git a second time.
 */
export function locateRepoAhead(cwd: string): Promise<RepoLocation> {
  const location = findRepo(cwd);
  lookedUp = { cwd, location };
  return location;
}

/** Finds the work tree containing `cwd`. Fails with a user error outside a git repository. */
export function locateRepo(cwd: string): Promise<RepoLocation> {
  if (lookedUp?.cwd === cwd) {
    const { location } = lookedUp;
    lookedUp = undefined;
    return location;
  }
  return findRepo(cwd);
}

async function findRepo(cwd: string): Promise<RepoLocation> {
  let out: string;
  try {
    out = await runGit(cwd, ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-path', 'hooks']);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not a git repository/i.test(message)) {
      throw new MvError('NOT_A_GIT_REPO', `${cwd} is not inside a git repository.`, {
        hint: 'Run `git init` (and make a first commit) or change to your project directory, then run `mvr init`.',
      });
    }
    if (/must be run in a work tree/i.test(message)) {
      throw new MvError('NO_WORK_TREE', `${cwd} is inside a git directory without a work tree (a bare repository?).`, {
        hint: 'Run mv in a clone with a work tree; to read a bare repository use `mvr get <ref> --repo <path>`.',
      });
    }
    throw error;
  }
  const [root, gitDir, hooks] = out.split('\n');
  if (!root || !gitDir || !hooks) throw new Error(`unexpected rev-parse output: ${JSON.stringify(out)}`);
  // --git-path answers relative to the folder git ran in.
  return { root, gitDir, hooksDir: resolve(cwd, hooks) };
}

function noIdentity(cause: unknown): MvError {
  return new MvError('NO_GIT_IDENTITY', 'git does not know who you are, so no commit or tag can be recorded.', {
    hint: 'Set your name and email once with `git config --global user.name "Your Name"` and `git config --global user.email you@example.com` (without --global for this repository only), then run the command again.',
    cause,
  });
}

/** Git operations on one repository. */
export class Git {
  readonly cwd: string;

  constructor(cwd: string) {
    this.cwd = cwd;
  }

  /** Runs git and returns stdout; failures become `GitCommandError` carrying git's own message. */
  private run(args: string[], env?: Record<string, string>): Promise<string> {
    return runGit(this.cwd, args, env ? { env } : {});
  }

  /** Like `run`, with `input` fed on stdin (for plumbing such as `mktag`). */
  private runWithInput(args: string[], input: string, env?: Record<string, string>): Promise<string> {
    return runGit(this.cwd, args, { input, ...(env ? { env } : {}) });
  }

  /**
   * The refs matching `patterns` (full `refs/…` prefixes or globs), each as the values of `fields`
   * (for-each-ref format atoms such as `%(refname)`), in for-each-ref's order.
   */
  async refRecords(fields: readonly string[], patterns: string[]): Promise<string[][]> {
    return (await this.boundedRefRecords(fields, patterns, { perRecord: Infinity, total: Infinity, overTotal: () => new Error('unreachable') })).map((r) => r.values);
  }

  /**
   * Like `refRecords`, holding at most `limits.perRecord` bytes of any one ref's values (a value over it,
   * and the values after it, are left empty and the record is `cut`: they are skipped as git writes them,
   * never held) and at most `limits.total` bytes in all: past that git is stopped and the read fails with
   * `limits.overTotal()`.
   */
  boundedRefRecords(fields: readonly string[], patterns: string[], limits: RefRecordLimits): Promise<RefRecord[]> {
    const args = ['for-each-ref', `--format=${fields.join('%00')}%00`, '--', ...patterns.map(refPattern)];
    return limitGit(() => readRefRecords(this.cwd, args, fields.length, limits));
  }

  /**
   * The commits reachable from `tips` and from none of `known` (commit ids) that add or modify a file
   * matching the glob `pathGlob`, newest first, each with those files.
   */
  async commitsAddingFiles(options: { tips: string[]; known: string[]; pathGlob: string }): Promise<Array<{ commit: string; files: string[] }>> {
    const tips = options.tips.map(objectId);
    if (tips.length === 0) return [];
    const out = await this.run([
      'log',
      '--format=%x00%H',
      '--name-only',
      '--diff-filter=AM',
      '--end-of-options',
      ...tips.map((t) => `${t}^{commit}`),
      ...options.known.map((k) => `^${objectId(k)}`),
      '--',
      `:(top,glob)${options.pathGlob}`,
    ]);
    return out
      .split('\0')
      .filter((block) => block.trim())
      .map((block) => {
        const [commit, ...files] = block.trim().split('\n').filter(Boolean);
        return { commit: commit!, files };
      });
  }

  /** Paths of files staged as added, copied, modified or renamed in the index that match the glob `pathGlob`. */
  async stagedFiles(pathGlob: string): Promise<string[]> {
    const out = await this.run(['diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z', '--', `:(top,glob)${pathGlob}`]);
    return out.split('\0').filter(Boolean);
  }

  /** The staged (index) content of the repository-relative `path`, or undefined when the index has none. */
  async stagedFile(path: string): Promise<string | undefined> {
    const [content] = await this.readBlobs([`:${path}`]);
    return content;
  }

  /** The absolute path of the folder git runs hooks from (`core.hooksPath` or `$GIT_DIR/hooks`). */
  async hooksFolder(): Promise<string> {
    const dir = (await this.run(['rev-parse', '--git-path', 'hooks'])).trim();
    return isAbsolute(dir) ? dir : resolve(this.cwd, dir);
  }

  /** `git verify-tag --raw` on `refs/tags/<name>`: whether git accepted the signature, and everything it said. */
  async verifyTag(name: string): Promise<{ ok: boolean; output: string }> {
    const result = await spawnGit(this.cwd, ['verify-tag', '--raw', '--', fullRefName(`refs/tags/${name}`)]);
    return { ok: result.code === 0, output: `${result.stdout.toString('utf8')}\n${result.stderr}` };
  }

  /**
   * Blob ids of every file whose path ends with `suffix` in any commit reachable from any ref (branches,
   * remote-tracking branches, tags, the stash), from any reflog entry, or staged in the index.
   */
  async reachableBlobs(suffix: string): Promise<Map<string, string>> {
    const out = await this.run(['rev-list', '--objects', '--all', '--reflog', '--indexed-objects']);
    const blobs = new Map<string, string>();
    for (const line of out.split('\n')) {
      const space = line.indexOf(' ');
      if (space < 0) continue;
      const path = line.slice(space + 1);
      if (path.endsWith(suffix) && !blobs.has(line.slice(0, space))) blobs.set(line.slice(0, space), path);
    }
    return blobs;
  }

  /** Files in the work tree matching a glob that git does not track and does not ignore. */
  async untrackedFilesMatching(glob: string): Promise<string[]> {
    const out = await this.run(['ls-files', '-z', '--others', '--exclude-standard', '--full-name', '--', `:(top,glob)${glob}`]);
    return out.split('\0').filter(Boolean);
  }

  /** Those of the given repository-relative files that git does not track and ignores. */
  async ignoredFiles(paths: string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const out = await this.run(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--full-name', '--', ...paths.map(literalPathspec)]);
    return out.split('\0').filter(Boolean);
  }

  /** The commit HEAD points at, or undefined in a repository with no commits. */
  async headCommit(): Promise<string | undefined> {
    try {
      return (await this.run(['rev-parse', '-q', '--verify', 'HEAD^{commit}'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** The short name of the checked-out branch, or undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    try {
      return (await this.run(['symbolic-ref', '-q', '--short', 'HEAD'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Paths of tracked files with staged or unstaged changes (untracked files are not counted). */
  async changedTrackedFiles(): Promise<string[]> {
    return (await this.workTreeState()).changed;
  }

  /**
   * In one `git status`: the commit HEAD points at (undefined before the first commit), the checked-out
   * branch's short name (undefined when HEAD is detached) and the tracked files with staged or unstaged
   * changes.
   */
  async workTreeState(): Promise<{ head: string | undefined; branch: string | undefined; changed: string[] }> {
    // A query: it must not refresh (write) the index, which fails on a full disk or a read-only clone.
    const out = await this.run(['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '--no-ahead-behind', '-z', '--untracked-files=no', '--ignore-submodules=none']);
    let head: string | undefined;
    let branch: string | undefined;
    const changed: string[] = [];
    const records = out.split('\0');
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.startsWith('# branch.oid ')) {
        const oid = record.slice('# branch.oid '.length);
        if (oid !== '(initial)') head = oid;
      } else if (record.startsWith('# branch.head ')) {
        const name = record.slice('# branch.head '.length);
        if (name !== '(detached)') branch = name;
      } else if (record.startsWith('1 ')) changed.push(fieldsAfter(record, 8));
      else if (record.startsWith('u ')) changed.push(fieldsAfter(record, 10));
      else if (record.startsWith('2 ')) {
        changed.push(fieldsAfter(record, 9));
        // A rename or copy carries its source path as the next record.
        i++;
      }
    }
    return { head, branch, changed };
  }

  /** Tracked files at or under `paths` with no staged or unstaged change: git can restore them as they are. */
  async committedFiles(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const [tracked, changed] = await Promise.all([this.trackedFiles(paths), this.changedTrackedFiles()]);
    const dirty = new Set(changed);
    return new Set(tracked.filter((file) => !dirty.has(file)));
  }

  /** Tracked files at or under the given repository-relative paths. */
  async trackedFiles(paths: string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const out = await this.run(['ls-files', '-z', '--', ...paths.map(literalPathspec)]);
    return out.split('\0').filter(Boolean);
  }

  /**
   * Tracked files matching a glob pathspec, relative to the repository root; with `paths`, also those at or
   * under these repository-relative paths (one listing for both questions).
   */
  async trackedFilesMatching(glob: string, paths: string[] = []): Promise<string[]> {
    const out = await this.run(['ls-files', '-z', '--full-name', '--', `:(top,glob)${glob}`, ...paths.map(literalPathspec)]);
    return out.split('\0').filter(Boolean);
  }

  /** The bytes of `path` at `commit`, or undefined when the path does not exist there. */
  async showFile(commit: string, path: string): Promise<string | undefined> {
    try {
      return await this.run(['cat-file', 'blob', '--end-of-options', `${commit}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /**
   * The contents of many blobs in one `git cat-file --batch` call, in the order asked: each spec is
   * `<commit>:<path>`; undefined for one that does not exist (or is not a blob).
   */
  async readBlobs(specs: string[]): Promise<Array<string | undefined>> {
    if (specs.length === 0) return [];
    if (specs.some((spec) => /[\n\r]/.test(spec))) throw new Error('cat-file --batch specs cannot contain line breaks');
    const out = await runGitBytes(this.cwd, ['cat-file', '--batch'], { input: specs.map((spec) => `${spec}\n`).join('') });
    const blobs: Array<string | undefined> = [];
    let at = 0;
    for (let i = 0; i < specs.length; i++) {
      const end = out.indexOf(10, at);
      if (end < 0) throw new Error(`git cat-file --batch ended early (${i} of ${specs.length} answered)`);
      const header = out.toString('utf8', at, end);
      at = end + 1;
      const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!match) {
        // "<spec> missing" or "<spec> ambiguous": no content follows.
        blobs.push(undefined);
        continue;
      }
      const size = Number(match[2]);
      blobs.push(match[1] === 'blob' ? out.toString('utf8', at, at + size) : undefined);
      at += size + 1;
    }
    return blobs;
  }

  /**
   * Objects read in rounds through one `git cat-file --batch`, so that what is asked next can depend on
   * what came back: `next` is given every answer so far (undefined for a spec that names nothing) and
   * returns the specs (`<rev>`, `<rev>:<path>`) to ask next, or none to finish. An object larger than
   * `maxSize` bytes comes back without its content, which is passed over, never held.
   */
  readObjectRounds(next: (answers: Array<BatchObject | undefined>) => string[], maxSize: number): Promise<Array<BatchObject | undefined>> {
    return catFileRounds(this.cwd, next, maxSize);
  }

  /** The object id `ref` names, or undefined when it does not exist. */
  async resolveRef(ref: string): Promise<string | undefined> {
    try {
      return (await this.run(['rev-parse', '-q', '--verify', '--end-of-options', ref])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await spawnGit(this.cwd, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant]);
    return result.code === 0;
  }

  /** `git var GIT_COMMITTER_IDENT`: "Name <email> <epoch> <tz>", honouring GIT_COMMITTER_* variables. */
  async committerIdent(): Promise<string> {
    try {
      return (await this.run(['var', 'GIT_COMMITTER_IDENT'])).trim();
    } catch (error) {
      throw noIdentity(error);
    }
  }

  /**
   * After a commit failed: NO_GIT_IDENTITY when git lacks the author or the committer identity a commit
   * needs (asked of `git var`, not read from git's message), else `failure` itself.
   */
  private async identityOr(failure: unknown): Promise<unknown> {
    for (const ident of ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT']) {
      if ((await spawnGit(this.cwd, ['var', ident])).code !== 0) return noIdentity(failure);
    }
    return failure;
  }

  /**
   * Starts reading `parent`'s tree (the empty tree when undefined) into a temporary index, for a
   * `commitPaths` on top of `parent` that comes later: the read then overlaps the work before it. The
   * index is removed by the `commitPaths` that takes it, or by `discardIndex`.
   */
  prepareIndex(parent: string | undefined): PreparedIndex {
    const dir = mkdtemp(join(tmpdir(), 'mv-index-'));
    const ready = dir.then(async (folder) => {
      await this.run(parent ? ['read-tree', objectId(parent)] : ['read-tree', '--empty'], { GIT_INDEX_FILE: join(folder, 'index') });
      return folder;
    });
    ready.catch(() => undefined);
    return { parent, dir, ready };
  }

  /** Removes a prepared index that no commit took (waiting for its read to end first). */
  async discardIndex(index: PreparedIndex): Promise<void> {
    await index.ready.catch(() => undefined);
    const folder = await index.dir.catch(() => undefined);
    if (folder) await rm(folder, { recursive: true, force: true });
  }

  /**
   * Creates a commit on top of `parent` (a root commit when undefined) that changes only `paths` (taken
   * from the work tree), without touching the real index or HEAD. Returns the new commit id. `index`,
   * prepared for the same parent, is used (and removed) instead of reading the parent's tree now.
   */
  async commitPaths(options: { parent: string | undefined; paths: string[]; message: string; index?: PreparedIndex | undefined }): Promise<string> {
    const index = options.index !== undefined && options.index.parent === options.parent ? options.index : this.prepareIndex(options.parent);
    if (options.index && options.index !== index) await this.discardIndex(options.index);
    try {
      const dir = await index.ready;
      const env = { GIT_INDEX_FILE: join(dir, 'index') };
      await this.run(['update-index', '--add', '--remove', '--', ...options.paths], env);
      const tree = (await this.run(['write-tree'], env)).trim();
      const messageFile = join(dir, 'message');
      await writeFile(messageFile, options.message);
      const parents = options.parent ? ['-p', options.parent] : [];
      try {
        return (await this.run(['commit-tree', tree, ...parents, '-F', messageFile], env)).trim();
      } catch (error) {
        throw await this.identityOr(error);
      }
    } finally {
      await this.discardIndex(index);
    }
  }

  /**
   * Commits `paths` (from the work tree) on top of `head`, moves HEAD there (failing if it moved
   * meanwhile) and records the paths in the index. If the index cannot be written (a full disk), HEAD is
   * moved back: the commit takes effect whole or not at all. Returns the new commit id.
   */
  async commitToHead(options: { head: string | undefined; paths: string[]; message: string; reason: string }): Promise<string> {
    const commit = await this.commitPaths({ parent: options.head, paths: options.paths, message: options.message });
    await this.updateRef('HEAD', commit, options.head ?? '', options.reason);
    try {
      await this.stage(options.paths);
    } catch (error) {
      await this.updateRef('HEAD', options.head ?? ZERO_OID, commit, `${options.reason}: undone`).catch(() => undefined);
      throw error;
    }
    return commit;
  }

  /** Moves `ref` from `expectedOld` to `newValue`, failing if someone else moved it first. */
  async updateRef(ref: string, newValue: string, expectedOld: string, reason: string): Promise<void> {
    await this.run(['update-ref', '-m', reason, '--', ref, newValue, expectedOld]);
  }

  /** Deletes `ref` only if it still has `expectedOld`. */
  async deleteRef(ref: string, expectedOld: string): Promise<void> {
    await this.run(['update-ref', '-d', '--', ref, expectedOld]);
  }

  /** Records the work-tree content of `paths` in the real index. */
  async stage(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.run(['update-index', '--add', '--remove', '--', ...paths]);
  }

  /**
   * Creates the annotated tag `refs/tags/<name>` on `target`. Fails (and writes nothing visible) when the
   * tag already exists. Returns the tag object id.
   */
  async createAnnotatedTag(tag: { name: string; target: string; message: string }): Promise<string> {
    const [oid] = await this.createAnnotatedTags([tag]);
    return oid!;
  }

  /**
   * Creates several annotated tags in one ref transaction: all of them or none (none when any name is
   * taken). Returns the tag object ids in order. `date` (Unix seconds) replaces the tagger date; `tagger`
   * is the committer identity read earlier (`committerIdent`); `moveHead` moves HEAD from one commit to
   * another in the same transaction, which then fails whole if HEAD moved first.
   */
  async createAnnotatedTags(
    tags: Array<{ name: string; target: string; message: string }>,
    options: { date?: number; tagger?: string; moveHead?: { from: string; to: string; reason: string } } = {},
  ): Promise<string[]> {
    for (const tag of tags) fullRefName(`refs/tags/${tag.name}`);
    const ident = withDate(options.tagger ?? (await this.committerIdent()), options.date);
    const oids: string[] = [];
    for (const tag of tags) oids.push((await this.runWithInput(['mktag'], tagObjectText(tag, ident))).trim());
    let commands = tags.map((tag, i) => `create refs/tags/${tag.name} ${oids[i]!}\n`).join('');
    if (options.moveHead) commands += `update HEAD ${objectId(options.moveHead.to)} ${objectId(options.moveHead.from)}\n`;
    const reason = options.moveHead?.reason ?? `mv: tag ${tags.map((t) => t.name).join(' ')}`;
    try {
      await this.runWithInput(['update-ref', '-m', reason, '--stdin'], commands);
    } catch (error) {
      const taken = [];
      for (const tag of tags) if (await this.resolveRef(`refs/tags/${tag.name}`)) taken.push(tag.name);
      if (taken.length) {
        throw new MvError('TAG_EXISTS', `The tag ${taken.join(', ')} already exists.`, {
          hint: `Another process created it first; look at it with \`git show refs/tags/${taken[0]!}\`.`,
          cause: error,
        });
      }
      throw error;
    }
    return oids;
  }

  /**
   * Creates a signed annotated tag with the user's git signing setup (user.signingkey, gpg.format).
   * `git tag` refuses an existing name. Returns the tag object id. `date` (Unix seconds) replaces the
   * tagger date.
   */
  async createSignedTag(tag: { name: string; target: string; message: string }, options: { date?: number } = {}): Promise<string> {
    fullRefName(`refs/tags/${tag.name}`);
    const dir = await mkdtemp(join(tmpdir(), 'mv-tag-'));
    try {
      const file = join(dir, 'message');
      await writeFile(file, tag.message);
      try {
        await this.run(['tag', '-s', '-F', file, '--', tag.name, tag.target], options.date === undefined ? undefined : { GIT_COMMITTER_DATE: `@${options.date} +0000` });
      } catch (error) {
        if (error instanceof GitCommandError && /already exists/.test(error.message)) {
          throw new MvError('TAG_EXISTS', `The tag ${tag.name} already exists.`, { hint: `Look at it with \`git show refs/tags/${tag.name}\`.`, cause: error });
        }
        throw new MvError('SIGNING_FAILED', `git could not sign the tag ${tag.name}: ${error instanceof Error ? error.message.split('\n').slice(-3).join(' ') : String(error)}`, {
          hint: 'Check your signing setup: `git config user.signingkey` (and `gpg.format ssh` for SSH keys); `git tag -s test` should work.',
          cause: error,
        });
      }
      return (await this.run(['rev-parse', '--verify', '--end-of-options', `refs/tags/${tag.name}`])).trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The remote tags are pushed to: the current branch's remote, else `origin`, else the only remote. */
  async pushRemote(): Promise<string | undefined> {
    const branch = await this.currentBranch();
    if (branch) {
      const configured = (await this.run(['config', '--get', '--end-of-options', `branch.${branch}.remote`]).catch(() => '')).trim();
      if (configured && configured !== '.') return configured;
    }
    const remotes = (await this.run(['remote'])).split('\n').filter(Boolean);
    if (remotes.includes('origin')) return 'origin';
    return remotes.length === 1 ? remotes[0] : undefined;
  }

  /**
   * Pushes tags to `remote` atomically (all or none); never forces, so a name taken there is rejected.
   * Returns undefined on success, else git's reason.
   */
  async pushTags(remote: string, names: string[]): Promise<string | undefined> {
    const refspecs = names.map((name) => `refs/tags/${name}:refs/tags/${name}`);
    try {
      await this.run(['push', '--atomic', '--quiet', '--', remote, ...refspecs]);
      return undefined;
    } catch (error) {
      if (error instanceof GitCommandError) return error.message;
      throw error;
    }
  }

  /** Fetches the tags matching `patterns` (e.g. `refs/tags/churn#*`) from `remote`, never replacing a local tag. */
  async fetchTags(remote: string, patterns: string[]): Promise<void> {
    await this.run(['fetch', '--quiet', '--no-tags', '--', remote, ...patterns.map((p) => `${p}:${p}`)]);
  }

  /** Every file path in `commit`'s tree. */
  async filesInCommit(commit: string): Promise<string[]> {
    return (await this.run(['ls-tree', '-r', '-z', '--name-only', '--end-of-options', commit])).split('\0').filter(Boolean);
  }

  /** Makes this (empty, existing) folder a bare repository. */
  async initBare(): Promise<void> {
    await this.run(['init', '-q', '--bare', '.']);
  }

  /**
   * Fetches `refspecs` from `url` without file contents (`--filter=blob:none`): commits, trees and tags
   * only. The URL is recorded as a promisor remote, so a blob read later (`cat-file`) is fetched on demand.
   */
  async fetchWithoutBlobs(url: string, refspecs: string[]): Promise<void> {
    await this.run(['config', '--end-of-options', 'remote.origin.url', url]);
    await this.run(['config', 'remote.origin.promisor', 'true']);
    await this.run(['config', 'remote.origin.partialclonefilter', 'blob:none']);
    await this.run(['-c', 'fetch.writeCommitGraph=false', 'fetch', '-q', '--no-tags', '--filter=blob:none', '--', 'origin', ...refspecs]);
  }
}

/** What follows the first `count` space-separated fields of a status record: the path, which may hold spaces. */
function fieldsAfter(record: string, count: number): string {
  let at = 0;
  for (let n = 0; n < count; n++) at = record.indexOf(' ', at) + 1;
  return record.slice(at);
}

/** A pathspec that matches the path literally (no glob or magic interpretation). */
export function literalPathspec(path: string): string {
  return `:(top,literal)${path}`;
}

/**
 * The text of an annotated tag object (what `git mktag` reads): the tag points at a commit and its message
 * ends with a newline.
 */
function tagObjectText(tag: { name: string; target: string; message: string }, tagger: string): string {
  const body = tag.message.endsWith('\n') ? tag.message : `${tag.message}\n`;
  return `object ${objectId(tag.target)}\ntype commit\ntag ${tag.name}\ntagger ${tagger}\n\n${body}`;
}

/** `id` when it is a full object id (SHA-1 or SHA-256 hex); anything else is a bug in the caller. */
function objectId(id: string): string {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(id)) throw new Error(`not a git object id: ${JSON.stringify(id)}`);
  return id;
}

/**
 * `name` when it is a full ref name git accepts (`refs/…`; no `..`, `@{`, control characters, spaces or
 * `~^:?*[\\`), else a bug in the caller: names built from user input are validated before they get here.
 */
function fullRefName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it rejects
  if (!name.startsWith('refs/') || /\.\.|@\{|[\x00-\x20\x7f~^:?*[\\]/.test(name)) throw new Error(`not a full ref name: ${JSON.stringify(name)}`);
  return name;
}

/** A for-each-ref pattern (a `refs/…` prefix or glob); it follows `--`, so git never reads it as an option. */
function refPattern(pattern: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it rejects
  if (!pattern.startsWith('refs/') || /[\x00-\x1f\x7f]/.test(pattern)) throw new Error(`not a ref pattern: ${JSON.stringify(pattern)}`);
  return pattern;
}

/** A git ident ("Name <email> 1700000000 +0100") with its date replaced, when `date` is given. */
function withDate(ident: string, date: number | undefined): string {
  return date === undefined ? ident : ident.replace(/ \d+ ([+-]\d{4})$/, ` ${date} $1`);
}
