/**
 * What `mvr shell-init` says when it is not given a shell it supports. The `mv` function exists for bash,
 * zsh and fish only: a user of another shell is told to type mvr by its own name, never handed a line for
 * a shell they do not run.
 */
import { UsageError } from '../errors.js';
import { isShell, SHELLS, type Shell } from './shell-init.js';

const RC_LINE: Record<Shell, string> = {
  bash: 'at the end of ~/.bashrc: eval "$(mvr shell-init bash)"',
  zsh: 'at the end of ~/.zshrc: eval "$(mvr shell-init zsh)"',
  fish: 'at the end of ~/.config/fish/config.fish: mvr shell-init fish | source',
};

/** The usage error for `mvr shell-init [shell]` with no shell or an unsupported one; `loginShell` is $SHELL. */
export function shellInitUsage(shell: string | undefined, loginShell: string | undefined): UsageError {
  const login = (loginShell ?? '').split('/').pop()!;
  const message = shell === undefined ? `Name your shell: mvr shell-init ${SHELLS.join('|')}.` : `${JSON.stringify(shell)} is not a shell mvr supports (${SHELLS.join(', ')}).`;
  if (shell === undefined && isShell(login)) return new UsageError(message, `For ${login}, add this line ${RC_LINE[login]}`);
  const other = shell ?? (login || 'another shell');
  return new UsageError(
    message,
    `The \`mv\` shell function exists for bash, zsh and fish only. In ${other}, type mvr by its own name instead (\`mvr add …\`, \`mvr promote …\`): every command works the same, and \`mv\` stays the system mv.`,
  );
}
