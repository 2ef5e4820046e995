import { describe, expect, it } from 'vitest';

import { variantContract } from '../__tests__/variant-contract.js';
import { createAttention } from '../registry.js';

describe('bump: C → m → m → C', () => {
  variantContract('bump', {
    widths: [
      [64, 16, [64, 4, 4, 64]],
      [37, 4, [37, 9, 9, 37]],
      [3, 16, [3, 1, 1, 3]],
    ],
    paramsAt64: 64 * 4 + 4 + 4 * 4 + 4 + 4 * 64 + 64,
    handWeights: [
      [[1], [1], [-4]], // 1
      [[2], [-1]], // relu(2 - 1) = 1
      [
        [1, -1],
        [0, 0],
      ], // (1, -1)
    ],
  });

  it("bumpKind 'conv3x3' holds a 3x3 middle kernel (9 m² + m parameters)", () => {
    const layer = createAttention('bump', { bumpKind: 'conv3x3' });
    expect(layer.parameterCount(64)).toBe(64 * 4 + 4 + 9 * 4 * 4 + 4 + 4 * 64 + 64);
  });
});
