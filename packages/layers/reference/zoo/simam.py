"""SimAM (Yang et al., ICML 2021), after the authors' simam_module.py (ZjjConan/SimAM).

Parameter-free: with n = H*W - 1 and d = (x - mean_HW x)^2 per channel,
e = d / (4 * (sum_HW d / n + lambda)) + 0.5 and y = x * sigmoid(e); lambda defaults to 1e-4.
"""

import torch
from torch import nn

KEY = 'simam'


class SimAM(nn.Module):
    def __init__(self, e_lambda=1e-4):
        super().__init__()
        self.e_lambda = e_lambda

    def forward(self, x):
        _, _, h, w = x.size()
        n = w * h - 1
        d = (x - x.mean(dim=[2, 3], keepdim=True)).pow(2)
        y = d / (4 * (d.sum(dim=[2, 3], keepdim=True) / n + self.e_lambda)) + 0.5
        return x * torch.sigmoid(y)


def build(c, options):
    return SimAM(options.get('lambda', 1e-4))


def sevar_weights(t):
    return []


def cases():
    return [
        {'c': 64, 'options': {}, 'n': 1, 'h': 3, 'w': 4},
        {'c': 512, 'options': {}, 'n': 1, 'h': 1, 'w': 2},  # H*W = 2, the smallest allowed
        {'c': 7, 'options': {}, 'h': 5, 'w': 6},
        {'c': 3, 'options': {'lambda': 0.5}, 'n': 3, 'h': 4, 'w': 7},
        {'c': 33, 'options': {'lambda': 1e-2}, 'h': 6, 'w': 2},
        {'c': 16, 'options': {'lambda': 10}, 'h': 2, 'w': 3},
    ]
