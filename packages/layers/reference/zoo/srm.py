"""SRM: style-based recalibration (Lee et al., ICCV 2019), after the authors' srm_module
(hyunjaelee410/style-based-recalibration-module).

Style pooling per channel: the mean over H x W and the standard deviation sqrt(var + 1e-5) with
torch's default UNBIASED variance (divided by H*W - 1). Style integration: channel-wise fully
connected z = cfc[:, 0] * mean + cfc[:, 1] * std (cfc [C, 2], initialised to zeros), then
BatchNorm2d(C) over the [N, C, 1, 1] map (statistics over the batch), sigmoid, x * g.

BatchNorm2d keeps PyTorch's default momentum 0.1, as the official code does.
"""

import torch
from torch import nn

KEY = 'srm'


class Srm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cfc = nn.Parameter(torch.zeros(c, 2))
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        n, c, _, _ = x.size()
        flat = x.view(n, c, -1)
        mean = flat.mean(dim=2, keepdim=True)
        std = (flat.var(dim=2, keepdim=True) + 1e-5).sqrt()  # unbiased variance
        t = torch.cat((mean, std), dim=2)  # [N, C, 2]
        z = torch.sum(t * self.cfc[None, :, :], dim=2)[:, :, None, None]
        return x * torch.sigmoid(self.bn(z))


def build(c, options):
    return Srm(c)


def sevar_weights(t):
    return [t['cfc'], t['bn.weight'], t['bn.bias'], t['bn.running_mean'], t['bn.running_var']]


def cases():
    # Training cases use batches of 8 and more: the BN normalises each channel over the batch
    # alone, and over 2 or 3 samples its gradient is too ill-conditioned for a float32 check.
    return [
        {'c': 64, 'options': {}, 'n': 1, 'h': 3, 'w': 4},
        {'c': 32, 'options': {}, 'n': 8, 'h': 2, 'w': 2, 'training': True},
        {'c': 512, 'options': {}, 'n': 1, 'h': 1, 'w': 2},  # H*W = 2, the smallest allowed
        {'c': 16, 'options': {}, 'n': 16, 'h': 2, 'w': 1, 'training': True},
        {'c': 7, 'options': {}, 'n': 12, 'h': 2, 'w': 5, 'training': True},
        {'c': 3, 'options': {}, 'h': 7, 'w': 4},
        {'c': 33, 'options': {}, 'h': 6, 'w': 2},
    ]
