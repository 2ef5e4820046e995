"""Independent PyTorch reference for @sevar/models.

Writes two kinds of committed fixtures into ../src/__fixtures__/:

* param_counts.json: trainable parameter counts and multiply-accumulates per image for every
  attention variant (plus none) x model x class count, measured on real PyTorch modules
  (MACs come from forward hooks on Conv2d / Linear, so they are shape-derived by torch itself).
* parity_<model>.json: forward-parity cases. Weights, BN running statistics and inputs are not
  stored; they are generated from a small integer hash that the TypeScript test reimplements
  bit-for-bit, in PyTorch layout (conv [Co,Ci,KH,KW], linear [out,in], input NCHW), so the test
  has to do the layout conversion itself. Only the expected logits are stored.

Run from the repository root with a Python that has torch (1.13 CPU is enough):
    python packages/models/reference/gen_fixtures.py
"""

import json
import os

import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'src', '__fixtures__')

VARIANTS = ['se', 'slow-squeeze', 'slow-excite', 'slow-squeeze-slow-excite', 'bump']


# ---------------------------------------------------------------- attention variants (SPEC table)


def fc_widths(variant, c, reduction=16, min_channels=1):
    m = max(min_channels, c // reduction)
    h = max(min_channels, c // (reduction // 2))
    table = {
        'se': [c, m, c],
        'slow-squeeze': [c, h, m, c],
        'slow-excite': [c, m, h, c],
        'slow-squeeze-slow-excite': [c, h, m, h, c],
        'bump': [c, m, m, c],
    }
    return table[variant]


class Attention(nn.Module):
    """Squeeze (global mean over H, W), FC chain with ReLU between, sigmoid gate, rescale."""

    def __init__(self, variant, c, reduction=16):
        super().__init__()
        w = fc_widths(variant, c, reduction)
        self.fcs = nn.ModuleList([nn.Linear(a, b) for a, b in zip(w[:-1], w[1:])])

    def forward(self, x):
        s = x.mean(dim=(2, 3))
        for i, fc in enumerate(self.fcs):
            s = fc(s)
            s = torch.relu(s) if i < len(self.fcs) - 1 else torch.sigmoid(s)
        return x * s[:, :, None, None]


def make_attention(variant, c, reduction=16):
    return nn.Identity() if variant is None else Attention(variant, c, reduction)


# ---------------------------------------------------------------- cnn3


class Cnn3(nn.Module):
    """TensorFlow-tutorial CIFAR CNN. placement 'after-conv2': conv2 -> attention; 'replace-conv2':
    the attention module sits where conv2 was, so conv3 sees 32 channels."""

    def __init__(self, variant, num_classes, placement='after-conv2', hw=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.replace = placement == 'replace-conv2'
        if self.replace:
            self.conv2 = None
            self.attention = make_attention(variant, 32)
            c2 = 32
        else:
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.attention = make_attention(variant, 64)
            c2 = 64
        self.conv3 = nn.Conv2d(c2, 64, 3)
        s = hw - 2
        s //= 2
        if not self.replace:
            s -= 2
        s //= 2
        s -= 2
        self.fc1 = nn.Linear(64 * s * s, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        if self.conv2 is not None:
            x = torch.relu(self.conv2(x))
        x = torch.max_pool2d(self.attention(x), 2)
        x = torch.relu(self.conv3(x))
        x = torch.flatten(x, 1)  # C, H, W order
        return self.fc2(torch.relu(self.fc1(x)))


# ---------------------------------------------------------------- resnet


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, variant, placement):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.attention = make_attention(variant, cout)
        self.placement = placement
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.placement == 'pre-add':
            out = self.attention(out)
        idn = x if self.shortcut is None else self.shortcut(x)
        out = torch.relu(out + idn)
        if self.placement == 'post-add':
            out = self.attention(out)
        return out


class ResNet(nn.Module):
    def __init__(self, blocks, variant, num_classes, stem, placement='pre-add'):
        super().__init__()
        if stem == 'imagenet':
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.pool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.pool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(64)
        stages = []
        cin = 64
        for i, (n, w) in enumerate(zip(blocks, [64, 128, 256, 512])):
            layers = []
            for b in range(n):
                stride = 2 if (i > 0 and b == 0) else 1
                layers.append(BasicBlock(cin, w, stride, variant, placement))
                cin = w
            stages.append(nn.Sequential(*layers))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(x.mean(dim=(2, 3)), 1))


def build(model, variant, num_classes, placement=None):
    if model == 'cnn3':
        return Cnn3(variant, num_classes, placement or 'after-conv2'), 32
    arch, stem = model.split('-')
    blocks = {'resnet18': [2, 2, 2, 2], 'resnet34': [3, 4, 6, 3]}[arch]
    hw = 224 if stem == 'imagenet' else 32
    return ResNet(blocks, variant, num_classes, stem, placement or 'pre-add'), hw


# ---------------------------------------------------------------- counting


def trainable(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def macs_per_image(m, hw):
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            ci = mod.in_channels // mod.groups
            total[0] += out[0].numel() * ci * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, nn.Linear):
            total[0] += mod.in_features * mod.out_features

    hs = [x.register_forward_hook(hook) for x in m.modules() if isinstance(x, (nn.Conv2d, nn.Linear))]
    m.eval()
    with torch.no_grad():
        m(torch.zeros(1, 3, hw, hw))
    for h in hs:
        h.remove()
    return total[0]


def counts():
    rows = []
    cases = [
        ('cnn3', 'after-conv2'),
        ('cnn3', 'replace-conv2'),
        ('resnet18-cifar', 'pre-add'),
        ('resnet18-imagenet', 'pre-add'),
        ('resnet34-cifar', 'pre-add'),
        ('resnet34-imagenet', 'pre-add'),
    ]
    for model, placement in cases:
        for variant in [None] + VARIANTS:
            if placement == 'replace-conv2' and variant is None:
                continue  # removing conv2 without a module in its place is not a model we offer
            # resnet34 shares every block with resnet18, so one class count keeps the suite fast
            for k in [10] if model.startswith('resnet34') else [10, 100, 1000]:
                torch.manual_seed(0)
                m, hw = build(model, variant, k, placement)
                rows.append(
                    {
                        'model': model,
                        'placement': placement,
                        'attention': variant,
                        'numClasses': k,
                        'inputSize': hw,
                        'trainableParams': trainable(m),
                        'bnStatistics': sum(
                            b.numel() for n, b in m.named_buffers() if n.endswith(('running_mean', 'running_var'))
                        ),
                        'macsPerImage': macs_per_image(m, hw),
                    }
                )
                print(model, placement, variant, k, rows[-1]['trainableParams'], rows[-1]['macsPerImage'])
    return rows


# ---------------------------------------------------------------- deterministic values
# u32 hash of (seed, index); the TypeScript test has the same function (parity.test helpers).

M32 = 0xFFFFFFFF


def hash_u32(seed, n):
    i = np.arange(n, dtype=np.uint64)
    h = ((i * np.uint64(0x9E3779B1)) & np.uint64(M32)) ^ np.uint64(((seed + 1) * 0x85EBCA77) & M32)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x7FEB352D)) & np.uint64(M32)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x846CA68B)) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    return h


def values(seed, n, lo, hi):
    u = hash_u32(seed, n).astype(np.float64) / 4294967296.0
    return (lo + (hi - lo) * u).astype(np.float32)


def fill_spec(name, t):
    """Range for each tensor: fan-in-scaled uniform for weights, non-trivial BN statistics."""
    if name.endswith('running_mean'):
        return 'bnMean', -0.2, 0.2
    if name.endswith('running_var'):
        return 'bnVar', 0.5, 2.0
    parent_is_bn = t.dim() == 1 and ('bn' in name or 'shortcut.1' in name)
    if parent_is_bn and name.endswith('weight'):
        return 'bnGamma', 0.5, 1.5
    if parent_is_bn and name.endswith('bias'):
        return 'bnBeta', -0.2, 0.2
    if t.dim() >= 2:
        # He-scaled for convs (ReLU follows) so the signal neither dies nor explodes over 17 convs
        fan_in = int(np.prod(t.shape[1:]))
        a = float(np.sqrt((6.0 if t.dim() == 4 else 3.0) / fan_in))
        return 'weight', -a, a
    return 'bias', -0.1, 0.1


def parity_case(model, variant, placement, batch=2, hw=32):
    m, _ = build(model, variant, 10, placement)
    tensors = []
    seed = 1
    with torch.no_grad():
        for name, t in m.state_dict().items():
            if name.endswith('num_batches_tracked'):
                continue
            kind, lo, hi = fill_spec(name, t)
            t.copy_(torch.from_numpy(values(seed, t.numel(), lo, hi).reshape(t.shape)))
            tensors.append(
                {'name': name, 'kind': kind, 'shape': list(t.shape), 'seed': seed, 'lo': lo, 'hi': hi}
            )
            seed += 1
        m.eval()
        x_spec = {'shape': [batch, 3, hw, hw], 'seed': 100000, 'lo': -1.0, 'hi': 1.0}
        x = torch.from_numpy(values(100000, batch * 3 * hw * hw, -1.0, 1.0).reshape(x_spec['shape']))
        logits = m(x)
    return {
        'model': model,
        'attention': variant,
        'placement': placement,
        'numClasses': 10,
        'input': x_spec,
        'tensors': tensors,
        'logits': logits.double().tolist(),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'param_counts.json'), 'w') as f:
        json.dump({'generator': 'packages/models/reference/gen_fixtures.py', 'torch': torch.__version__,
                   'reduction': 16, 'rows': counts()}, f, indent=1)
        f.write('\n')
    parity = {
        'cnn3': [('cnn3', v, p) for v, p in
                 [(None, 'after-conv2'), ('se', 'after-conv2'), ('bump', 'after-conv2'),
                  ('slow-squeeze-slow-excite', 'replace-conv2')]],
        'resnet18': [('resnet18-cifar', v, p) for v, p in
                     [(None, 'pre-add'), ('se', 'pre-add'), ('bump', 'pre-add'), ('se', 'post-add')]]
        # the imagenet stem's padded 7x7 conv and max-pool; 56 -> 28 -> 14, 14, 7, 4, 2 (odd sizes)
        + [('resnet18-imagenet', 'slow-excite', 'pre-add', 1, 56)],
    }
    for fname, cases in parity.items():
        out = [parity_case(*c) for c in cases]
        with open(os.path.join(OUT, f'parity_{fname}.json'), 'w') as f:
            json.dump({'generator': 'packages/models/reference/gen_fixtures.py',
                       'torch': torch.__version__, 'cases': out}, f)
            f.write('\n')
        for c in out:
            mx = max(abs(v) for row in c['logits'] for v in row)
            print('parity', c['model'], c['attention'], c['placement'], 'max|logit|', mx)


if __name__ == '__main__':
    main()
