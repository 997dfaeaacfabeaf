/** Metric gates compare decimal metrics as people read them: a value exactly at the tolerance passes. */
import { describe, expect, it } from 'vitest';
import { gateViolations, type GateInput } from '../../src/registry/gates.js';

function input(own: number, theirs: number, gate: { direction: 'max' | 'min'; tolerance: number }): GateInput {
  return {
    state: { name: 'churn' },
    version: { version: '1.1.0', stagesEver: new Set(['staging']) },
    stage: 'production',
    stages: ['candidate', 'staging', 'production'],
    requireOrder: true,
    gate: { metric: 'accuracy', ...gate },
    holders: [{ version: '1.0.0', weight: 100 }],
    metrics: new Map([
      ['1.1.0', { metrics: { accuracy: own } }],
      ['1.0.0', { metrics: { accuracy: theirs } }],
    ]),
  } as unknown as GateInput;
}

describe('metric gates', () => {
  it('a regression exactly at the tolerance passes, though floating point makes the difference a little larger', () => {
    // 0.93 - 0.925 is 0.0050000000000000044 in floating point; 7.3 - 2.3 is 5.000000000000001.
    expect(0.93 - 0.925).toBeGreaterThan(0.005);
    expect(gateViolations(input(0.925, 0.93, { direction: 'max', tolerance: 0.005 }))).toEqual([]);
    expect(gateViolations(input(7.3, 2.3, { direction: 'min', tolerance: 5 }))).toEqual([]);
    expect(gateViolations(input(0.9, 0.9, { direction: 'max', tolerance: 0 }))).toEqual([]);
  });

  it('a regression past the tolerance, however small, fails with the numbers', () => {
    expect(gateViolations(input(0.9249, 0.93, { direction: 'max', tolerance: 0.005 }))).toEqual([
      'accuracy of churn@v1.1.0 is 0.9249, a regression against churn@v1.0.0 in production (0.93; higher is better, tolerance 0.005)',
    ]);
    expect(gateViolations(input(0.8999999, 0.9, { direction: 'max', tolerance: 0 }))).toHaveLength(1);
    expect(gateViolations(input(7.31, 2.3, { direction: 'min', tolerance: 5 }))).toHaveLength(1);
  });
});
