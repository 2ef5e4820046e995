import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_NAMES, DATASETS } from '@sevar/datasets';
import type { DataFile, DatasetName } from '@sevar/datasets';
import { defaultDataDir } from '@sevar/datasets/node';
import type { Context } from '../../context.js';
import { loadSplit } from '../../data.js';
import { renderText } from '../../engine/report/table.js';

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export interface DatasetInfo {
  name: DatasetName;
  classes: number;
  train: number;
  test: number;
  files: { file: string; bytes: number; md5: string; url: string; present: boolean }[];
  status: string;
}

/** The published files the train and test splits are read from (an archive, or their `.mat`). */
function trainTestSources(name: DatasetName): DataFile[] {
  const { sources, splits } = DATASETS[name];
  const files = new Set(
    [...(splits.train?.files ?? []), ...(splits.test?.files ?? [])].map((f) => f.file),
  );
  return sources.filter((s) => s.folder !== undefined || files.has(s.file));
}

async function describeDataset(name: DatasetName, dir: string): Promise<DatasetInfo> {
  const info = DATASETS[name];
  const base = {
    name,
    classes: info.numClasses,
    train: info.splits.train?.count ?? 0,
    test: info.splits.test?.count ?? 0,
  };
  if (info.sources.length === 0) {
    return { ...base, files: [], status: 'built in (generated in memory, offline)' };
  }
  const files = await Promise.all(
    trainTestSources(name).map(async (f) => {
      const present =
        (await exists(join(dir, f.file))) ||
        (f.folder !== undefined && (await exists(join(dir, f.folder))));
      return { file: f.file, bytes: f.bytes, md5: f.md5, url: f.url, present };
    }),
  );
  const have = files.filter((f) => f.present).length;
  const status =
    have === files.length ? 'downloaded' : have === 0 ? 'not downloaded' : 'partly downloaded';
  return { ...base, files, status };
}

/** Every dataset: classes, sizes, official files, and whether they are in the cache directory. */
export async function datasetsInfo(
  o: { dataDir?: string; json: boolean },
  ctx: Context,
): Promise<DatasetInfo[]> {
  const dir = o.dataDir ?? defaultDataDir();
  const infos = await Promise.all(DATASET_NAMES.map((name) => describeDataset(name, dir)));
  if (o.json) {
    ctx.stdout.write(`${JSON.stringify({ dataDir: dir, datasets: infos }, null, 2)}\n`);
    return infos;
  }
  const head = ['dataset', 'classes', 'train', 'test', 'download', 'status'];
  ctx.stdout.write(
    renderText({
      head,
      numeric: [false, true, true, true, true, false],
      rows: infos.map((i) => [
        i.name,
        String(i.classes),
        i.train.toLocaleString('en-US'),
        i.test.toLocaleString('en-US'),
        i.files.length === 0
          ? '-'
          : `${(i.files.reduce((a, f) => a + f.bytes, 0) / 1e6).toFixed(0)} MB`,
        i.status,
      ]),
    }),
  );
  ctx.stdout.write(
    `\ncache directory: ${dir} (set --data-dir or SEVAR_DATA_DIR to change it)\n` +
      `files: ${infos.flatMap((i) => i.files.map((f) => `${f.file} (md5 ${f.md5})`)).join(', ')}\n`,
  );
  return infos;
}

/** Downloads (verifying MD5), extracts and parses both splits of each named dataset. */
export async function datasetsDownload(
  o: { names: DatasetName[]; dataDir?: string; verify?: boolean },
  ctx: Context,
): Promise<void> {
  for (const name of o.names) {
    if (DATASETS[name].sources.length === 0) {
      ctx.stdout.write(`${name}: built in, nothing to download\n`);
      continue;
    }
    for (const split of ['train', 'test'] as const) {
      const ds = await loadSplit(name, split, {
        dataDir: o.dataDir,
        download: true,
        verify: o.verify,
        progress: ctx.progress,
      });
      ctx.stdout.write(`${name} ${split}: ${ds.count.toLocaleString('en-US')} images ready\n`);
    }
  }
}
