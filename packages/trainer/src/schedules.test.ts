import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { createSchedule, type Schedule } from './schedules.js';

const at = (
  s: Schedule,
  epoch: number,
  stepInEpoch = 0,
  stepsPerEpoch = 10,
  totalEpochs = 5,
): number => s.learningRate({ epoch, stepInEpoch, stepsPerEpoch, totalEpochs });

describe('createSchedule', () => {
  it('constant', () => {
    const s = createSchedule({ name: 'constant', lr: 0.3 });
    expect([0, 1, 4].map((e) => at(s, e, 7))).toEqual([0.3, 0.3, 0.3]);
  });

  it("step: the paper's cnn3 protocol (lr 1.0 x 0.7 after every epoch), constant within an epoch", () => {
    const s = createSchedule({ name: 'step', lr: 1.0, stepSize: 1, gamma: 0.7 });
    const expected = [1, 0.7, 0.49, 0.343, 0.2401];
    expected.forEach((lr, e) => {
      expect(at(s, e, 0)).toBeCloseTo(lr, 12);
      expect(at(s, e, 9)).toBeCloseTo(lr, 12);
    });
    expect(s.perStep).toBe(false);
  });

  it('step with stepSize 3 (PyTorch StepLR(step_size=3, gamma=0.1))', () => {
    const s = createSchedule({ name: 'step', lr: 0.1, stepSize: 3, gamma: 0.1 });
    const lrs = [0, 1, 2, 3, 4, 5, 6].map((e) => at(s, e));
    [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 12));
  });

  it('multistep at milestones (PyTorch MultiStepLR([2, 4], 0.1)), milestone order does not matter', () => {
    const s = createSchedule({ name: 'multistep', lr: 1, milestones: [4, 2], gamma: 0.1 });
    const lrs = [0, 1, 2, 3, 4, 5].map((e) => at(s, e));
    [1, 1, 0.1, 0.1, 0.01, 0.01].forEach((v, i) => expect(lrs[i]).toBeCloseTo(v, 12));
  });

  it('cosine with linear warmup, per step', () => {
    // 4 epochs x 5 steps = 20 steps, warmup 1 epoch = 5 steps, then 15 cosine steps.
    const s = createSchedule({ name: 'cosine', lr: 0.5, warmupEpochs: 1 });
    const lr = (step: number): number => at(s, Math.floor(step / 5), step % 5, 5, 4);
    [0.1, 0.2, 0.3, 0.4, 0.5].forEach((v, step) => expect(lr(step)).toBeCloseTo(v, 12));
    expect(lr(5)).toBe(0.5); // cosine starts at the peak
    expect(lr(5 + 7.5)).toBeCloseTo(0.25, 12); // halfway (fractional step, analytic midpoint)
    expect(lr(10)).toBeCloseTo(0.25 * (1 + Math.cos(Math.PI / 3)), 12);
    expect(lr(19)).toBeCloseTo(0.25 * (1 + Math.cos((Math.PI * 14) / 15)), 12);
    expect(s.perStep).toBe(true);
  });

  it('cosine without warmup ends at minLr', () => {
    const s = createSchedule({ name: 'cosine', lr: 1, minLr: 0.1 });
    expect(at(s, 0, 0, 10, 2)).toBe(1);
    expect(at(s, 2, 0, 10, 2)).toBeCloseTo(0.1, 12);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => createSchedule({ name: 'poly', lr: 1 } as never)).toThrow(
      `createSchedule: name: expected one of 'constant', 'step', 'multistep', 'cosine', received "poly"`,
    );
    expect(() => createSchedule({ name: 'step', lr: 1, stepSize: 0, gamma: 0.5 })).toThrow(
      InvalidOptionError,
    );
  });
});
