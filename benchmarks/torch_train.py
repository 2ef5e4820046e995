"""PyTorch CPU reference for `pnpm bench:train`: the same cnn3 / resnet18 (cifar stem) as
@sevar/models, optional SE on the same placement, one SGD-momentum training step per batch.
ResNet-50 (cifar stem), MobileNetV2/V3 and EfficientNet-B0 are torchvision's own modules with
the attention site of @sevar/models (packages/models/reference/gen_zoo_fixtures.py).

Usage: /usr/bin/python3 benchmarks/torch_train.py --model cnn3 --attention se --batch 64 \
           --warmup 2 --steps 10 --max-seconds 60 --threads 2
Prints one JSON line: images/s (median step), inference images/s, peak RSS.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


class SE(nn.Module):
    def __init__(self, c, r=16):
        super().__init__()
        m = max(1, c // r)
        self.fc1 = nn.Linear(c, m)
        self.fc2 = nn.Linear(m, c)

    def forward(self, x):
        s = x.mean(dim=(2, 3))
        g = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * g[:, :, None, None]


class Cnn3(nn.Module):
    def __init__(self, attention, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.att = SE(64) if attention == 'se' else nn.Identity()
        self.conv3 = nn.Conv2d(64, 64, 3)
        self.fc1 = nn.Linear(64 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(self.att(F.relu(self.conv2(x))), 2)
        x = F.relu(self.conv3(x))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride, attention):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.att = SE(cout) if attention == 'se' else nn.Identity()
        self.short = nn.Identity()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.att(self.bn2(self.conv2(y)))
        return F.relu(y + self.short(x))


class ResNet18(nn.Module):
    def __init__(self, attention, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        layers, cin = [], 64
        for i, cout in enumerate([64, 128, 256, 512]):
            for j in range(2):
                layers.append(Block(cin, cout, 2 if (i > 0 and j == 0) else 1, attention))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(x.mean(dim=(2, 3)))


def build(name, attention):
    if name in ('cnn3', 'resnet18'):
        return (Cnn3 if name == 'cnn3' else ResNet18)(attention)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, '..', 'packages', 'models', 'reference'))
    from gen_zoo_fixtures import build as build_zoo  # noqa: E402 (needs torchvision)

    torch_name = 'resnet50-cifar' if name == 'resnet50' else name
    return build_zoo(torch_name, None if attention == 'none' else attention, 10)


def timed(fn, warmup, steps, max_seconds):
    for _ in range(warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < steps and (len(times) < 2 or time.perf_counter() - start < max_seconds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', default='cnn3')
    p.add_argument('--attention', default='none')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--max-seconds', type=float, default=60)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build(a.model, a.attention)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (a.batch,))

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    train_s, train_n = timed(train_step, a.warmup, a.steps, a.max_seconds)
    model.eval()
    with torch.no_grad():
        infer_s, infer_n = timed(lambda: model(x).sum().item(), a.warmup, a.steps, a.max_seconds)
    print(json.dumps({
        'framework': 'pytorch',
        'version': torch.__version__,
        'model': a.model,
        'attention': a.attention,
        'batch': a.batch,
        'trainImagesPerSec': a.batch / train_s,
        'trainSteps': train_n,
        'inferImagesPerSec': a.batch / infer_s,
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == '__main__':
    main()
