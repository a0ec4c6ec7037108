// The grep benchmark prints issue 17's goals with the measured ratios: which goal applies to
// which row, and when a ratio meets it (judged on the ratio as printed, so "1.20×" meets 1.2).
import { describe, expect, it } from 'vitest';
import { goalLine, grepGoal } from '../../bench/grep/support.ts';

describe('grep benchmark goals', () => {
  it('1.2× for the frequent regex with the cap lifted, 1.1× for every other case', () => {
    expect(grepGoal('frequent', false)).toBe(1.2);
    expect(grepGoal('frequent', true)).toBe(1.1);
    expect(grepGoal('rare', false)).toBe(1.1);
    expect(grepGoal('case-insensitive', false)).toBe(1.1);
    expect(grepGoal('case-insensitive', true)).toBe(1.1);
  });

  it('says met or NOT met next to the ratio, as the table rounds it', () => {
    expect(goalLine('frequent, cap lifted', 1.1951, 1.2)).toBe('frequent, cap lifted: 1.20× (goal ≤ 1.2×) met');
    expect(goalLine('frequent, cap lifted', 1.2051, 1.2)).toBe('frequent, cap lifted: 1.21× (goal ≤ 1.2×) NOT met');
    expect(goalLine('rare, cap 200', 0.98, 1.1)).toBe('rare, cap 200: 0.98× (goal ≤ 1.1×) met');
    expect(goalLine('rare, cap 200', 1.3, 1.1)).toBe('rare, cap 200: 1.30× (goal ≤ 1.1×) NOT met');
  });
});
