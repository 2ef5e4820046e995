import { describe } from 'vitest';

import { variantContract } from '../__tests__/variant-contract.js';

describe('slow-squeeze: C → h → m → C', () => {
  variantContract('slow-squeeze', {
    widths: [
      [64, 16, [64, 8, 4, 64]],
      [37, 4, [37, 18, 9, 37]],
      [3, 16, [3, 1, 1, 3]],
    ],
    paramsAt64: 64 * 8 + 8 + 8 * 4 + 4 + 4 * 64 + 64,
    handWeights: [
      [
        [1, 0],
        [0, 1],
        [-1, -1],
      ], // relu(2 - 1, 3 - 1) = (1, 2)
      [[1], [1], [-2]], // relu(1 + 2 - 2) = 1
      [
        [1, -1],
        [0, 0],
      ], // (1, -1)
    ],
  });
});
