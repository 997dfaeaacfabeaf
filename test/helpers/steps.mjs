/**
 * Preloaded into mvr by the kill tests (`NODE_OPTIONS=--import=…/steps.mjs`). It names the steps a command
 * takes — each git command it starts, each file it renames into place, each file it removes, in any of its
 * threads — so that a test can kill it exactly there instead of after a guessed delay:
 *
 *   MV_STEP_LOG=<file>      appends one line per step as it is reached ("git commit-tree", "rename models/x.mv.yaml");
 *   MV_KILL_AT=<step>[#k]   sends SIGKILL to the process just before that step (its k-th occurrence in a
 *                           thread, default the first), as a crash at that moment would; the step is logged
 *                           as "kill <step>".
 *
 * Paths are shown relative to the directory mvr was started in, with this process's id and what follows
 * it in a temp name written as `*` (`.git/mv/edits-*.json`), so that the steps of two runs compare equal.
 */
import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { relative } from 'node:path';

const log = process.env.MV_STEP_LOG;
const [killAt, occurrence] = (() => {
  const spec = process.env.MV_KILL_AT ?? '';
  const match = /^(.*)#(\d+)$/.exec(spec);
  return match ? [match[1], Number(match[2])] : [spec, 1];
})();
const base = process.cwd();
const seen = new Map();

const ownTemp = new RegExp(`(?<=[-/.])${process.pid}-[-0-9a-f]*`, 'g');

function shown(path) {
  const text = String(path);
  const rel = relative(base, text);
  return (rel.startsWith('..') ? text : rel).replace(ownTemp, '*');
}

function step(label) {
  const times = (seen.get(label) ?? 0) + 1;
  seen.set(label, times);
  if (label === killAt && times === occurrence) {
    if (log) fs.appendFileSync(log, `kill ${label}\n`);
    process.kill(process.pid, 'SIGKILL');
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

if (log || killAt) {
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
