import type { VariantName } from '@sevar/layers';
import type { ModelName } from '@sevar/models';
import type { DatasetName } from '@sevar/datasets';

/** One attention choice's numbers in a paper table (top-1/top-5 in %; loss where the paper gives it). */
export interface PaperRow {
  loss?: number;
  top1: number;
  top5?: number;
}

export const TABLE_NAMES = [
  'cnn3-cifar10',
  'resnet18-cifar10',
  'resnet18-cifar100',
  'resnet18-svhn',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export interface PaperTable {
  name: TableName;
  model: ModelName;
  dataset: DatasetName;
  caption: string;
  /** Keyed by attention: `none` or one of the paper's five (the paper reports nothing else). */
  rows: Record<'none' | VariantName, PaperRow>;
}

// "Variations of Squeeze and Excitation networks" (arXiv 2304.06502), as transcribed in SPEC.
export const PAPER_TABLES: Record<TableName, PaperTable> = {
  'cnn3-cifar10': {
    name: 'cnn3-cifar10',
    model: 'cnn3',
    dataset: 'cifar10',
    caption: '3-layer CNN on CIFAR-10 (test loss / top-1)',
    rows: {
      none: { loss: 0.8091, top1: 72.52 },
      se: { loss: 0.8068, top1: 72.58 },
      'slow-squeeze': { loss: 0.8093, top1: 72.2 },
      'slow-excite': { loss: 0.8131, top1: 72.63 },
      'slow-squeeze-slow-excite': { loss: 0.7987, top1: 72.97 },
      bump: { loss: 0.8044, top1: 72.65 },
    },
  },
  'resnet18-cifar10': {
    name: 'resnet18-cifar10',
    model: 'resnet18',
    dataset: 'cifar10',
    caption: 'ResNet-18 on CIFAR-10 (top-1 / top-5; the paper leaves this table unlabelled)',
    rows: {
      none: { top1: 73.13, top5: 97.62 },
      se: { top1: 75.58, top5: 97.21 },
      'slow-squeeze': { top1: 74.37, top5: 96.91 },
      'slow-excite': { top1: 75.63, top5: 97.16 },
      'slow-squeeze-slow-excite': { top1: 76.02, top5: 97.7 },
      bump: { top1: 76.02, top5: 97.81 },
    },
  },
  'resnet18-cifar100': {
    name: 'resnet18-cifar100',
    model: 'resnet18',
    dataset: 'cifar100',
    caption: 'ResNet-18 on CIFAR-100 (top-1 / top-5)',
    rows: {
      none: { top1: 72.87, top5: 92.38 },
      se: { top1: 74.46, top5: 93.19 },
      'slow-squeeze': { top1: 73.34, top5: 92.96 },
      'slow-excite': { top1: 73.5, top5: 93.91 },
      'slow-squeeze-slow-excite': { top1: 73.25, top5: 92.86 },
      bump: { top1: 73.96, top5: 93.2 },
    },
  },
  'resnet18-svhn': {
    name: 'resnet18-svhn',
    model: 'resnet18',
    dataset: 'svhn',
    caption: 'ResNet-18 on SVHN (top-1 / top-5; headed "Loss / Accuracy" in the paper)',
    rows: {
      none: { top1: 91.211, top5: 98.851 },
      se: { top1: 91.795, top5: 98.855 },
      'slow-squeeze': { top1: 92.048, top5: 98.959 },
      'slow-excite': { top1: 92.244, top5: 98.871 },
      'slow-squeeze-slow-excite': { top1: 92.187, top5: 98.782 },
      bump: { top1: 91.576, top5: 98.882 },
    },
  },
};

/** The paper table for this model and dataset, if the paper has one. */
export function findPaperTable(model: string, dataset: string): PaperTable | null {
  return (
    Object.values(PAPER_TABLES).find((t) => t.model === model && t.dataset === dataset) ?? null
  );
}
