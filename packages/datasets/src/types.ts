/** An image classification dataset held in memory. */
export interface ImageDataset {
  /** Pixels, `count × height × width × 3`, NHWC, row-major, 0–255. */
  readonly images: Uint8Array;
  /** One integer class index per image, `0 ≤ label < classNames.length`. */
  readonly labels: Uint8Array | Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly classNames: readonly string[];
  /** Dataset id, e.g. `cifar10`, `cifar100`, `svhn`, `embedded`; picks default normalization. */
  readonly name: string;
  readonly split: string;
}

export type Cifar10Split = 'train' | 'test';
export type SvhnSplit = 'train' | 'test' | 'extra';
