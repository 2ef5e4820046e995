"""Independent PyTorch reference for the SE variants of @sevar/layers.

Run from the repository root with Debian's torch (apt-get install python3-torch):

    /usr/bin/python3 packages/layers/reference/gen_fixtures.py

Writes packages/layers/src/__fixtures__/parity.json: for each case, the NHWC input, the weights in
@sevar/layers order (per FC: kernel [in, out], bias [out]) and the NHWC output computed by the
modules below, which follow the paper's definitions written out in PyTorch (NCHW, nn.Linear).
The reference runs in float64 on float32-representable inputs and weights, so the fixture holds
the exact answer that a float32 implementation should approach.
"""

import json
import os

import torch
from torch import nn


def widths(variant, c, r=16, min_channels=1, mid_divisor=2, hidden=None):
    if hidden is not None:
        return [c, *hidden, c]
    m = max(min_channels, c // r)
    h = max(min_channels, c // (r // mid_divisor)) if r // mid_divisor >= 1 else None
    pattern = {
        'se': [m],
        'slow-squeeze': [h, m],
        'slow-excite': [m, h],
        'slow-squeeze-slow-excite': [h, m, h],
        'bump': [m, m],
    }[variant]
    return [c, *pattern, c]


class Attention(nn.Module):
    """Global average pool -> Linear/ReLU stack -> gate -> x * gate (NCHW)."""

    def __init__(self, fc_widths, gate='sigmoid', bump_conv=False, residual=False):
        super().__init__()
        self.residual = residual
        self.fcs = nn.ModuleList()
        for i in range(len(fc_widths) - 1):
            if bump_conv and i == 1:
                self.fcs.append(nn.Conv2d(fc_widths[1], fc_widths[2], 3, padding=1))
            else:
                self.fcs.append(nn.Linear(fc_widths[i], fc_widths[i + 1]))
        self.gate = nn.Sigmoid() if gate == 'sigmoid' else nn.Hardsigmoid()

    def forward(self, x):
        n, c = x.shape[:2]
        s = x.mean(dim=(2, 3))
        for i, fc in enumerate(self.fcs):
            if isinstance(fc, nn.Conv2d):
                s = fc(s.view(n, -1, 1, 1)).view(n, -1)
            else:
                s = fc(s)
            if i < len(self.fcs) - 1:
                s = torch.relu(s)
        gated = x * self.gate(s).view(n, c, 1, 1)
        # gate='residual': y = x + x * g, the form SENetV2's author uses in his SE code.
        return x + gated if self.residual else gated


def short(values):
    # 9 significant digits round-trip float32 exactly and keep the outputs' rounding far below 1e-5.
    return [float(format(v, '.9g')) for v in values]


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def case(variant, c, r=16, n=2, h=3, w=4, seed=0, **opts):
    torch.manual_seed(seed)
    fc_widths = widths(
        variant, c, r, opts.get('minChannels', 1), opts.get('midDivisor', 2), opts.get('hiddenUnits')
    )
    bump_conv = opts.get('bumpKind') == 'conv3x3'
    residual = opts.get('gate') == 'residual'
    mod = Attention(fc_widths, opts.get('gateActivation', 'sigmoid'), bump_conv, residual).double()
    weights = []
    with torch.no_grad():
        for fc in mod.fcs:
            # Variance-preserving weights (std 1/sqrt(fan_in)) and sizeable biases: gates spread
            # over (0, 1) instead of sitting at 0.5, as in a trained network.
            fan_in = fc.weight[0].numel()
            fc.weight.copy_(f32(torch.randn_like(fc.weight) * 1.5 / fan_in**0.5))
            fc.bias.copy_(f32(torch.randn_like(fc.bias) * 0.5))
            if isinstance(fc, nn.Conv2d):
                kernel = fc.weight.permute(2, 3, 1, 0)  # [out, in, kh, kw] -> [kh, kw, in, out]
            else:
                kernel = fc.weight.t()  # [out, in] -> [in, out]
            weights.append({'shape': list(kernel.shape), 'values': short(kernel.reshape(-1).tolist())})
            weights.append({'shape': list(fc.bias.shape), 'values': short(fc.bias.tolist())})
        x = f32(torch.randn(n, c, h, w) * 2 + 0.3)
        y = mod(x)
    nhwc = lambda t: t.permute(0, 2, 3, 1)
    return {
        'variant': variant,
        'options': {'reduction': r, **opts},
        'fcWidths': fc_widths,
        'inputShape': [n, h, w, c],
        'input': short(nhwc(x).reshape(-1).tolist()),
        'weights': weights,
        'output': short(nhwc(y).reshape(-1).tolist()),
    }


def main():
    variants = ['se', 'slow-squeeze', 'slow-excite', 'slow-squeeze-slow-excite', 'bump']
    cases = []
    seed = 0
    for variant in variants:
        # Several C and r, odd sizes included; r=2 is the smallest legal r for the slow variants.
        for c, r in [(64, 16), (37, 4), (3, 2), (96, 8), (16, 16), (24, 7)]:
            seed += 1
            cases.append(case(variant, c, r, seed=seed))
    extras = [
        ('se', 32, 8, {'minChannels': 8}),
        ('slow-excite', 20, 16, {'minChannels': 3}),
        ('slow-squeeze', 48, 12, {'midDivisor': 3}),
        ('slow-squeeze-slow-excite', 33, 4, {'hiddenUnits': [9, 5, 11]}),
        ('se', 40, 4, {'gateActivation': 'hard-sigmoid'}),
        ('bump', 32, 4, {'bumpKind': 'conv3x3'}),
        ('bump', 17, 2, {'bumpKind': 'conv3x3', 'gateActivation': 'hard-sigmoid'}),
        ('se', 64, 16, {'gate': 'residual'}),
        ('slow-squeeze', 37, 4, {'gate': 'residual'}),
        ('slow-excite', 24, 8, {'gate': 'residual', 'gateActivation': 'hard-sigmoid'}),
        ('slow-squeeze-slow-excite', 33, 4, {'gate': 'residual'}),
        ('bump', 32, 4, {'gate': 'residual', 'bumpKind': 'conv3x3'}),
    ]
    for variant, c, r, opts in extras:
        seed += 1
        cases.append(case(variant, c, r, seed=seed, **opts))
    out = os.path.join(os.path.dirname(__file__), '..', 'src', '__fixtures__', 'parity.json')
    with open(out, 'w') as f:
        json.dump({'generator': 'packages/layers/reference/gen_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)
    print(f'wrote {len(cases)} cases to {os.path.relpath(out)}')


if __name__ == '__main__':
    main()
