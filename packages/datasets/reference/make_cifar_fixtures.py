"""Writes tiny CIFAR-10 / CIFAR-100 binary fixtures and the NHWC arrays they must parse to.

Run from packages/datasets:  python3 reference/make_cifar_fixtures.py
The records are assembled with numpy (label column + CHW planes, concatenated), and the
expected NHWC arrays come from a numpy transpose: a different path from the TS parser.
"""
import os

import numpy as np

OUT = "src/node/__fixtures__/cifar"
rng = np.random.default_rng(10)


def records(n, label_cols):
    chw = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
    labels = np.stack(label_cols, axis=1).astype(np.uint8)
    raw = np.concatenate([labels, chw.reshape(n, -1)], axis=1)
    return raw.tobytes(), chw.transpose(0, 2, 3, 1).copy()  # NHWC


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


# CIFAR-10: 5 train batches of 2-4 records, a test batch of 3.
nhwc_train, labels_train = [], []
for b in range(1, 6):
    n = 1 + b % 3 + 1
    lab = rng.integers(0, 10, size=n)
    raw, nhwc = records(n, [lab])
    write(f"{OUT}/cifar-10-batches-bin/data_batch_{b}.bin", raw)
    nhwc_train.append(nhwc)
    labels_train.append(lab)
lab = np.array([9, 0, 3])
raw, nhwc_test = records(3, [lab])
write(f"{OUT}/cifar-10-batches-bin/test_batch.bin", raw)
write(f"{OUT}/expected/c10_train_images.bin", np.concatenate(nhwc_train).tobytes())
write(f"{OUT}/expected/c10_train_labels.bin", np.concatenate(labels_train).astype(np.uint8).tobytes())
write(f"{OUT}/expected/c10_test_images.bin", nhwc_test.tobytes())
write(f"{OUT}/expected/c10_test_labels.bin", lab.astype(np.uint8).tobytes())

# CIFAR-100: coarse byte then fine byte.
for split, n in (("train", 4), ("test", 2)):
    fine = rng.integers(0, 100, size=n)
    fine[0] = 99
    coarse = rng.integers(0, 20, size=n)
    raw, nhwc = records(n, [coarse, fine])
    write(f"{OUT}/cifar-100-binary/{split}.bin", raw)
    write(f"{OUT}/expected/c100_{split}_images.bin", nhwc.tobytes())
    write(f"{OUT}/expected/c100_{split}_fine.bin", fine.astype(np.uint8).tobytes())
    write(f"{OUT}/expected/c100_{split}_coarse.bin", coarse.astype(np.uint8).tobytes())
print("wrote", OUT)
