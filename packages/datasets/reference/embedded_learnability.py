"""Checks that the embedded dataset is learnable but not trivial, independently of tfjs.

Reads the CIFAR-format bytes written by `node bench/write-embedded.mjs <dir>` and trains the
SPEC's cnn3 with PyTorch (Adadelta lr 1.0, batch 64) for a few epochs on CPU.
Run with an interpreter that has torch:  python3 reference/embedded_learnability.py <dir>
"""
import sys
import time

import numpy as np
import torch
import torch.nn as nn

d = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def load(name):
    raw = np.fromfile(f"{d}/{name}", dtype=np.uint8).reshape(-1, 3073)
    x = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    x = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / x.std(axis=(0, 2, 3), keepdims=True)
    return torch.tensor(x), torch.tensor(raw[:, 0].astype(np.int64))


xtr, ytr = load("train.bin")
xte, yte = load("test.bin")
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
    nn.Linear(64 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10),
)
opt = torch.optim.Adadelta(net.parameters(), lr=1.0)
t0 = time.time()
for ep in range(epochs):
    perm = torch.randperm(len(xtr))
    net.train()
    for i in range(0, len(xtr), 64):
        b = perm[i : i + 64]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xtr[b]), ytr[b])
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        acc_tr = (net(xtr).argmax(1) == ytr).float().mean().item()
        acc_te = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"epoch {ep + 1}: train acc {acc_tr:.3f} test acc {acc_te:.3f} ({time.time() - t0:.1f}s)")
