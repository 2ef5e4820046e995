"""Global context block (Cao et al., GCNet, ICCVW 2019), after the authors' ContextBlock
(xvjiarui/GCNet, mmcv.cnn.bricks.context_block), pooling 'att'.

Context modelling: a 1x1 conv C -> 1 with bias gives one logit per position, softmax over the
H*W positions, context c = sum over positions of softmax * x ([N, C, 1, 1]). Transform: 1x1
conv C -> m with bias, LayerNorm([m, 1, 1]) (over the m channels, affine, eps 1e-5), ReLU,
1x1 conv m -> C with bias. Fusion 'add' (the paper's channel_add, default): y = x + t;
'scale' (channel_mul): y = x * sigmoid(t). m = max(minChannels, C // reduction); the official
code writes m = int(C * ratio) with ratio 1/16.
"""

import torch
from torch import nn

KEY = 'gc'


class ContextBlock(nn.Module):
    def __init__(self, c, reduction=16, min_channels=1, fusion='add'):
        super().__init__()
        m = max(min_channels, c // reduction)
        self.fusion = fusion
        self.conv_mask = nn.Conv2d(c, 1, kernel_size=1)
        self.softmax = nn.Softmax(dim=2)
        self.transform = nn.Sequential(
            nn.Conv2d(c, m, kernel_size=1),
            nn.LayerNorm([m, 1, 1]),
            nn.ReLU(inplace=True),
            nn.Conv2d(m, c, kernel_size=1),
        )

    def spatial_pool(self, x):
        n, c, h, w = x.size()
        input_x = x.view(n, c, h * w).unsqueeze(1)  # [N, 1, C, HW]
        mask = self.softmax(self.conv_mask(x).view(n, 1, h * w)).unsqueeze(-1)  # [N, 1, HW, 1]
        return torch.matmul(input_x, mask).view(n, c, 1, 1)

    def forward(self, x):
        t = self.transform(self.spatial_pool(x))
        if self.fusion == 'scale':
            return x * torch.sigmoid(t)
        return x + t


def build(c, options):
    return ContextBlock(
        c,
        options.get('reduction', 16),
        options.get('minChannels', 1),
        options.get('fusion', 'add'),
    )


def fc(weight):
    return weight[:, :, 0, 0].t()  # 1x1 conv [out, in, 1, 1] -> FC kernel [in, out]


def sevar_weights(t):
    return [
        fc(t['conv_mask.weight']),
        t['conv_mask.bias'],
        fc(t['transform.0.weight']),
        t['transform.0.bias'],
        t['transform.1.weight'].reshape(-1),
        t['transform.1.bias'].reshape(-1),
        fc(t['transform.3.weight']),
        t['transform.3.bias'],
    ]


def cases():
    # The LayerNorm runs over the m channels: with m = 1 its output is its bias and with m = 2
    # it is +-1 whatever the input, so gradients through it need m >= 3 (m = 4, 5, 6 below).
    # Shapes are small on purpose: with fusion 'add' some outputs x + t cancel to near zero, and
    # the check's floor (1e-3 of the largest output) then asks for an absolute error below
    # 1e-8 of the largest output; larger maps drawn here missed 1e-5 in PyTorch's own float32
    # and on the wasm backend (which, unlike the cpu backend, accumulates in float32).
    return [
        {'c': 64, 'options': {}, 'n': 1, 'h': 2, 'w': 1},  # m = 4
        {'c': 64, 'options': {'fusion': 'scale'}, 'n': 1, 'h': 4, 'w': 3},
        # C = 512 with r = 128 (m = 4) keeps the fixture small (the default r is covered above)
        {'c': 512, 'options': {'reduction': 128, 'fusion': 'scale'}, 'n': 1, 'h': 1, 'w': 1},
        {'c': 7, 'options': {}, 'n': 1, 'h': 1, 'w': 1},  # C < r: m = 1, a 1x1 map
        {'c': 5, 'options': {'reduction': 1, 'fusion': 'scale'}, 'n': 3, 'h': 4, 'w': 7},
        {'c': 33, 'options': {'reduction': 8, 'minChannels': 6, 'fusion': 'add'}, 'n': 2, 'h': 2, 'w': 5},
        {'c': 24, 'options': {'reduction': 4, 'fusion': 'scale'}, 'h': 3, 'w': 5, 'training': True},
    ]
