"""ECA-Net (Wang et al., CVPR 2020), after the authors' eca_module.py: GAP, a 1-D convolution
across channels with zero padding (k - 1) / 2 and no bias, sigmoid, x * gate."""

import math

from torch import nn

KEY = 'eca'


def adaptive_kernel(c, gamma=2, b=1):
    t = int(abs((math.log2(c) + b) / gamma))
    return t if t % 2 else t + 1


class Eca(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, kernel_size=k, padding=(k - 1) // 2, bias=False)

    def forward(self, x):
        y = x.mean(dim=(2, 3), keepdim=True)  # [N, C, 1, 1]
        y = self.conv(y.squeeze(-1).transpose(-1, -2)).transpose(-1, -2).unsqueeze(-1)
        return x * y.sigmoid().expand_as(x)


def build(c, options):
    return Eca(c, options.get('kernelSize', adaptive_kernel(c)))


def sevar_weights(t):
    return [t['conv.weight'].permute(2, 1, 0)]  # [1, 1, k] -> [k, 1, 1]


def cases():
    return [
        {'c': 64, 'options': {}},  # adaptive k = 3
        {'c': 512, 'options': {}, 'h': 2, 'w': 3},  # adaptive k = 5
        {'c': 7, 'options': {}, 'h': 1, 'w': 1},  # adaptive k = 1, a 1x1 map
        {'c': 3, 'options': {'kernelSize': 5}, 'h': 4, 'w': 7},  # k wider than C
        {'c': 33, 'options': {'kernelSize': 7}, 'n': 3, 'h': 6, 'w': 2},
    ]
