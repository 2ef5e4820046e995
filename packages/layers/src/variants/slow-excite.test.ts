import { describe } from 'vitest';

import { variantContract } from '../__tests__/variant-contract.js';

describe('slow-excite: C → m → h → C', () => {
  variantContract('slow-excite', {
    widths: [
      [64, 16, [64, 4, 8, 64]],
      [37, 4, [37, 9, 18, 37]],
      [3, 16, [3, 1, 1, 3]],
    ],
    paramsAt64: 64 * 4 + 4 + 4 * 8 + 8 + 8 * 64 + 64,
    handWeights: [
      [[1], [1], [-4]], // relu(2 + 3 - 4) = 1
      [
        [1, 2],
        [0, 0],
      ], // (1, 2)
      [
        [3, -1],
        [-1, 0],
        [0, 0],
      ], // (3 - 2, -1) = (1, -1)
    ],
  });
});
