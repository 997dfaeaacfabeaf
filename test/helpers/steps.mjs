/**
 * Preloaded into mvr by the kill and interrupt tests (`NODE_OPTIONS=--import=…/steps.mjs`). It names the
 * steps a command takes — each git command it starts, each file it renames into place, each file it
 * removes, in any of its threads — so that a test can kill or interrupt it exactly there instead of after a
 * guessed delay:
 *
 *   MV_STEP_LOG=<file>      appends one line per step as it is reached ("git commit-tree", "rename models/x.mv.yaml");
 *   MV_KILL_AT=<step>[#k]   sends SIGKILL to the process just before that step (its k-th occurrence in a
 *                           thread, default the first), as a crash at that moment would; the step is logged
 *                           as "kill <step>";
 *   MV_STOP_AT=<step>[#k]   stops the process there with SIGSTOP (logged as "stop <step>"), for the test to
 *                           send a signal and SIGCONT.
 *
 * Only the first thread to reach its step acts: it leaves a marker file beside the log (without a log, in
 * the temp folder, named after the process).
 *
 * A step ending in `*` matches every step that starts with what comes before it.
 * Paths are shown relative to the directory mvr was started in, with this process's id and what follows
 * it in a temp name written as `*` (`.git/mv/edits-*.json`), so that the steps of two runs compare equal.
 */
import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const log = process.env.MV_STEP_LOG;

/** A step to act at: which steps it matches, and at which of them (counted in this thread). */
function target(spec, signal) {
  if (!spec) return undefined;
  const [, step, k] = /^(.*?)(?:#(\d+))?$/.exec(spec);
  const matches = step.endsWith('*') ? (label) => label.startsWith(step.slice(0, -1)) : (label) => label === step;
  return { matches, occurrence: Number(k ?? 1), signal, seen: 0 };
}
const targets = [target(process.env.MV_KILL_AT, 'SIGKILL'), target(process.env.MV_STOP_AT, 'SIGSTOP')].filter(Boolean);
const base = process.cwd();

const ownTemp = new RegExp(`(?<=[-/.])${process.pid}-[-0-9a-f]*`, 'g');

function shown(path) {
  const text = String(path);
  const rel = relative(base, text);
  return (rel.startsWith('..') ? text : rel).replace(ownTemp, '*');
}

/** Whether this thread is the first of the process to get here: several threads may reach their own k-th step. */
function first() {
  try {
    fs.closeSync(fs.openSync(log ? `${log}.reached` : join(tmpdir(), `mv-steps-${process.pid}.reached`), 'wx'));
    return true;
  } catch {
    return false;
  }
}

function step(label) {
  for (const t of targets) {
    if (!t.matches(label) || ++t.seen !== t.occurrence || !first()) continue;
    if (log) fs.appendFileSync(log, `${t.signal === 'SIGKILL' ? 'kill' : 'stop'} ${label}\n`);
    process.kill(process.pid, t.signal);
  }
  if (log) fs.appendFileSync(log, `${label}\n`);
}

/** The git subcommand: the first argument that is not an option (or the value of -c/-C). */
function gitCommand(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '-C') i++;
    else if (!String(args[i]).startsWith('-')) return args[i];
  }
  return '';
}

if (log || targets.length) {
  const spawn = childProcess.spawn;
  childProcess.spawn = function (command, args, ...rest) {
    step(`${command === 'git' ? `git ${gitCommand(Array.isArray(args) ? args : [])}` : `spawn ${command}`}`);
    return spawn.call(this, command, args, ...rest);
  };
  for (const [name, label] of [['rename', 'rename'], ['rm', 'rm'], ['unlink', 'rm']]) {
    const original = fs.promises[name];
    fs.promises[name] = function (path, ...rest) {
      step(`${label} ${shown(name === 'rename' ? rest[0] : path)}`);
      return original.call(this, path, ...rest);
    };
    const sync = fs[`${name}Sync`];
    fs[`${name}Sync`] = function (path, ...rest) {
      step(`${label} ${shown(name === 'rename' ? rest[0] : path)}`);
      return sync.call(this, path, ...rest);
    };
  }
  syncBuiltinESMExports();
}
