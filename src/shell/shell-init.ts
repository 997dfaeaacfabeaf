/**
 * `mvr shell-init bash|zsh|fish`: the shell function `mv` that an rc file evaluates. It sends mvr's
 * commands to mvr and every other use of `mv` to the system mv, deciding in the shell itself so that a
 * plain `mv a b` never starts Node:
 *
 * - first argument an mvr command and not an existing path → mvr; an mvr command that is also an existing
 *   path → neither (exit 2): whether `mv hooks install` should run a command or rename a folder `hooks`
 *   cannot be told, and a wrong guess moves files, so the user says which (`mvr …` or `command mv …`);
 * - first argument an existing path, an option (`-f`, `--`, `--help`) or not a bare word → the system mv,
 *   arguments unchanged (`--help` alone also gets one line about the function);
 * - first argument a bare word that is not an existing path → mvr is asked (`shell-init --check WORD`)
 *   whether it is a near miss of a command; if it is, nothing reaches the system mv (exit 2).
 *
 * bash and zsh: an alias `mv` made of mv and options (`alias mv='mv -i'`) is folded into the function, so
 * those options still apply to the system mv and `mv add` still reaches mvr.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface ShellInitOptions {
  /** Absolute path of the mvr executable the function calls. */
  bin: string;
  /** The commands `mv <command>` sends to mvr. */
  commands: readonly string[];
}

export function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

const COMMAND_WORD = /^[a-z][a-z0-9-]*$/;

export function shellInit(shell: Shell, options: ShellInitOptions): string {
  for (const command of options.commands) {
    // Command names are spliced into case patterns unquoted.
    if (!COMMAND_WORD.test(command)) throw new Error(`not a command word: ${JSON.stringify(command)}`);
  }
  return shell === 'fish' ? fishScript(options) : posixScript(shell, options);
}

/** What the function says when the first word is both a command and a file here. */
const AMBIGUOUS = "mv: '%s' is both an mvr command and a file or folder here; run `mvr %s …` for the command, or `command mv %s …` to move it.\n";

const HELP_NOTE = 'mv is also the shell function from `mvr shell-init`: `mv <command>` runs `mvr <command>` (see `mvr --help`); any other use is the system mv above.';

/** A single-quoted word for bash and zsh. */
function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A single-quoted word for fish (which also escapes backslashes inside quotes). */
function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function posixScript(shell: 'bash' | 'zsh', { bin, commands }: ShellInitOptions): string {
  const mvr = shQuote(bin);
  const aliasValue = shell === 'bash' ? '${BASH_ALIASES[mv]-}' : '${aliases[mv]-}';
  const splitAlias = shell === 'bash' ? `read -r -a __mvr_words <<< "${aliasValue}"` : '__mvr_words=(${(z)aliases[mv]})';
  const rc = shell === 'bash' ? '~/.bashrc' : '~/.zshrc';
  return `# mvr shell integration for ${shell}: \`mv <command>\` runs mvr, every other \`mv\` is the system mv.
# Load it at the end of ${rc}:  eval "$(mvr shell-init ${shell})"
# Evaluated again (a re-read rc file), it keeps the options folded the first time.
__mvr_mv_options=(\${__mvr_mv_options[@]+"\${__mvr_mv_options[@]}"})
if [ -n "${aliasValue}" ]; then
  # An alias of mv with options (alias mv='mv -i'): keep the options for the system mv, drop the alias.
  ${splitAlias}
  __mvr_fold=0
  __mvr_options=()
  for __mvr_word in "\${__mvr_words[@]}"; do
    case "$__mvr_fold:$__mvr_word" in
      0:command|0:\\command|0:nocorrect) ;;
      0:mv|0:\\mv) __mvr_fold=1 ;;
      1:-?*) __mvr_options+=("$__mvr_word") ;;
      *) __mvr_fold=2 ;;
    esac
  done
  if [ "$__mvr_fold" = 1 ]; then
    __mvr_mv_options=("\${__mvr_options[@]}")
    \\builtin unalias mv
  fi
  \\builtin unset __mvr_fold __mvr_word __mvr_words __mvr_options
fi
function mv {
  case "\${1-}" in
    ${commands.join('|')})
      if [ -e "$1" ] || [ -L "$1" ]; then
        \\builtin printf ${shQuote(AMBIGUOUS)} "$1" "$1" "$1" >&2
        \\builtin return 2
      else
        ${mvr} "$@"
      fi
      ;;
    --help)
      \\command mv "\${__mvr_mv_options[@]}" "$@" || \\builtin return
      if [ "$#" -eq 1 ]; then \\builtin printf '\\n%s\\n' ${shQuote(HELP_NOTE)}; fi
      ;;
    ''|-*|*[!A-Za-z0-9_-]*)
      \\command mv "\${__mvr_mv_options[@]}" "$@"
      ;;
    *)
      if [ ! -e "$1" ] && [ ! -L "$1" ] && [ -x ${mvr} ]; then
        ${mvr} shell-init --check "$1" || \\builtin return
      fi
      \\command mv "\${__mvr_mv_options[@]}" "$@"
      ;;
  esac
}
`;
}

function fishScript({ bin, commands }: ShellInitOptions): string {
  const mvr = fishQuote(bin);
  return `# mvr shell integration for fish: \`mv <command>\` runs mvr, every other \`mv\` is the system mv.
# Load it at the end of ~/.config/fish/config.fish:  mvr shell-init fish | source
function mv --description 'mvr commands via mvr; anything else is the system mv'
    set -l first $argv[1]
    switch "$first"
        case ${commands.join(' ')}
            if test -e "$first"; or test -L "$first"
                printf ${fishQuote(AMBIGUOUS)} "$first" "$first" "$first" >&2
                return 2
            else
                ${mvr} $argv
            end
        case --help
            command mv $argv; or return
            if test (count $argv) -eq 1
                printf '\\n%s\\n' ${fishQuote(HELP_NOTE)}
            end
        case '' '-*'
            command mv $argv
        case '*'
            if string match -qr -- '^[A-Za-z0-9_-]+$' "$first"; and not test -e "$first"; and not test -L "$first"; and test -x ${mvr}
                ${mvr} shell-init --check "$first"; or return
            end
            command mv $argv
    end
end
`;
}
