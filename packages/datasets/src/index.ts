// Browser-safe entry: nothing here imports a Node built-in. Loaders that read files and
// download live in `@sevar/datasets/node`.
export {
  augmentInto,
  augmentOutputSize,
  pixelAffine,
  resolveAugment,
  sampleResizedCropWindow,
  writeBilinear,
  writeCrop,
} from './augment.js';
export type {
  AugmentOption,
  AugmentSpec,
  CropSpec,
  PixelAffine,
  RandomResizedCropSpec,
  ResizeCenterCropSpec,
  ResizeSpec,
  SampleRegion,
} from './augment.js';
export { createBatches } from './batches.js';
export type { Batch, BatchOptions, BatchStream, HostBatch } from './batches.js';
export {
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  CIFAR10_CLASSES,
  SVHN_CLASSES,
} from './cifar/class-names.js';
export { cifarRecordSize, encodeCifarRecords, parseCifarRecords } from './cifar/records.js';
export type { CifarRecordLayout, ParsedRecords } from './cifar/records.js';
export {
  EMBEDDED_CLASSES,
  EMBEDDED_DEFAULT_COUNTS,
  EMBEDDED_DEFAULT_SEED,
  embeddedCifarBytes,
  loadEmbedded,
  loadEmbeddedSync,
} from './embedded.js';
export type { EmbeddedOptions } from './embedded.js';
export {
  ChecksumError,
  DataFormatError,
  DataNotFoundError,
  DatasetError,
  DatasetOptionError,
  DownloadError,
  FileSizeError,
  MatHdf5Error,
  UnknownDatasetError,
} from './errors.js';
export type { FileErrorFacts } from './errors.js';
export { toTfDataset } from './fit-dataset.js';
export type { TfDatasetLike, TfDatasetOptions } from './fit-dataset.js';
export { NORMALIZATION, resolveNormalization } from './normalization.js';
export {
  DATASETS,
  DATASET_NAMES,
  allowsHorizontalFlip,
  datasetSplitNames,
  getDatasetInfo,
  getSplitInfo,
  isDatasetName,
} from './registry.js';
export type {
  DatasetInfo,
  DatasetName,
  DatasetSplit,
  LabelSet,
  SplitFile,
  SplitInfo,
} from './registry.js';
export type { DataFile, DataFileId } from './sources.js';
export type { Normalization, NormalizationName, NormalizeOption } from './normalization.js';
// One seeded generator for every sevar package; re-exported so existing imports keep working.
export { Rng, deriveSeed, shuffleInPlace } from '@sevar/core';
export type { RngState } from '@sevar/core';
export type { Cifar10Split, ImageDataset, SvhnSplit } from './types.js';
