"""Shared machinery of the attention zoo's PyTorch references.

Each module of the zoo has its own reference in reference/zoo/<key>.py, written from the paper's
official code in PyTorch (NCHW). It defines:

    KEY = 'eca'
    def build(c, options) -> torch.nn.Module          # the reference module for C channels
    def sevar_weights(t) -> list[torch.Tensor]        # t: the module's parameters and buffers
                                                      # by PyTorch name; returns them in
                                                      # @sevar/layers order and layout (FC
                                                      # kernels [in, out], conv kernels
                                                      # [kh, kw, in, out]): every parameter
                                                      # first, then BN running mean and var
    def cases() -> list[dict]                         # each: c, options, and optionally
                                                      # n, h, w, training, seed

Run from the repository root with Debian's torch (apt-get install python3-torch):

    /usr/bin/python3 packages/layers/reference/gen_zoo.py [key ...]

For every case the runner draws float32-representable weights and input, then evaluates the
module in float64: the output, the gradients of sum(output * upstream) with respect to the input
and to every trainable weight, and (in training mode) the BN running statistics after the pass.
"""

import torch

def f32(t):
    return t.to(torch.float32).to(torch.float64)


def short(values):
    # 9 significant digits round-trip float32 exactly and keep rounding far below 1e-5.
    return [float(format(v, '.9g')) for v in values]


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def flat(t):
    return short(t.detach().reshape(-1).tolist())


def randomize(module, seed):
    """Variance-preserving weights, sizeable biases, BN with non-trivial statistics."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(f32(torch.randn(p.shape, generator=g, dtype=torch.float64) * 1.5 / fan_in**0.5))
            elif p.dim() == 1 and p.numel() > 0:
                base = 1.0 if name.endswith('weight') else 0.0
                p.copy_(f32(base + torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.5))
        for name, b in module.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(f32(torch.randn(b.shape, generator=g, dtype=torch.float64) * 0.3))
            elif name.endswith('running_var'):
                b.copy_(f32(0.5 + torch.rand(b.shape, generator=g, dtype=torch.float64)))


def tensors_of(module):
    return {**dict(module.named_parameters()), **dict(module.named_buffers())}


def run_case(ref, c, options, n=2, h=5, w=6, training=False, seed=0):
    torch.manual_seed(seed)
    module = ref.build(c, options).double()
    randomize(module, seed)
    module.train(training)
    named = dict(module.named_parameters())
    before = [t.detach().clone() for t in ref.sevar_weights(tensors_of(module))]
    g = torch.Generator().manual_seed(seed + 1000)
    x = f32(torch.randn(n, c, h, w, generator=g, dtype=torch.float64) * 2 + 0.3)
    x.requires_grad_(True)
    upstream = f32(torch.randn(n, c, h, w, generator=g, dtype=torch.float64))
    y = module(x)
    grads = torch.autograd.grad((y * upstream).sum(), [x, *named.values()], allow_unused=True)
    grad_of = {
        k: (torch.zeros_like(p) if gr is None else gr)
        for (k, p), gr in zip(named.items(), grads[1:])
    }
    # The same name -> layout mapping turns parameter gradients into sevar's layout.
    grad_tensors = ref.sevar_weights({**tensors_of(module), **grad_of})[: len(named)]
    case = {
        'key': ref.KEY,
        'options': options,
        'inputShape': [n, h, w, c],
        'training': training,
        'input': flat(nhwc(x)),
        'weights': [{'shape': list(t.shape), 'values': flat(t)} for t in before],
        'output': flat(nhwc(y)),
        'upstream': flat(nhwc(upstream)),
        'gradInput': flat(nhwc(grads[0])),
        'gradWeights': [flat(t) for t in grad_tensors],
    }
    if training:
        after = ref.sevar_weights(tensors_of(module))[len(named):]
        case['statisticsAfter'] = [flat(t) for t in after]
    return case
