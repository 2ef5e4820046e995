/** One published file of a dataset: name, URL, byte size and MD5 as published. */
export interface DataFile {
  readonly file: string;
  readonly url: string;
  readonly bytes: number;
  readonly md5: string;
  /** Folder the archive extracts to, for archives. */
  readonly folder?: string;
}

const TORONTO = 'https://www.cs.toronto.edu/~kriz/';
const STANFORD = 'http://ufldl.stanford.edu/housenumbers/';

export const DATA_FILES = {
  cifar10: {
    file: 'cifar-10-binary.tar.gz',
    url: `${TORONTO}cifar-10-binary.tar.gz`,
    bytes: 170_052_171,
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    folder: 'cifar-10-batches-bin',
  },
  cifar100: {
    file: 'cifar-100-binary.tar.gz',
    url: `${TORONTO}cifar-100-binary.tar.gz`,
    bytes: 168_513_733,
    md5: '03b5dce01913d631647c71ecec9e9cb8',
    folder: 'cifar-100-binary',
  },
  'svhn-train': {
    file: 'train_32x32.mat',
    url: `${STANFORD}train_32x32.mat`,
    bytes: 182_040_794,
    md5: 'e26dedcc434d2e4c54c9b2d4a06d8373',
  },
  'svhn-test': {
    file: 'test_32x32.mat',
    url: `${STANFORD}test_32x32.mat`,
    bytes: 64_275_384,
    md5: 'eb5a983be6a315427106f1b164d9cef3',
  },
  'svhn-extra': {
    file: 'extra_32x32.mat',
    url: `${STANFORD}extra_32x32.mat`,
    bytes: 1_329_278_602,
    md5: 'a93ce644f1a588dc4d68dda5feec44a7',
  },
} as const satisfies Record<string, DataFile>;

export type DataFileId = keyof typeof DATA_FILES;

/** The file's URL, or the same file name under `baseUrl` (a mirror). */
export function fileUrl(f: DataFile, baseUrl?: string): string {
  return baseUrl === undefined ? f.url : `${baseUrl.replace(/\/+$/, '')}/${f.file}`;
}
