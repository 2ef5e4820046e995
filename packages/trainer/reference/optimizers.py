"""Writes src/__fixtures__/optimizers.json: PyTorch 1.13 optimizer trajectories on a tiny problem.

Run from packages/trainer: /usr/bin/python3 reference/optimizers.py
A linear softmax classifier (W [4, 3], b [3]) on 6 fixed examples; each config runs 5 steps with a
learning rate that changes every step (to check that the rate is read per step) and records the
parameters after every step. Also records cross-entropy with label smoothing on fixed logits.
"""
import json
import torch

torch.set_default_dtype(torch.float32)

X = torch.tensor(
    [[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.7, 0.0], [-0.2, 0.8, 0.4, -1.1],
     [0.9, -0.4, 0.0, 0.6], [-1.3, 0.2, 1.1, 0.7], [0.05, 1.2, -0.3, -0.5]])
Y = torch.tensor([2, 0, 1, 1, 2, 0])
W0 = torch.tensor(
    [[0.1, -0.2, 0.3], [0.0, 0.25, -0.15], [-0.3, 0.05, 0.2], [0.4, -0.1, 0.0]])
B0 = torch.tensor([0.01, -0.02, 0.03])
LRS = [1.0, 0.7, 0.49, 0.343, 0.2401]

CONFIGS = [
    ('adadelta', dict(lr=1.0, rho=0.9, eps=1e-6), 1.0),
    ('adadelta-wd', dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.05), 1.0),
    ('sgd', dict(lr=0.1), 0.1),
    ('sgd-momentum-wd', dict(lr=0.1, momentum=0.9, weight_decay=5e-4), 0.1),
    ('sgd-nesterov-wd', dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4), 0.1),
    ('adam', dict(lr=0.01), 0.01),
    ('adamw', dict(lr=0.01, weight_decay=0.1), 0.01),
]


def run(name, kwargs, base):
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    kind = name.split('-')[0]
    cls = {'adadelta': torch.optim.Adadelta, 'sgd': torch.optim.SGD,
           'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW}[kind]
    opt = cls([w, b], **kwargs)
    steps = []
    for factor in LRS:
        for g in opt.param_groups:
            g['lr'] = base * factor
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(X @ w + b, Y)
        loss.backward()
        opt.step()
        steps.append({'lr': base * factor, 'loss': loss.item(),
                      'w': w.detach().flatten().tolist(), 'b': b.detach().tolist()})
    return {'name': name, 'kind': kind, 'options': kwargs, 'steps': steps}


logits = torch.tensor([[2.0, -1.0, 0.5, 0.0], [0.1, 0.2, 0.3, 0.4], [-3.0, 4.0, 1.0, 1.0]])
labels = torch.tensor([0, 3, 2])
smoothing = {
    str(eps): torch.nn.functional.cross_entropy(logits, labels, label_smoothing=eps).item()
    for eps in (0.0, 0.1, 0.3)
}

out = {
    'generator': 'reference/optimizers.py (PyTorch ' + torch.__version__ + ')',
    'x': X.flatten().tolist(), 'y': Y.tolist(), 'w0': W0.flatten().tolist(), 'b0': B0.tolist(),
    'lrFactors': LRS,
    'configs': [run(*c) for c in CONFIGS],
    'labelSmoothing': {'logits': logits.flatten().tolist(), 'labels': labels.tolist(), 'loss': smoothing},
}
with open('src/__fixtures__/optimizers.json', 'w') as f:
    json.dump(out, f, indent=1)
print('wrote src/__fixtures__/optimizers.json')
