"""CBAM (Woo et al., ECCV 2018), after the authors' MODELS/cbam.py (Jongchan/attention-module).

Channel gate: one MLP, Linear(C, m) ReLU Linear(m, C) with biases, shared by the average- and
max-pooled vectors; the two outputs are summed, then sigmoid. Spatial gate on the channel-gated
x': ChannelPool concatenates [max over C, mean over C] (max first), a k x k convolution 2 -> 1 with
padding (k - 1) / 2 and no bias, BatchNorm2d(1) (eps 1e-5, affine), no ReLU, sigmoid.

The official code builds that BN with momentum 0.01; this reference keeps PyTorch's default 0.1,
as @sevar/layers does for every module's batch norm.
"""

import torch
from torch import nn

KEY = 'cbam'


class ChannelGate(nn.Module):
    def __init__(self, c, m):
        super().__init__()
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(c, m), nn.ReLU(), nn.Linear(m, c))

    def forward(self, x):
        avg = self.mlp(x.mean(dim=(2, 3), keepdim=True))
        mx = self.mlp(x.amax(dim=(2, 3), keepdim=True))
        return x * torch.sigmoid(avg + mx)[:, :, None, None]


class SpatialGate(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size=k, padding=(k - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(1, eps=1e-5, affine=True)

    def forward(self, x):
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.bn(self.conv(pooled)))


class Cbam(nn.Module):
    def __init__(self, c, reduction=16, kernel_size=7, min_channels=1):
        super().__init__()
        self.channel = ChannelGate(c, max(min_channels, c // reduction))
        self.spatial = SpatialGate(kernel_size)

    def forward(self, x):
        return self.spatial(self.channel(x))


def build(c, options):
    return Cbam(
        c,
        options.get('reduction', 16),
        options.get('kernelSize', 7),
        options.get('minChannels', 1),
    )


def sevar_weights(t):
    return [
        t['channel.mlp.1.weight'].t(),  # [m, C] -> [C, m]
        t['channel.mlp.1.bias'],
        t['channel.mlp.3.weight'].t(),  # [C, m] -> [m, C]
        t['channel.mlp.3.bias'],
        t['spatial.conv.weight'].permute(2, 3, 1, 0),  # [1, 2, k, k] -> [k, k, 2, 1]
        t['spatial.bn.weight'],
        t['spatial.bn.bias'],
        t['spatial.bn.running_mean'],
        t['spatial.bn.running_var'],
    ]


def cases():
    return [
        {'c': 64, 'options': {}, 'n': 1, 'h': 3, 'w': 4},  # m = 4
        {'c': 32, 'options': {}, 'h': 4, 'w': 3, 'training': True},  # m = 2
        # C = 512 with r = 256 (m = 2) keeps the fixture small; the default r is covered above.
        {'c': 512, 'options': {'reduction': 256}, 'n': 1, 'h': 1, 'w': 2},
        {'c': 7, 'options': {}, 'h': 1, 'w': 1},  # C < r: m = 1, a 1x1 map
        {'c': 5, 'options': {'reduction': 2, 'kernelSize': 3}, 'n': 3, 'h': 4, 'w': 7, 'training': True},
        {'c': 33, 'options': {'reduction': 8, 'kernelSize': 1}, 'h': 3, 'w': 2},
        {'c': 24, 'options': {'kernelSize': 5, 'minChannels': 4}, 'h': 3, 'w': 5, 'training': True},
    ]
