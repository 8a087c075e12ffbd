import { describe, expect, it } from 'vitest';
import { phaseDurations, phaseEnds, recordPhases } from '../../compiler/phase-marks.js';

describe('phase marks', () => {
  it('records nothing until asked, then what each phase took, a repeated name adding up', () => {
    phaseEnds('before recording');
    const times = [12, 15, 21, 30];
    recordPhases(() => times.shift()!);
    expect(phaseDurations(10)).toEqual([]);
    phaseEnds('read');
    phaseEnds('emitted');
    phaseEnds('written');
    phaseEnds('emitted');
    expect(phaseDurations(10)).toEqual([
      ['read', 2],
      ['emitted', 3 + 9],
      ['written', 6],
    ]);
    // Asking again starts afresh.
    recordPhases(() => 50);
    phaseEnds('read');
    expect(phaseDurations(40)).toEqual([['read', 10]]);
  });
});
