import { describe, expect, it, vi } from 'vitest';
import * as zod from 'zod';
import { validateConfig } from '../../src/config.js';
import { parsePointer } from '../../src/pointer/pointer.js';
import { parseStructured } from '../../src/structured-file.js';

function refusal(raw: Record<string, unknown>): string {
  try {
    validateConfig(raw, '.mv/config.yaml');
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', hint: expect.stringContaining('docs/config.md') });
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('settings', () => {
  it('an empty file means every default', () => {
    expect(validateConfig({}, '.mv/config.yaml')).toEqual({
      cache: { dir: '.mv/cache', type: 'copy', fsync: false, direct_io: true },
      add: { require_lineage: 'warn' },
      stages: ['candidate', 'staging', 'production'],
      promote: { require_order: true, gates: {} },
      remotes: {},
      hooks: { checkout: false },
    });
  });

  it('defaults are fresh for each read', () => {
    const first = validateConfig({}, '.mv/config.yaml');
    first.stages.push('canary');
    expect(validateConfig({}, '.mv/config.yaml').stages).toEqual(['candidate', 'staging', 'production']);
  });

  it.each([
    [{ bogus: 1 }, 'unknown setting bogus'],
    [{ cache: { bogus: 1 } }, 'unknown setting cache.bogus'],
    [{ cache: { type: 'zip' } }, 'cache.type: must be one of "copy", "hardlink" or "symlink"'],
    [{ cache: { fsync: 'yes' } }, 'cache.fsync: must be true or false, not a string'],
    [{ stages: [] }, 'stages: must list at least 1 item'],
    [{ stages: 'production' }, 'stages: must be a list, not a string'],
    [{ stages: ['bad stage'] }, 'stages[0]: is not a valid stage name'],
    [{ remotes: [] }, 'remotes: must be a mapping, not a list'],
    [{ remotes: { origin: {} } }, 'remotes.origin.url: is missing'],
    [{ remotes: { origin: { url: '' } } }, 'remotes.origin.url: must not be empty'],
    [{ remotes: { origin: { url: '/srv/mv', jobs: 0 } } }, 'remotes.origin.jobs: must be at least 1'],
    [{ remotes: { origin: { url: '/srv/mv', timeout: 0 } } }, 'remotes.origin.timeout: must be more than 0'],
    [{ promote: { gates: { production: { metric: 'auc', tolerance: -1 } } } }, 'promote.gates.production.tolerance: must be at least 0'],
    [{ 'x\nhint: run this': 1 }, 'x\\nhint: run this holds a control character (a line break, a tab…); settings are plain text'],
    [{ promote: { gates: { production: { metric: 'auc\nhint: run this' } } } }, 'promote.gates.production.metric holds a control character (a line break, a tab…); settings are plain text'],
    [{ stages: ['candidate', 'prod\tuction'] }, 'stages[1] holds a control character (a line break, a tab…); settings are plain text'],
    [{ remotes: { 'o hint': { url: '/srv/mv' } } }, 'remotes: "o hint" is not a valid remote name'],
    [{ remotes: { '-origin': { url: '/srv/mv' } } }, 'remotes: "-origin" is not a valid remote name'],
    [{ remotes: { 'a\u202eb': { url: '/srv/mv', bogus: 1 } } }, 'unknown setting remotes.a\\u202eb.bogus'],
  ])('%j is refused: %s', (raw, expected) => {
    expect(refusal(raw)).toBe(`.mv/config.yaml: ${expected}.`);
  });
});

describe('YAML files', () => {
  it('a key that is a list is read as its text, and the parser prints no warning of its own', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(parseStructured('? [a]\n: 1\n', 'x.yaml')).toEqual({ '[ a ]': 1 });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('mv and a program that imports it share zod', () => {
  it('mv sets nothing in zod\'s global configuration, and a program\'s settings do not change mv\'s messages', () => {
    expect(() => parsePointer('mv: 1\nname: 5\n', 'm.mv.yaml')).toThrow('field name must be a string, not a number');
    refusal({ stages: [] });
    const global = zod.config();
    expect(global.customError).toBeUndefined();
    expect(global.jitless).toBeUndefined();
    zod.config({ customError: () => 'the host program says no' });
    try {
      expect(refusal({ stages: 'production' })).toBe('.mv/config.yaml: stages: must be a list, not a string.');
      expect(zod.string().safeParse(5).error?.issues[0]?.message).toBe('the host program says no');
    } finally {
      zod.config({ customError: undefined });
    }
  });
});
