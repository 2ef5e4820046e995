"""torchvision reference for the beyond-the-paper models of @sevar/models.

ResNet-50, MobileNetV2, MobileNetV3 small/large and EfficientNet-B0 are torchvision's own module
definitions (Debian's python3-torchvision 0.14 is enough); only the attention site is changed:
the built-in SE of MobileNetV3/EfficientNet removed or replaced, or a module inserted where
SPEC.md ("Beyond the paper: models") puts it. Writes into ../src/__fixtures__/:

* zoo_param_counts.json: trainable parameters, BN statistics and multiply-accumulates per image
  (forward hooks on Conv2d / Linear) for every model x attention x class count.
* zoo_parity.json: forward-parity cases. Weights, BN running statistics and inputs are generated
  from the integer hash of gen_fixtures.py (which the TypeScript test reimplements); for every
  tensor the fixture names the tfjs weight it belongs to and the transpose/reshape that turns the
  PyTorch layout into tfjs's. Only the expected logits are stored.

Run from the repository root: /usr/bin/python3 packages/models/reference/gen_zoo_fixtures.py
(`--counts-only` rewrites only zoo_param_counts.json).
"""

import importlib.util
import json
import os
import sys

import torch
from torch import nn
import torchvision
from torchvision.ops.misc import Conv2dNormActivation, SqueezeExcitation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import OUT, Attention, macs_per_image, trainable, values  # noqa: E402

torch.set_num_threads(2)
MODELS = ['resnet50', 'mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large', 'efficientnet_b0']
BUILT_IN = {'mobilenet_v3_small', 'mobilenet_v3_large', 'efficientnet_b0'}
MAC_COMPARED = {None, 'built-in', 'se'}


PAPER_VARIANTS = {'se', 'slow-squeeze', 'slow-excite', 'slow-squeeze-slow-excite', 'bump'}
ZOO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'layers', 'reference', 'zoo')


def zoo_reference(key):
    """@sevar/layers' own PyTorch reference of zoo module `key` (layers/reference/zoo/<key>.py)."""
    spec = importlib.util.spec_from_file_location(f'zoo_{key}', os.path.join(ZOO_DIR, f'{key}.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class ZooAttention(nn.Module):
    """A zoo module with its @sevar/layers weight order (the reference's sevar_weights)."""

    def __init__(self, key, c):
        super().__init__()
        self.ref = zoo_reference(key)
        self.inner = self.ref.build(c, {})

    def forward(self, x):
        return self.inner(x)

    def sevar_weights(self):
        return self.ref.sevar_weights(dict(self.inner.state_dict()))


def make_attention(key, c):
    """The @sevar/layers module `key` for c channels (default options)."""
    return Attention(key, c) if key in PAPER_VARIANTS else ZooAttention(key, c)


# ---------------------------------------------------------------- models with their attention site


def build(model, attention, num_classes):
    """attention: 'built-in' (torchvision as is), None (no module) or a @sevar/layers key."""
    torch.manual_seed(0)
    stem = None
    if model.startswith('resnet50'):
        model, _, stem = model.partition('-')
    if attention == 'built-in' and model not in BUILT_IN:
        attention = None  # ResNet-50 and MobileNetV2 have no module of their own
    net = getattr(torchvision.models, model)(num_classes=num_classes)
    if model == 'resnet50':
        if stem == 'cifar':
            net.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            net.maxpool = nn.Identity()
        if attention is not None:
            for stage in [net.layer1, net.layer2, net.layer3, net.layer4]:
                for b in stage:
                    b.bn3 = nn.Sequential(b.bn3, make_attention(attention, b.bn3.num_features))
    elif model == 'mobilenet_v2':
        if attention is not None:
            for block in net.features[1:-1]:
                items = list(block.conv)
                k = next(i for i, m in enumerate(items) if is_depthwise(m))
                c = items[k][0].out_channels
                block.conv = nn.Sequential(*items[: k + 1], make_attention(attention, c), *items[k + 1:])
    else:
        blocks = net.features[1:-1]
        if model == 'efficientnet_b0':
            blocks = [b for stage in blocks for b in stage]
        for block in blocks:
            items = list(block.block)
            for i, m in enumerate(items):
                if isinstance(m, SqueezeExcitation) and attention != 'built-in':
                    items[i] = nn.Identity() if attention is None else make_attention(attention, m.fc1.in_channels)
            block.block = nn.Sequential(*items)
    return net


def is_depthwise(m):
    return isinstance(m, Conv2dNormActivation) and m[0].groups > 1


# ---------------------------------------------------------------- torch module -> tfjs layer name


def mobile_block(names, prefix, items):
    """expand CNA, depthwise CNA, attention, project (CNA, or Conv2d + BN) in forward order."""
    seen_dw = False
    for m in items:
        if is_depthwise(m):
            seen_dw = True
            cna(names, m, f'{prefix}_dw')
        elif isinstance(m, Conv2dNormActivation):
            cna(names, m, f'{prefix}_project' if seen_dw else f'{prefix}_expand')
        elif isinstance(m, (SqueezeExcitation, Attention, ZooAttention)):
            names[m] = f'{prefix}_attention'
        elif isinstance(m, nn.Conv2d):
            names[m] = f'{prefix}_project_conv'
        elif isinstance(m, nn.BatchNorm2d):
            names[m] = f'{prefix}_project_bn'


def cna(names, m, prefix):
    names[m[0]] = f'{prefix}_conv'
    names[m[1]] = f'{prefix}_bn'


def tfjs_names(model, net):
    names = {}
    if model.startswith('resnet50'):
        names[net.conv1], names[net.bn1], names[net.fc] = 'stem_conv', 'stem_bn', 'head_fc'
        for s, stage in enumerate([net.layer1, net.layer2, net.layer3, net.layer4]):
            for b, block in enumerate(stage):
                p = f'stage{s + 1}_block{b + 1}'
                for i in (1, 2, 3):
                    names[getattr(block, f'conv{i}')] = f'{p}_conv{i}'
                bn3 = block.bn3
                if isinstance(bn3, nn.Sequential):
                    names[bn3[1]] = f'{p}_attention'
                    bn3 = bn3[0]
                names[block.bn1], names[block.bn2], names[bn3] = f'{p}_bn1', f'{p}_bn2', f'{p}_bn3'
                if block.downsample is not None:
                    names[block.downsample[0]] = f'{p}_shortcut_conv'
                    names[block.downsample[1]] = f'{p}_shortcut_bn'
        return names
    cna(names, net.features[0], 'stem')
    cna(names, net.features[-1], 'head')
    blocks = list(net.features[1:-1])
    if model == 'efficientnet_b0':
        blocks = [b for stage in blocks for b in stage]
    for i, block in enumerate(blocks):
        mobile_block(names, f'block{i + 1}', block.conv if model == 'mobilenet_v2' else block.block)
    linears = [m for m in net.classifier if isinstance(m, nn.Linear)]
    if len(linears) == 2:
        names[linears[0]] = 'head_fc1'
    names[linears[-1]] = 'head_fc'
    return names


def tfjs_slot(module, layer, leaf, shape):
    """(tfjs weight name, transpose permutation, tfjs shape) of one PyTorch tensor."""
    if isinstance(module, nn.BatchNorm2d):
        w = {'weight': 'gamma', 'bias': 'beta', 'running_mean': 'moving_mean', 'running_var': 'moving_variance'}
        return f'{layer}/{w[leaf]}', None, shape
    if isinstance(module, nn.Linear):
        return (f'{layer}/kernel', [1, 0], shape[::-1]) if leaf == 'weight' else (f'{layer}/bias', None, shape)
    if isinstance(module, nn.Conv2d):
        co, ci, kh, kw = shape
        if module.groups > 1:  # depthwise [C, 1, KH, KW] -> [KH, KW, C, 1]
            return f'{layer}/depthwise_kernel', [2, 3, 0, 1], [kh, kw, co, 1]
        return f'{layer}/kernel', [2, 3, 1, 0], [kh, kw, ci, co]
    raise ValueError(f'no tfjs slot for {type(module).__name__} {layer}')


def attention_slot(module, layer, rest, shape):
    """Weights owned by one attention layer: `fc<i>/kernel` [in, out] and `fc<i>/bias`."""
    sub, leaf = rest.rsplit('.', 1)
    if isinstance(module, SqueezeExcitation):  # fc1 / fc2 are 1x1 convs [out, in, 1, 1]
        fc = sub
        if leaf == 'weight':
            return f'{layer}/{fc}/kernel', [2, 3, 1, 0], [shape[1], shape[0]]
        return f'{layer}/{fc}/bias', None, shape
    index = int(sub.split('.')[-1]) + 1  # Attention.fcs.<i>
    if leaf == 'weight':
        return f'{layer}/fc{index}/kernel', [1, 0], shape[::-1]
    return f'{layer}/fc{index}/bias', None, shape


def fill_range(module, leaf, t):
    if isinstance(module, nn.BatchNorm2d):
        return {'running_mean': (-0.2, 0.2), 'running_var': (0.5, 2.0), 'weight': (0.5, 1.5), 'bias': (-0.2, 0.2)}[leaf]
    if t.dim() >= 2:
        fan_in = int(torch.tensor(t.shape[1:]).prod())
        a = float((6.0 if t.dim() == 4 else 3.0) / fan_in) ** 0.5
        return -a, a
    return -0.1, 0.1


def owner(net, names, tensor_name):
    """The named module a state-dict entry belongs to, and the rest of the entry's path."""
    modules = dict(net.named_modules())
    parts = tensor_name.split('.')
    for cut in range(len(parts) - 1, 0, -1):
        m = modules.get('.'.join(parts[:cut]))
        if m is not None and m in names:
            return m, '.'.join(parts[cut:])
    raise ValueError(f'no tfjs layer for {tensor_name}')


# ---------------------------------------------------------------- fixtures


def parity_case(model, attention, batch, hw):
    net = build(model, attention, 10)
    names = tfjs_names(model, net)
    tensors, seed = [], 1
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith('num_batches_tracked'):
                continue
            module, rest = owner(net, names, name)
            if isinstance(module, ZooAttention):
                continue  # drawn below, stored in @sevar/layers order and layout
            layer = names[module]
            if isinstance(module, (SqueezeExcitation, Attention)):
                target, perm, shape = attention_slot(module, layer, rest, list(t.shape))
            else:
                target, perm, shape = tfjs_slot(module, layer, rest, list(t.shape))
            lo, hi = fill_range(module, rest.rsplit('.', 1)[-1], t)
            t.copy_(torch.from_numpy(values(seed, t.numel(), lo, hi).reshape(t.shape)))
            tensors.append({'torch': name, 'tfjs': target, 'shape': list(t.shape), 'perm': perm,
                            'tfjsShape': shape, 'seed': seed, 'lo': lo, 'hi': hi})
            seed += 1
        g = torch.Generator().manual_seed(7)
        for m in [m for m in net.modules() if isinstance(m, ZooAttention)]:
            for p in m.inner.parameters():
                p.copy_(torch.rand(p.shape, generator=g) - 0.5)
            for i, w in enumerate(m.sevar_weights()):
                tensors.append({'tfjs': f'{names[m]}#{i}', 'values': [float(v) for v in w.reshape(-1)],
                                'tfjsShape': list(w.shape)})
        net.eval()
        x_shape = [batch, 3, hw, hw]
        x = torch.from_numpy(values(100000, batch * 3 * hw * hw, -1.0, 1.0).reshape(x_shape))
        logits = net(x)
    return {'model': model, 'attention': attention, 'numClasses': 10,
            'input': {'shape': x_shape, 'seed': 100000, 'lo': -1.0, 'hi': 1.0},
            'tensors': tensors, 'logits': logits.double().tolist()}


def count_rows():
    rows = []
    for model in MODELS:
        attentions = (['built-in'] if model in BUILT_IN else []) + [None, 'se', 'eca', 'cbam']
        for attention in attentions:
            for k in [10, 100, 1000]:
                net = build(model if model != 'resnet50' else 'resnet50-imagenet', attention, k)
                rows.append({'model': model, 'attention': attention, 'numClasses': k, 'inputSize': 224,
                             'trainableParams': trainable(net),
                             'bnStatistics': sum(b.numel() for n, b in net.named_buffers()
                                                 if n.endswith(('running_mean', 'running_var'))),
                             # describeModel counts the MACs of convs, dense layers and the SE
                             # family's FCs; other modules' own products are not compared.
                             'macsPerImage': macs_per_image(net, 224) if attention in MAC_COMPARED else None})
                print(model, attention, k, rows[-1]['trainableParams'], rows[-1]['macsPerImage'])
    return rows


PARITY = [
    # (model, attention, batch, input side): odd feature-map sizes occur at 40 (40, 20, 10, 5, 3, 2)
    ('resnet50-imagenet', None, 1, 40),
    ('resnet50-cifar', 'se', 1, 8),
    ('mobilenet_v2', None, 1, 40),
    ('mobilenet_v2', 'se', 1, 32),
    ('mobilenet_v3_small', 'built-in', 2, 40),
    ('mobilenet_v3_small', None, 1, 32),
    ('mobilenet_v3_small', 'se', 1, 32),
    ('mobilenet_v3_large', 'built-in', 2, 40),
    ('mobilenet_v3_large', 'se', 1, 32),
    ('efficientnet_b0', 'built-in', 2, 40),
    ('efficientnet_b0', None, 1, 32),
    ('efficientnet_b0', 'se', 1, 32),
    ('mobilenet_v3_small', 'eca', 1, 32),
    ('efficientnet_b0', 'eca', 1, 32),
]


def main():
    meta = {'generator': 'packages/models/reference/gen_zoo_fixtures.py', 'torch': torch.__version__,
            'torchvision': torchvision.__version__}
    with open(os.path.join(OUT, 'zoo_param_counts.json'), 'w') as f:
        json.dump({**meta, 'rows': count_rows()}, f, indent=1)
        f.write('\n')
    if '--counts-only' in sys.argv:
        return
    cases = [parity_case(*c) for c in PARITY]
    with open(os.path.join(OUT, 'zoo_parity.json'), 'w') as f:
        json.dump({**meta, 'cases': cases}, f)
        f.write('\n')
    for c in cases:
        mx = max(abs(v) for row in c['logits'] for v in row)
        print('parity', c['model'], c['attention'], c['input']['shape'], 'max|logit|', mx)


if __name__ == '__main__':
    main()
