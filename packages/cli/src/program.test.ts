import { attentionKeys, VARIANTS } from '@sevar/layers';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runCli, tempDir } from './__tests__/helpers.js';

const COMMANDS = [
  'compare',
  'reproduce',
  'train',
  'eval',
  'models',
  'variants',
  'datasets',
  'bench',
];

describe('sevar --help', () => {
  it('lists every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    // A command with an alias is listed as `name|alias`.
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}[ |]`, 'm'));
  });

  it.each([
    [
      'compare',
      [
        '--model',
        '--dataset',
        '--attention',
        '--epochs',
        '--batch-size',
        '--backend',
        '--seeds',
        '--out',
        '--jobs',
        '--fresh',
      ],
    ],
    ['reproduce', ['--table', '--protocol', '--epochs', '--optimizer', '--lr']],
    ['train', ['--attention', '--model', '--dataset', '--out', '--workers', '--no-verify']],
    ['eval', ['<model-dir>', '--dataset', '--split']],
    ['bench', ['--backends', '--steps', '--batch-size', '--workers']],
    ['models', ['--model', '--classes']],
  ])('%s --help documents its flags', async (command, flags) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    for (const f of flags) expect(r.stdout).toContain(f);
  });
});

describe('bad flags: one line, exit 2 (commander and sevar alike)', () => {
  it.each([
    [['compare', '--epochs', '0'], /--epochs <n>.*'0' is invalid/],
    [['compare', '--epochs', 'two'], /--epochs <n>.*'two' is invalid/],
    [['compare', '--model', 'vgg'], /--model <name>.*'vgg' is invalid.*cnn3/],
    [['compare', '--dataset', 'mnist'], /--dataset <name>.*'mnist' is invalid/],
    [['compare', '--backend', 'metal'], /--backend <name>.*'metal' is invalid/],
    [
      ['compare', '--variants', 'se,excite'],
      /--variants: expected 'all', 'zoo' or a comma list of none, se,.*received "excite"/,
    ],
    [
      ['compare', '--attention', 'se,,excite'],
      /--attention: expected 'all', 'zoo' or a comma list of none, se,.*received "excite"/,
    ],
    [
      ['train', '--attention', 'se', '--variant', 'bump'],
      /--variant: expected no --variant beside --attention/,
    ],
    [['train', '--stem', 'imagenet'], /--stem: expected no --stem with --model cnn3/],
    [['train', '--image-size', '100000'], /--image-size <n>.*'100000' is invalid.*\[8, 512\]/],
    [['train', '--momentum', '1'], /--momentum <x>.*'1' is invalid.*\[0, 1\)/],
    [['train', '--out', ''], /--out: expected a folder path, received ""/],
    [['compare', '--out', ' '], /--out: expected a folder path/],
    [
      ['train', '--image-size', '8', '--backend', 'cpu'],
      /cnn3: option 'inputShape' \(--image-size\).*at least 18x18/,
    ],
    [
      ['bench', '--image-size', '8', '--backends', 'cpu'],
      /cnn3: option 'inputShape' \(--image-size\).*at least 18x18/,
    ],
    [['bench', '--attention', 'sse'], /--attention: expected one of none, se/],
    [['compare', '--frobnicate'], /unknown option '--frobnicate'/],
    [['compare', '--lr', '-1'], /--lr <x>.*invalid/],
    [['reproduce'], /required option '--table <name>' not specified/],
    [['reproduce', '--table', 'cnn3-imagenet'], /--table <name>.*'cnn3-imagenet' is invalid/],
    [
      ['reproduce', '--table', 'cnn3-cifar10', '--protocol', 'cifar-standard'],
      /--protocol: expected 'paper' for cnn3/,
    ],
    [['train', '--variant', 'sse'], /--variant: expected one of none, se/],
    [
      ['train', '--image-size', '224', '--augment', 'crop-flip'],
      /--augment: expected 'rrc', 'rrc-noflip' or 'none' with --image-size 224/,
    ],
    [['bench', '--backends', 'gpu'], /--backends: expected 'all' or a comma list/],
    [['datasets', 'download', 'imagenet'], /datasets download: expected dataset names/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toMatch(message);
  });
});

describe('missing files: one line, exit 1', () => {
  it('eval of a missing model directory names it', async () => {
    const dir = await tempDir('missing');
    const r = await runCli(['eval', `${dir}/nope`]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toBe(`error: model directory not found: ${dir}/nope`);
  });

  it('eval of a directory without model.json names the file', async () => {
    const dir = await tempDir('empty');
    const r = await runCli(['eval', dir]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toBe(
      `error: saved model (model.json) not found: ${dir}/model.json`,
    );
  });

  it('a real dataset that is not downloaded fails with the path, not a stack', async () => {
    const dir = await tempDir('nodata');
    const r = await runCli([
      'compare',
      '--dataset',
      'cifar10',
      '--no-download',
      '--data-dir',
      dir,
      '--backend',
      'cpu',
      '--out',
      `${dir}/out`,
    ]);
    expect(r.code).toBe(1);
    const line = expectOneLineError(r.stderr);
    expect(line).toContain("dataset 'cifar10'");
    expect(line).toContain(`${dir}/cifar-10-binary.tar.gz`);
    // The library's advice, in this command line's flags.
    expect(line).toContain('Leave out --no-download, or:');
    expect(line).toContain('or pass --data-dir pointing at the directory');
    expect(line).not.toMatch(/download: true|dataDir/);
  });
});

describe('sevar variants / models', () => {
  it('variants prints every registry entry with hand-derived widths and params (C=64, r=16)', async () => {
    const r = await runCli(['variants', '--json', '--reduction', '16']);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as {
      name: string;
      paper: boolean;
      fcWidths: number[];
      params: number;
    }[];
    expect(all.map((x) => x.name)).toEqual(attentionKeys());
    const rows = all.filter((x) => x.paper);
    expect(rows.map((x) => x.name)).toEqual(VARIANTS.map((v) => v.name));
    // ECA at C=64: t = floor((6 + 1) / 2) = 3, odd: a 3-tap kernel and nothing else.
    expect(all.find((x) => x.name === 'eca')?.params).toBe(3);
    // m = 64/16 = 4, h = 64/(16/2) = 8; each FC has in*out weights + out biases.
    const expected: Record<string, [number[], number]> = {
      se: [[64, 4, 64], 64 * 4 + 4 + 4 * 64 + 64],
      'slow-squeeze': [[64, 8, 4, 64], 64 * 8 + 8 + 8 * 4 + 4 + 4 * 64 + 64],
      'slow-excite': [[64, 4, 8, 64], 64 * 4 + 4 + 4 * 8 + 8 + 8 * 64 + 64],
      'slow-squeeze-slow-excite': [
        [64, 8, 4, 8, 64],
        64 * 8 + 8 + 8 * 4 + 4 + 4 * 8 + 8 + 8 * 64 + 64,
      ],
      bump: [[64, 4, 4, 64], 64 * 4 + 4 + 4 * 4 + 4 + 4 * 64 + 64],
    };
    for (const row of rows) expect([row.fcWidths, row.params]).toEqual(expected[row.name]);
    const text = await runCli(['variants']);
    for (const v of VARIANTS) expect(text.stdout).toContain(v.paperName);
  });

  it('models gives the SPEC parameter counts of cnn3', async () => {
    const r = await runCli(['models', '--model', 'cnn3', '--attention', 'none,se', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      attention: string;
      trainableParams: number;
      macsPerImage: number;
    }[];
    expect(rows.map((x) => [x.attention, x.trainableParams])).toEqual([
      ['none', 122_570],
      ['se', 123_150],
    ]);
    // conv1 30*30*27*32 + conv2 13*13*288*64 + conv3 4*4*576*64 + dense 1024*64 + 64*10.
    const convDense =
      30 * 30 * 27 * 32 + 13 * 13 * 288 * 64 + 4 * 4 * 576 * 64 + 1024 * 64 + 64 * 10;
    expect(rows[0]!.macsPerImage).toBe(convDense);
    expect(rows[1]!.macsPerImage).toBe(convDense + 64 * 4 + 4 * 64);
  });

  it("models lists the built-in SE row of MobileNetV3 with torchvision's counts, at 32 and 224 px", async () => {
    const r = await runCli([
      'models',
      '--model',
      'mobilenet_v3_small',
      '--attention',
      'none,se',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      input: string;
      attention: string;
      trainableParams: number;
    }[];
    // torchvision 0.14, 10 classes (packages/models/reference/gen_zoo_fixtures.py).
    expect(rows.map((x) => [x.input, x.attention, x.trainableParams])).toEqual([
      ['32x32x3', 'built-in', 1_528_106],
      ['32x32x3', 'none', 1_066_466],
      ['32x32x3', 'se', 1_182_073],
      ['224x224x3', 'built-in', 1_528_106],
      ['224x224x3', 'none', 1_066_466],
      ['224x224x3', 'se', 1_182_073],
    ]);
  });
});
