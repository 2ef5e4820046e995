"""Writes packages/layers/src/__fixtures__/zoo/<key>.json for every module in reference/zoo/.

    /usr/bin/python3 packages/layers/reference/gen_zoo.py [key ...]

See zoo_reference.py for what each reference defines and what a fixture holds.
"""

import importlib.util
import json
import os
import sys

import torch

from zoo_reference import run_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'src', '__fixtures__', 'zoo')


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(keys):
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(HERE, 'zoo'))):
        if not name.endswith('.py'):
            continue
        ref = load(os.path.join(HERE, 'zoo', name))
        if keys and ref.KEY not in keys:
            continue
        cases = [run_case(ref, seed=i + 1, **spec) for i, spec in enumerate(ref.cases())]
        path = os.path.join(OUT, f'{ref.KEY}.json')
        with open(path, 'w') as f:
            json.dump({'key': ref.KEY, 'cases': cases}, f, separators=(',', ':'))
            f.write('\n')
        print(f'{ref.KEY}: {len(cases)} cases -> {os.path.relpath(path)} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    sys.path.insert(0, HERE)
    main(sys.argv[1:])
