/**
 * The examples at the end of every command's `--help`, keyed by command path ('' is `mvr` itself). A test
 * parses each one against the command's own arguments and options, so they stay runnable as written.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  '': [
    'mvr add churn models/churn/ --data data/train --pipeline src/preprocess.py -m "weekly retrain"',
    'mvr promote churn@v0.1.0 production -m "first release"',
    'mvr get churn#production -o release',
    'eval "$(mvr shell-init bash)"          # in ~/.bashrc: `mv add …` runs mvr, `mv a b` is the system mv',
  ],
  init: ['mvr init', 'mvr init --remote s3://acme-models/registry', 'mvr init --cache-dir /mnt/shared/mv-cache'],
  add: [
    'mvr add churn models/churn/ --data data/train --pipeline src/preprocess.py --params params.yaml --metrics metrics.json -m "weekly retrain"',
    'mvr add churn                      # after the next training: the same files and lineage, read again',
    'mvr add churn --dry-run            # the version it would make, and why, writing nothing',
    'ID=$(mvr add churn models/churn/ --data data/train)   # stdout is the pinned id, e.g. churn@v0.2.0',
  ],
  status: ['mvr status', 'mvr status churn --json'],
  checkout: ['mvr checkout churn@v0.1.0', 'mvr checkout churn                 # back to the committed pointer\'s version', 'mvr checkout churn#production --force'],
  promote: [
    'mvr promote churn@v0.2.0 staging -m "offline eval passed"',
    'mvr promote churn@v0.2.0 production --traffic 10 -m "canary"',
    'mvr promote churn@v0.2.0 production --push',
  ],
  rollback: ['mvr rollback churn -m "canary errors"', 'mvr rollback churn staging --push'],
  archive: ['mvr archive churn@v0.1.0 -m "superseded"', 'mvr archive churn@v0.1.0 --push'],
  deprecate: ['mvr deprecate churn -m "replaced by churn-v2"', 'mvr deprecate churn@v0.1.1 -m "trained on the wrong split"'],
  ls: ['mvr ls', 'mvr ls --json'],
  show: ['mvr show churn', 'mvr show churn@v0.2.0', 'mvr show churn#production'],
  history: ['mvr history churn', 'mvr history churn --stage production'],
  diff: ['mvr diff churn@v0.1.0 churn@v0.2.0', 'mvr diff churn#production churn@latest --json'],
  resolve: ['mvr resolve churn#production', 'mvr resolve churn@v0.2.0 --json'],
  route: ['mvr route churn#production --key customer-4711', 'mvr route churn#staging --key session-42 --json'],
  audit: [
    'mvr audit churn --key customer-4711              # now',
    'mvr audit churn --at 2026-11-25T10:00Z',
    'mvr audit churn --at @1764064800 --stage production --key customer-4711',
  ],
  'check-ref': ["mvr check-ref 'churn#production#4'", 'mvr check-ref "$GITHUB_REF_NAME" --json'],
  remote: ['mvr remote add origin s3://acme-models/registry --default', 'mvr remote list'],
  'remote add': [
    'mvr remote add origin /mnt/nfs/ml-remote --default',
    'mvr remote add origin s3://acme-models/registry --default',
    'mvr remote add minio s3://models/registry --endpoint http://127.0.0.1:9000 --profile minio',
  ],
  'remote list': ['mvr remote list', 'mvr remote list --json'],
  'remote remove': ['mvr remote remove minio', 'mvr remote remove origin --json'],
  push: ['mvr push', 'mvr push churn@v0.2.0 -r origin', 'mvr push --all --dry-run', 'mvr push --all -j 32'],
  fetch: ['mvr fetch churn@v0.2.0', 'mvr fetch --lineage churn@v0.1.0'],
  pull: ['mvr pull churn@v0.2.0', 'mvr pull churn#production -r origin', 'mvr pull --lineage churn@v0.1.0'],
  get: ['mvr get churn#production -o /srv/models/churn', 'mvr get churn@v0.2.0 -o release --repo https://github.com/acme/ml.git -r s3://acme-models/registry'],
  hooks: ['mvr hooks install', 'mvr hooks uninstall'],
  'hooks install': ['mvr hooks install', 'mvr hooks install --json'],
  'hooks uninstall': ['mvr hooks uninstall', 'mvr hooks uninstall --json'],
  ui: ['mvr ui', 'mvr ui --port 0 --open', 'mvr ui --export site'],
  gc: ['mvr gc --dry-run', 'mvr gc --grace 1h', 'mvr gc -r origin --dry-run'],
  purge: ['mvr purge churn@v0.1.0', 'mvr purge churn@v0.1.0 --force -m "trained on data we may no longer use"'],
  verify: ['mvr verify', 'mvr verify churn@v0.2.0 -r origin --rehash-remote', 'mvr verify --signatures'],
  'shell-init': [
    'eval "$(mvr shell-init bash)"          # at the end of ~/.bashrc',
    'eval "$(mvr shell-init zsh)"           # at the end of ~/.zshrc',
    'mvr shell-init fish | source           # at the end of ~/.config/fish/config.fish',
  ],
};

export function examplesText(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((line) => `  ${line}`).join('\n')}\n`;
}
