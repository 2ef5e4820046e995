"""eSE, effective squeeze-excitation (Lee & Park, CenterMask, CVPR 2020; VoVNetV2), after the
authors' eSEModule in vovnet-detectron2: GAP, one 1x1 convolution C -> C with bias (no channel
reduction), hard sigmoid relu6(v + 3) / 6, x * gate."""

import torch.nn.functional as F
from torch import nn

KEY = 'ese'


class Ese(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Conv2d(c, c, kernel_size=1, padding=0)

    def forward(self, x):
        y = x.mean(dim=(2, 3), keepdim=True)
        y = F.relu6(self.fc(y) + 3.0) / 6.0
        return x * y


def build(c, options):
    return Ese(c)


def sevar_weights(t):
    # [out, in, 1, 1] -> [in, out]
    return [t['fc.weight'][:, :, 0, 0].t(), t['fc.bias']]


def cases():
    return [
        {'c': 16, 'options': {}},
        # The C x C kernel and its gradient make C = 512 a 6.8 MB fixture: C = 80 keeps it small.
        {'c': 80, 'options': {}, 'n': 1, 'h': 1, 'w': 2},
        {'c': 7, 'options': {}, 'h': 1, 'w': 1},  # a 1x1 map
        {'c': 3, 'options': {}, 'h': 4, 'w': 7},
        {'c': 33, 'options': {}, 'n': 3, 'h': 6, 'w': 2},
    ]
