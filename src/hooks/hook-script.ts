/**
 * The shell scripts `mv hooks install` writes. Each runs mv's part, then the hook that was there before
 * (kept beside it as `<hook>.pre-mv`), feeding both the same arguments and standard input. A script finds
 * mv at the path it was installed from, else an `mv` on PATH that is this tool (never coreutils' mv, which
 * would treat the arguments as files to move).
 */
export const HOOK_MARKER = '# mv-hook:';
export const CHAINED_SUFFIX = '.pre-mv';
export const HOOK_NAMES = ['pre-commit', 'pre-push', 'post-checkout', 'post-merge'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Hooks whose failure must stop the git operation; the others only report. */
const BLOCKING: ReadonlySet<HookName> = new Set(['pre-commit', 'pre-push']);

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function hookScript(hook: HookName, mvBin: string): string {
  const blocking = BLOCKING.has(hook);
  const skip =
    hook === 'pre-push'
      ? 'if [ "${MV_SKIP_PUSH:-0}" = 1 ]; then run_mv=0; fi\n'
      : hook === 'pre-commit'
        ? // Nothing to check unless pointer files are staged: git alone answers that, no need to start mv.
          'if [ -z "$(git diff --cached --name-only --diff-filter=ACMR -- \'*.mv.yaml\')" ]; then run_mv=0; fi\n'
        : '';
  // Only pre-push gets input from git (the ref lines); it is saved so both hooks can read it.
  const stdin =
    hook === 'pre-push'
      ? 'input=$(mktemp "${TMPDIR:-/tmp}/mv-hook.XXXXXX") || exit 1\ntrap \'rm -f "$input"\' EXIT\ncat > "$input"\n'
      : 'input=/dev/null\n';
  return `#!/bin/sh
${HOOK_MARKER} ${hook}
# Installed by \`mv hooks install\`; \`mv hooks uninstall\` removes it and restores the previous hook.
hook_dir=$(dirname "$0")
chained="$hook_dir/${hook}${CHAINED_SUFFIX}"
mv_bin=${quote(mvBin)}
is_mv() { [ -x "$1" ] && "$1" --version 2>/dev/null | head -n 1 | grep -Eq '^[0-9]+\\.[0-9]+\\.[0-9]+'; }
if [ ! -x "$mv_bin" ]; then
  mv_bin=""
  old_ifs=$IFS; IFS=:
  for dir in $PATH; do
    if is_mv "$dir/mv"; then mv_bin="$dir/mv"; break; fi
  done
  IFS=$old_ifs
fi
${stdin}run_mv=1
${skip}status=0
if [ "$run_mv" = 1 ]; then
  if [ -z "$mv_bin" ]; then
    echo "mv: this repository has mv's ${hook} hook, but mv was not found (looked at ${mvBin.replace(/'/g, '')} and PATH)." >&2
    echo "mv: install mv, or remove the hook with \\\`mv hooks uninstall\\\`." >&2
    ${blocking ? 'exit 2' : 'status=0'}
  else
    "$mv_bin" hooks run ${hook} "$@" < "$input"
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
