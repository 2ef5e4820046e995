"""Checks that the embedded dataset is learnable but not trivial, independently of tfjs.

Reads the CIFAR-format bytes written by `node bench/write-embedded.mjs <dir>` and trains the
SPEC's cnn3 with PyTorch on CPU, one thread, printing train and test accuracy after each epoch.
Run with an interpreter that has torch:

    python3 reference/embedded_learnability.py <dir> 6
        Adadelta lr 1.0, batch 64, all 5,000 train images (the README's first numbers)
    python3 reference/embedded_learnability.py <dir> 2 --optimizer adam --lr 0.002 \
        --batch 32 --limit 2048 --seed 0      (then --seed 1, --seed 2)

Inputs are standardized per channel with the training images' mean and std.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("epochs", nargs="?", type=int, default=5)
p.add_argument("--optimizer", choices=["adadelta", "adam"], default="adadelta")
p.add_argument("--lr", type=float, default=None, help="default 1.0 (adadelta), 0.002 (adam)")
p.add_argument("--batch", type=int, default=64)
p.add_argument("--limit", type=int, default=None, help="train on the first N images only")
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()

torch.set_num_threads(1)


def load(name):
    raw = np.fromfile(f"{args.dir}/{name}", dtype=np.uint8).reshape(-1, 3073)
    x = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    return x, raw[:, 0].astype(np.int64)


xtr, ytr = load("train.bin")
xte, yte = load("test.bin")
if args.limit is not None:
    xtr, ytr = xtr[: args.limit], ytr[: args.limit]
mean = xtr.mean(axis=(0, 2, 3), keepdims=True)
std = xtr.std(axis=(0, 2, 3), keepdims=True)
xtr, xte = torch.tensor((xtr - mean) / std), torch.tensor((xte - mean) / std)
ytr, yte = torch.tensor(ytr), torch.tensor(yte)

torch.manual_seed(args.seed)
net = nn.Sequential(
    nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
    nn.Linear(64 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10),
)
if args.optimizer == "adam":
    opt = torch.optim.Adam(net.parameters(), lr=0.002 if args.lr is None else args.lr)
else:
    opt = torch.optim.Adadelta(net.parameters(), lr=1.0 if args.lr is None else args.lr)
print(
    f"{args.optimizer} lr {opt.defaults['lr']} batch {args.batch}, {len(xtr)} train images, "
    f"seed {args.seed}"
)
t0 = time.time()
for ep in range(args.epochs):
    perm = torch.randperm(len(xtr))
    net.train()
    for i in range(0, len(xtr), args.batch):
        b = perm[i : i + args.batch]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xtr[b]), ytr[b])
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        acc_tr = (net(xtr).argmax(1) == ytr).float().mean().item()
        acc_te = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"epoch {ep + 1}: train acc {acc_tr:.3f} test acc {acc_te:.3f} ({time.time() - t0:.1f}s)")
