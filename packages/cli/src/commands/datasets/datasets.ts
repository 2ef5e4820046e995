import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { EMBEDDED_DEFAULT_COUNTS } from '@sevar/datasets';
import type { Context } from '../../context.js';
import { DATASET_NAMES, loadSplit, nodeLoaders, NUM_CLASSES } from '../../data.js';
import type { DatasetName } from '../../data.js';
import { renderText } from '../../engine/report/table.js';

const FILES: Record<Exclude<DatasetName, 'embedded'>, string[]> = {
  cifar10: ['cifar10'],
  cifar100: ['cifar100'],
  svhn: ['svhn-train', 'svhn-test'],
};

const COUNTS: Record<DatasetName, { train: number; test: number }> = {
  embedded: EMBEDDED_DEFAULT_COUNTS,
  cifar10: { train: 50_000, test: 10_000 },
  cifar100: { train: 50_000, test: 10_000 },
  svhn: { train: 73_257, test: 26_032 },
};

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

/** Every dataset: classes, sizes, official files, and whether they are in the cache directory. */
export async function datasetsInfo(
  o: { dataDir?: string; json: boolean },
  ctx: Context,
): Promise<DatasetInfo[]> {
  const loaders = await nodeLoaders();
  const dir = o.dataDir ?? loaders.defaultDataDir();
  const infos: DatasetInfo[] = [];
  for (const name of DATASET_NAMES) {
    const base = { name, classes: NUM_CLASSES[name], ...COUNTS[name] };
    if (name === 'embedded') {
      infos.push({ ...base, files: [], status: 'built in (generated in memory, offline)' });
      continue;
    }
    const files = await Promise.all(
      FILES[name].map(async (id) => {
        const f = loaders.DATA_FILES[id]!;
        const present =
          (await exists(join(dir, f.file))) ||
          (f.folder !== undefined && (await exists(join(dir, f.folder))));
        return { file: f.file, bytes: f.bytes, md5: f.md5, url: f.url, present };
      }),
    );
    const have = files.filter((f) => f.present).length;
    infos.push({
      ...base,
      files,
      status:
        have === files.length ? 'downloaded' : have === 0 ? 'not downloaded' : 'partly downloaded',
    });
  }
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
    if (name === 'embedded') {
      ctx.stdout.write('embedded: built in, nothing to download\n');
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
