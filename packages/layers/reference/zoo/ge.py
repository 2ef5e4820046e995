"""Gather-excite θ⁻ (Hu et al., NeurIPS 2018), the parameter-free variant. The authors' official
code (GENet, Caffe) ships only part of the variants; this follows the paper's θ⁻: gather by
average pooling with extent e (global for e = 0; else kernel 2e - 1, stride e, padding e - 1
left out of each average), excite by nearest-neighbour interpolation back to H x W and a
sigmoid, y = x * gate. The padding and interpolation match the usual PyTorch rendering
(F.avg_pool2d(count_include_pad=False), F.interpolate(mode='nearest')).

The nearest rows are the ones F.interpolate reads in float32, as a float32 model does: in
float64 with more than one channel, PyTorch 1.13 computes the source index in double instead
and can read the neighbouring row (14 rows resized to 92: row 46 reads row 7, not 6).
"""

import torch
import torch.nn.functional as F
from torch import nn

KEY = 'ge'


def nearest_rows(size_in, size_out):
    """The source rows F.interpolate(mode='nearest') reads on a float32 tensor."""
    rows = torch.arange(size_in, dtype=torch.float32).view(1, 1, size_in, 1)
    return F.interpolate(rows, size=(size_out, 1), mode='nearest').view(-1).long()


class GatherExcite(nn.Module):
    def __init__(self, extent=0):
        super().__init__()
        self.extent = extent

    def forward(self, x):
        if self.extent == 0:
            context = x.mean(dim=(2, 3), keepdim=True)
        else:
            e = self.extent
            context = F.avg_pool2d(x, 2 * e - 1, stride=e, padding=e - 1, count_include_pad=False)
            h, w = x.shape[-2:]
            context = context.index_select(2, nearest_rows(context.shape[2], h))
            context = context.index_select(3, nearest_rows(context.shape[3], w))
        return x * torch.sigmoid(context)


def build(c, options):
    return GatherExcite(options.get('extent', 0))


def sevar_weights(t):
    return []


def cases():
    return [
        {'c': 16, 'options': {}},
        {'c': 512, 'options': {}, 'n': 1, 'h': 2, 'w': 1},
        {'c': 7, 'options': {}, 'h': 1, 'w': 1},  # a 1x1 map
        {'c': 5, 'options': {'extent': 1}, 'h': 3, 'w': 4},  # kernel 1: gate σ(x)
        {'c': 5, 'options': {'extent': 2}, 'h': 5, 'w': 6},  # 5 -> 3 -> 5, 6 -> 3 -> 6
        {'c': 3, 'options': {'extent': 3}, 'n': 3, 'h': 7, 'w': 4},  # 7 -> 3 -> 7, 4 -> 2 -> 4
        {'c': 4, 'options': {'extent': 4}, 'h': 1, 'w': 9},  # 1x1 pooled rows, 9 -> 3 -> 9
        {'c': 33, 'options': {'extent': 8}, 'h': 6, 'w': 3},  # one window covers the map
        # 92 rows -> 14 -> 92: float32 PyTorch reads row 6 at row 46 (exact arithmetic: 7).
        {'c': 2, 'options': {'extent': 7}, 'n': 1, 'h': 92, 'w': 2},
    ]
