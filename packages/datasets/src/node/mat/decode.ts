import type { MatSink } from './parse.js';

/**
 * Decodes chunks of stored values of `size` bytes and MAT type `type`, carrying partial
 * elements across chunk borders, into `sink` from element 0.
 */
export async function decodeStream(
  le: boolean,
  size: number,
  type: number,
  chunks: AsyncIterable<Uint8Array>,
  sink: MatSink,
): Promise<void> {
  let at = 0;
  const carry = new Uint8Array(size);
  let carried = 0;
  for await (let c of chunks) {
    if (carried > 0) {
      const k = Math.min(size - carried, c.length);
      carry.set(c.subarray(0, k), carried);
      carried += k;
      c = c.subarray(k);
      if (carried < size) continue;
      at += decodeAligned(le, size, type, carry, sink, at);
      carried = 0;
    }
    const whole = c.length - (c.length % size);
    if (whole > 0) at += decodeAligned(le, size, type, c.subarray(0, whole), sink, at);
    if (whole < c.length) {
      carry.set(c.subarray(whole));
      carried = c.length - whole;
    }
  }
}

/** Decodes a chunk holding whole elements into `sink` at element `at`; returns the count. */
export function decodeAligned(
  le: boolean,
  size: number,
  type: number,
  c: Uint8Array,
  sink: MatSink,
  at: number,
): number {
  const n = c.length / size;
  if (type === 2 || type === 16) {
    sink.write(at, c);
    return n;
  }
  if (type === 1) {
    sink.write(at, new Int8Array(c.buffer, c.byteOffset, n));
    return n;
  }
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  const out = new Float64Array(n);
  switch (type) {
    case 3:
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, le);
      break;
    case 4:
    case 17:
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, le);
      break;
    case 5:
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, le);
      break;
    case 6:
    case 18:
      for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, le);
      break;
    case 7:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
      break;
    case 9:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le);
      break;
    // 64-bit integers become doubles (exact below 2^53).
    case 12:
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, le));
      break;
    case 13:
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(8 * i, le));
      break;
  }
  sink.write(at, out);
  return n;
}
