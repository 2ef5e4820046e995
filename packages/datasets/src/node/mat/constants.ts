/** MAT-file level 5 data types (stored types) and their sizes in bytes. */
export const MI_TYPES: Record<number, { name: string; size: number }> = {
  1: { name: 'miINT8', size: 1 },
  2: { name: 'miUINT8', size: 1 },
  3: { name: 'miINT16', size: 2 },
  4: { name: 'miUINT16', size: 2 },
  5: { name: 'miINT32', size: 4 },
  6: { name: 'miUINT32', size: 4 },
  7: { name: 'miSINGLE', size: 4 },
  9: { name: 'miDOUBLE', size: 8 },
  12: { name: 'miINT64', size: 8 },
  13: { name: 'miUINT64', size: 8 },
  16: { name: 'miUTF8', size: 1 },
  17: { name: 'miUTF16', size: 2 },
  18: { name: 'miUTF32', size: 4 },
};

export const MI_MATRIX = 14;
export const MI_COMPRESSED = 15;
export const MI_INT32 = 5;
export const MI_UINT32 = 6;
export const MI_INT8 = 1;

/** MATLAB array classes (mxClass) this parser decodes numerically; others are skipped. */
export const MX_CLASSES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

export const NUMERIC_CLASSES = new Set([
  'char',
  'double',
  'single',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
]);
