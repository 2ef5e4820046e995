"""SENetV2 (Narayanan, 2023, arXiv 2311.10807), after the author's se_v2.py (Keras): GAP, four
(`cardinality`) parallel Dense(C // r, ReLU) branches concatenated in branch order,
Dense(C, sigmoid), then x + x * gate. Written here with nn.Linear in NCHW.

Deviations, as the SPEC defines the module: the branch width is max(1, C // r) (the author's
code would build zero-unit layers for C < r), and `cardinality` is an option (the code fixes 4).
"""

import torch
from torch import nn

KEY = 'senetv2'


class SenetV2(nn.Module):
    def __init__(self, c, reduction=32, cardinality=4):
        super().__init__()
        m = max(1, c // reduction)
        self.branches = nn.ModuleList(nn.Linear(c, m) for _ in range(cardinality))
        self.fc = nn.Linear(cardinality * m, c)

    def forward(self, x):
        s = x.mean(dim=(2, 3))
        hidden = torch.cat([torch.relu(b(s)) for b in self.branches], dim=1)
        g = torch.sigmoid(self.fc(hidden))[:, :, None, None]
        return x + x * g


def build(c, options):
    return SenetV2(c, options.get('reduction', 32), options.get('cardinality', 4))


def sevar_weights(t):
    out = []
    i = 0
    while f'branches.{i}.weight' in t:
        out += [t[f'branches.{i}.weight'].t(), t[f'branches.{i}.bias']]
        i += 1
    return out + [t['fc.weight'].t(), t['fc.bias']]


def cases():
    # The parity test reads the weight count from the first case: the most weights come first.
    return [
        {'c': 16, 'options': {'reduction': 2, 'cardinality': 6}, 'h': 3, 'w': 5},
        {'c': 64, 'options': {}, 'h': 3, 'w': 4},  # m = 2
        # C = 512 with the default r and cardinality is a 1.8 MB fixture: narrower branches.
        {'c': 512, 'options': {'reduction': 256, 'cardinality': 1}, 'n': 1, 'h': 1, 'w': 2},
        {'c': 7, 'options': {}, 'h': 1, 'w': 1},  # C < r: m = 1, a 1x1 map
        {'c': 33, 'options': {'reduction': 4, 'cardinality': 2}, 'n': 3, 'h': 3, 'w': 2},
        {'c': 20, 'options': {'reduction': 16, 'cardinality': 3}, 'h': 4, 'w': 7},
    ]
