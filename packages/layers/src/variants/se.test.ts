import { describe } from 'vitest';

import { variantContract } from '../__tests__/variant-contract.js';

describe('se: C → m → C', () => {
  variantContract('se', {
    widths: [
      [64, 16, [64, 4, 64]],
      [37, 4, [37, 9, 37]],
      [3, 16, [3, 1, 3]],
    ],
    paramsAt64: 64 * 4 + 4 + 4 * 64 + 64,
    // Each FC: kernel rows then its bias as the last row.
    handWeights: [
      [[1], [1], [-4]], // relu(2 + 3 - 4) = 1
      [
        [1, -1],
        [0, 0],
      ], // (1, -1)
    ],
  });
});
