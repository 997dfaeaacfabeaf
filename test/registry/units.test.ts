import { describe, expect, it } from 'vitest';
import { routeKey, routingBucket } from '../../src/registry/routing.js';
import { parseTime } from '../../src/registry/time.js';
import { fromPercentMap, scaleTo, toPercentMap, withShare, without, FULL } from '../../src/registry/weights.js';
import { parseTagName } from '../../src/registry/tag-name.js';

describe('traffic weights', () => {
  it('scales the other holders to 100 − P exactly, by largest remainder', () => {
    const three = withShare([{ version: '1.0.0', bp: 6700 }, { version: '1.1.0', bp: 3300 }], '2.0.0', 1000);
    expect(three).toEqual([{ version: '2.0.0', bp: 1000 }, { version: '1.1.0', bp: 2970 }, { version: '1.0.0', bp: 6030 }]);
    const odd = scaleTo([{ version: '1.0.0', bp: 1 }, { version: '1.1.0', bp: 1 }, { version: '1.2.0', bp: 1 }], FULL);
    expect(odd.reduce((s, h) => s + h.bp, 0)).toBe(FULL);
    expect(without(three, '2.0.0').map((h) => h.bp)).toEqual([3300, 6700]);
  });

  it('round-trips recorded percentages and rejects maps that do not sum to 100', () => {
    expect(toPercentMap(fromPercentMap({ '1.0.0': 55.56, '1.1.0': 44.44 })!)).toEqual({ '1.1.0': 44.44, '1.0.0': 55.56 });
    expect(fromPercentMap({ '1.0.0': 50, '1.1.0': 40 })).toBeUndefined();
    expect(fromPercentMap({ '1.0.0': 'all' })).toBeUndefined();
    expect(fromPercentMap([])).toBeUndefined();
  });
});

describe('routing', () => {
  it('is a pure function of artifact, stage, key and weights; a canary keeps the low buckets as it grows', () => {
    expect(routingBucket('chatbot', 'production', 'customer-4711')).toBe(routingBucket('chatbot', 'production', 'customer-4711'));
    expect(routingBucket('chatbot', 'production', 'customer-4711')).not.toBe(routingBucket('other', 'production', 'customer-4711'));
    const at10 = [{ version: '2.0.0', bp: 1000 }, { version: '1.0.0', bp: 9000 }];
    const at30 = [{ version: '2.0.0', bp: 3000 }, { version: '1.0.0', bp: 7000 }];
    for (let i = 0; i < 500; i++) {
      const key = `k${i}`;
      const before = routeKey({ artifact: 'a', stage: 'production', key, holdings: at10 }).holding!.version;
      const after = routeKey({ artifact: 'a', stage: 'production', key, holdings: at30 }).holding!.version;
      if (before === '2.0.0') expect(after).toBe('2.0.0');
    }
  });
});

describe('audit times', () => {
  it.each([
    ['2026-11-25T10:00Z', Date.UTC(2026, 10, 25, 10, 0) / 1000],
    ['2026-11-25T10:00:30+01:00', Date.UTC(2026, 10, 25, 9, 0, 30) / 1000],
    ['2026-11-25 10:00', Date.UTC(2026, 10, 25, 10, 0) / 1000],
    ['2026-11-25', Date.UTC(2026, 10, 25, 23, 59, 59) / 1000],
    ['@1795000000', 1795000000],
  ])('%s', (text, seconds) => {
    expect(parseTime(text)).toBe(seconds);
  });

  it.each(['yesterday', '2026-13-01', '2026-11-25T25:00Z', '2026-11-25T10:00+15:00', ''])('rejects %j', (text) => {
    expect(() => parseTime(text)).toThrow(/not a time mv understands/);
  });
});

describe('tag grammar', () => {
  it.each([
    ['churn@v2.4.1', { kind: 'register', artifact: 'churn', version: '2.4.1' }],
    ['churn@v2.4.1!', { kind: 'deregister', version: '2.4.1' }],
    ['churn@v2.4.1!#3', { kind: 'deregister', counter: 3 }],
    ['churn#production#17', { kind: 'assign', stage: 'production', counter: 17 }],
    ['churn#production!#18', { kind: 'unassign', stage: 'production', counter: 18 }],
    ['churn@deprecated', { kind: 'deprecate', artifact: 'churn' }],
    ['nlp/bert#staging#2', { kind: 'assign', artifact: 'nlp/bert' }],
    ['churn@deprecated#9', { kind: 'deprecate', artifact: 'churn', counter: 9 }],
    ['churn#prod', { kind: 'assign', stage: 'prod' }],
    // GTO's fullname path:name is written path=name in tags (DVCLive registers dvclive=model).
    ['dvclive=model@v0.0.1', { kind: 'register', artifact: 'dvclive:model', version: '0.0.1' }],
    ['some/folder=some/model#prod!#3', { kind: 'unassign', artifact: 'some/folder:some/model', stage: 'prod', counter: 3 }],
  ])('%s', (tag, expected) => {
    expect(parseTagName(tag)).toMatchObject(expected);
  });

  it.each(['v1.0', 'release-3', 'churn@v1.2', 'churn#prod#x', 'churn@created', '-x@v1.0.0', 'churn@v01.0.0', 'a=b=c@v1.0.0', 'churn@deprecated!'])('ignores %s', (tag) => {
    expect(parseTagName(tag)).toBeUndefined();
  });
});
