// Node-only entry (`@sevar/datasets/node`): file system, zlib, HTTP. The browser-safe parts
// (batching, augmentation, embedded dataset, errors) come from `@sevar/datasets`.
export { DATA_DIR_ENV, defaultDataDir } from './cache-dir.js';
export { CIFAR10_FILES, loadCifar10, loadCifar100 } from './cifar.js';
export type { Cifar100Options, CifarOptions } from './cifar.js';
export { downloadFile } from './download.js';
export type { DownloadOptions } from './download.js';
export { loadDataset } from './load.js';
export type { LoadDatasetOptions } from './load.js';
export { ensureExtracted, ensureFile } from './locate.js';
export type { SourceOptions } from './locate.js';
export { parseMatStream } from './mat/parse.js';
export type { MatHandler, MatParseOptions, MatSink, MatVariableHeader } from './mat/parse.js';
export { parseMat, readMatFile } from './mat/read.js';
export type { MatData, MatVariable } from './mat/read.js';
export { md5File } from './md5.js';
export type { ProgressInfo, ProgressOption } from './progress.js';
export { DATA_FILES, fileUrl } from './sources.js';
export type { DataFile, DataFileId } from './sources.js';
export { loadSvhn } from './svhn.js';
export type { SvhnOptions } from './svhn.js';
export { readSvhnMat } from './svhn-mat.js';
export type { SvhnArrays } from './svhn-mat.js';
