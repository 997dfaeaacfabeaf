/**
 * The shell scripts `mvr hooks install` writes. Each runs mvr's part, then the hook that was there before
 * (kept beside it as `<hook>.pre-mv`), feeding both the same arguments and standard input. A script finds
 * mvr at the path it was installed from, else an `mvr` in one of PATH's absolute folders, else in a
 * project-local install: `node_modules/.bin/mvr` as npm links it, to the `bin/mvr` of the
 * `node_modules/mv-registry` package, with nothing under `node_modules/` (and not the program itself)
 * tracked by git. A clone never chooses the program its hooks run: a file the repository holds, or one
 * a relative PATH entry finds in it, is never started, not even to ask its version. A candidate must
 * answer `--version` with a version number before it is run.
 *
 * Scripts written before the program was named mvr (no format line) looked for an `mv` on PATH that
 * answers `--version` with a version number, which the system mv never does: they find nothing and stop
 * the commit or push with a message. `isLegacyHook` recognises them so that they can be rewritten.
 * Format 2 scripts ran any `node_modules/.bin/mvr` in the work tree, one a clone holds included:
 * `outdatedHook` finds them, to be rewritten for the mvr they were installed from (`installedPath`).
 */
export const HOOK_MARKER = '# mv-hook:';
export const FORMAT_MARKER = '# mv-hook-format:';
export const HOOK_FORMAT = 3;
export const CHAINED_SUFFIX = '.pre-mv';
export const HOOK_NAMES = ['pre-commit', 'pre-push', 'post-checkout', 'post-merge'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** What a hook run reports back to the hook script. */
export interface HookOutcome {
  hook: HookName;
  /** Exit code for the hook script: non-zero stops a pre-commit/pre-push. */
  exitCode: number;
  messages: string[];
}

/** Hooks whose failure must stop the git operation; the others only report. */
const BLOCKING: ReadonlySet<HookName> = new Set(['pre-commit', 'pre-push']);

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One of mv's hook scripts (any format). */
export function isMvHook(content: string | undefined): boolean {
  return content !== undefined && content.split('\n', 3).some((line) => line.startsWith(HOOK_MARKER));
}

/** One of mv's hook scripts written before the format line existed: it looks for `mv`, not `mvr`. */
export function isLegacyHook(content: string | undefined): boolean {
  return isMvHook(content) && !content!.split('\n', 4).some((line) => line.startsWith(FORMAT_MARKER));
}

/**
 * One of mvr's hook scripts of an earlier format than this one writes, with the mvr it was installed from;
 * undefined for any other hook (a legacy one included, which calls no installed path).
 */
export function outdatedHook(content: string | undefined): { installed: string } | undefined {
  if (!isMvHook(content) || isLegacyHook(content)) return undefined;
  const format = Number(content!.split('\n', 4).find((line) => line.startsWith(FORMAT_MARKER))!.slice(FORMAT_MARKER.length));
  const installed = installedPath(content!);
  return format < HOOK_FORMAT && installed !== undefined ? { installed } : undefined;
}

/** The mvr path a script of format 2 or later was installed with (the `installed=` line, as `quote` wrote it). */
function installedPath(content: string): string | undefined {
  const match = /^installed='((?:[^']|'\\'')*)'$/m.exec(content);
  return match ? match[1]!.replace(/'\\''/g, "'") : undefined;
}

export function hookScript(hook: HookName, mvrBin: string): string {
  const blocking = BLOCKING.has(hook);
  const skip =
    hook === 'pre-push'
      ? 'if [ "${MV_SKIP_PUSH:-0}" = 1 ]; then run_mvr=0; fi\n'
      : hook === 'pre-commit'
        ? // Nothing to check unless pointer files are staged: git alone answers that, no need to start mvr.
          'if [ -z "$(git diff --cached --name-only --diff-filter=ACMR -- \'*.mv.yaml\')" ]; then run_mvr=0; fi\n'
        : '';
  // Only pre-push gets input from git (the ref lines); it is saved so both hooks can read it.
  const stdin =
    hook === 'pre-push'
      ? 'input=$(mktemp "${TMPDIR:-/tmp}/mv-hook.XXXXXX") || exit 1\ntrap \'rm -f "$input"\' EXIT\ncat > "$input"\n'
      : 'input=/dev/null\n';
  return `#!/bin/sh
${HOOK_MARKER} ${hook}
${FORMAT_MARKER} ${HOOK_FORMAT}
# Installed by \`mvr hooks install\`; \`mvr hooks uninstall\` removes it and restores the previous hook.
hook_dir=$(dirname "$0")
chained="$hook_dir/${hook}${CHAINED_SUFFIX}"
installed=${quote(mvrBin)}
mvr_bin=$installed
is_mvr() { [ -x "$1" ] && "$1" --version 2>/dev/null | head -n 1 | grep -Eq '^[0-9]+\\.[0-9]+\\.[0-9]+'; }
untracked() { listed=$(git ls-files -- "$@" 2>/dev/null) && [ -z "$listed" ]; }
local_mvr() {
  [ -L node_modules/.bin/mvr ] && untracked node_modules || return 1
  target=$(readlink -f node_modules/.bin/mvr) && [ "$target" = "$(readlink -f node_modules/mv-registry/bin/mvr)" ] || return 1
  case $target in */bin/mvr) ;; *) return 1 ;; esac
  case $target in "$(pwd -P)"/*) untracked "$target" || return 1 ;; esac
  is_mvr "$target" && mvr_bin=$target
}
if [ ! -x "$mvr_bin" ]; then
  mvr_bin=""
  old_ifs=$IFS; IFS=:
  for dir in $PATH; do
    case $dir in /*) if is_mvr "$dir/mvr"; then mvr_bin="$dir/mvr"; break; fi ;; esac
  done
  IFS=$old_ifs
  if [ -z "$mvr_bin" ]; then local_mvr; fi
fi
${stdin}run_mvr=1
${skip}status=0
if [ "$run_mvr" = 1 ]; then
  if [ -z "$mvr_bin" ]; then
    echo "mvr: this repository has mvr's ${hook} hook, but mvr was not found (looked at $installed, PATH and node_modules/.bin)." >&2
    echo "mvr: install it (npm install -g mv-registry), or remove the hook with \\\`mvr hooks uninstall\\\`." >&2
    ${blocking ? 'exit 2' : 'status=0'}
  else
    "$mvr_bin" hooks run ${hook} "$@" < "$input"
    status=$?
    ${blocking ? 'if [ $status -ne 0 ]; then exit $status; fi' : 'status=0'}
  fi
fi
if [ -x "$chained" ]; then
  "$chained" "$@" < "$input"
  exit $?
fi
exit $status
`;
}
