"""Bilinear resize references from PyTorch for the augmentation tests.

Run from packages/datasets with an interpreter that has torch (1.13 works):
    /usr/bin/python3 reference/make_resize_fixtures.py
torch.nn.functional.interpolate(mode='bilinear', align_corners=False, antialias=False) is the
reference: resize-then-center-crop (64 -> 56 on a 32x32 image, the same path as 256 -> 224) and
a fixed crop window resized to 24x24 (the RandomResizedCrop path once the window is drawn).
Writes src/__fixtures__/resize.bin: the uint8 input, then float32 outputs (pixels in 0-255, HWC).
"""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(3)
img = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
x = torch.tensor(img, dtype=torch.float64).permute(2, 0, 1)[None]

# Resize the shorter side to 64, then take the centred 56x56 window.
big = F.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False)
top = int(round((64 - 56) / 2.0))
center = big[0, :, top : top + 56, top : top + 56].permute(1, 2, 0).numpy()

# Window rows 3..22, cols 5..19 (h=20, w=15), resized to 24x24.
win = x[:, :, 3:23, 5:20]
rrc = F.interpolate(win, size=(24, 24), mode="bilinear", align_corners=False)[0].permute(1, 2, 0).numpy()

with open("src/__fixtures__/resize.bin", "wb") as fh:
    fh.write(img.tobytes())
    fh.write(center.astype(np.float32).tobytes())
    fh.write(rrc.astype(np.float32).tobytes())
print("wrote src/__fixtures__/resize.bin")
