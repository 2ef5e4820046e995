"""Known answers for @sevar/core's Rng and deriveSeed, from their definitions in plain Python.

Run from packages/core:  python3 reference/rng_known_answers.py
Arbitrary-precision integers masked to 32 bits: no shared code with the TypeScript version.
"""
M = 0xFFFFFFFF


def fmix(z):
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M
    return z ^ (z >> 16)


def seed_state(seed):
    x, s = seed & M, []
    for _ in range(4):
        x = (x + 0x9E3779B9) & M
        s.append(fmix(x))
    return s


def sfc32(s):
    """One step of sfc32 on state [a, b, c, counter]; returns the output."""
    a, b, c, d = s
    t = (a + b + d) & M
    s[3] = (d + 1) & M
    s[0] = b ^ (b >> 9)
    s[1] = (c + (c << 3)) & M
    s[2] = ((((c << 21) | (c >> 11)) & M) + t) & M
    return t


def seeded(seed):
    s = seed_state(seed)
    for _ in range(12):
        sfc32(s)
    return s


def derive_seed(*parts):
    h = 0x9E3779B9
    for p in parts:
        h = ((h ^ (p & M)) * 0x85EBCA6B) & M
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & M
        h ^= h >> 16
        h ^= (p >> 32) & M
    return h


print("raw sfc32 from [1, 2, 3, 4]:", [sfc32(s) for s in [[1, 2, 3, 4]] for _ in range(6)])
for seed in (0, 1, 42, 20230426, 2**32 - 1):
    s = seeded(seed)
    print(f"seed {seed}: state after warm-up {list(s)}, first outputs {[sfc32(s) for _ in range(5)]}")
s = seeded(7)
print("seed 7 next():", [(sfc32(s) + 0.5) / 2**32 for _ in range(3)])
print("deriveSeed(0):", derive_seed(0), "(1, 2, 3):", derive_seed(1, 2, 3),
      "(2**40 + 5, 7):", derive_seed(2**40 + 5, 7))
