"""Writes the MAT-file fixtures of packages/datasets and the values they must decode to.

Run from packages/datasets:  python3 reference/make_mat_fixtures.py
Needs numpy + scipy. Three independent sources of truth:
  1. files written by scipy.io.savemat (compressed and not, many dtypes, small elements);
  2. files crafted here byte by byte (struct.pack) in the real SVHN layout, which scipy
     cannot write: y declared double but stored miUINT8, both byte orders, compressed
     top-level elements without padding;
  3. MATLAB-written files that ship with scipy's own test suite (BSD-3-Clause, credited in
     __fixtures__/mat/SOURCES.md), decoded here by scipy.io.loadmat.
Expected values go to expected.json (column-major, i.e. numpy order='F').
"""
import json
import os
import shutil
import struct
import zlib

import numpy as np
import scipy
import scipy.io as sio

OUT = "src/node/__fixtures__/mat"
os.makedirs(OUT, exist_ok=True)
expected = {}
rng = np.random.default_rng(4)


def record(fname, variables):
    expected[fname] = {
        name: {
            "dims": list(v.shape) if v.ndim >= 2 else [1, v.size],
            "values": [x.item() if hasattr(x, "item") else x for x in np.asarray(v).ravel(order="F")],
        }
        for name, v in variables.items()
    }


# 1. scipy.io.savemat -----------------------------------------------------------------
def svhn_like(n):
    X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, size=(n, 1)).astype(np.float64)
    y[0, 0] = 10.0  # digit 0 is stored as 10
    return X, y


X, y = svhn_like(7)
for compressed in (True, False):
    f = f"scipy_svhn_{'compressed' if compressed else 'plain'}.mat"
    sio.savemat(f"{OUT}/{f}", {"X": X, "y": y}, do_compression=compressed)
    record(f, {"X": X, "y": y})

dtypes = {
    "i8": np.array([[-128, 0, 127], [1, -1, 5]], dtype=np.int8),
    "u8": np.array([[0, 255, 7]], dtype=np.uint8),
    "i16": np.array([[-32768, 32767], [12, -12]], dtype=np.int16),
    "u16": np.array([[65535, 0, 3]], dtype=np.uint16),
    "i32": np.arange(-6, 6, dtype=np.int32).reshape(3, 4),
    "u32": np.array([[4294967295, 1]], dtype=np.uint32),
    "i64": np.array([[-(2**40), 2**40]], dtype=np.int64),
    "u64": np.array([[2**50, 3]], dtype=np.uint64),
    "f32": np.array([[1.5, -2.25], [3.0e10, 1e-7]], dtype=np.float32),
    "f64": rng.standard_normal((3, 5)),
    "cube": rng.integers(0, 256, size=(2, 3, 4), dtype=np.uint8),
    "s": np.array([[42]], dtype=np.int8),  # 1 byte: a small data element
}
for compressed in (True, False):
    f = f"scipy_dtypes_{'compressed' if compressed else 'plain'}.mat"
    sio.savemat(f"{OUT}/{f}", {**dtypes, "skipme": {"a": 1.0}}, do_compression=compressed)
    record(f, dtypes)


# 2. crafted SVHN-layout files --------------------------------------------------------
def element(bo, mtype, payload, pad=True):
    """Data element: small format when it fits in 4 bytes, else tag + data (+ padding)."""
    if len(payload) <= 4 and mtype != 14:
        # Read as one 32-bit word in file byte order: high half = byte count, low = type.
        return struct.pack(bo + "I", (len(payload) << 16) | mtype) + payload.ljust(4, b"\0")
    data = struct.pack(bo + "II", mtype, len(payload)) + payload
    return data + b"\0" * ((-len(payload)) % 8 if pad else 0)


def matrix(bo, name, mxclass, dims, mtype, data_bytes):
    flags = element(bo, 6, struct.pack(bo + "II", mxclass, 0))
    dims_el = element(bo, 5, struct.pack(bo + f"{len(dims)}i", *dims))
    name_el = element(bo, 1, name.encode())
    real = element(bo, mtype, data_bytes)
    body = flags + dims_el + name_el + real
    return struct.pack(bo + "II", 14, len(body)) + body


def crafted_svhn(bo, compressed, X, labels):
    head = b"MATLAB 5.0 MAT-file, crafted by sevar reference/make_mat_fixtures.py".ljust(116, b" ")
    head += b"\0" * 8 + struct.pack(bo + "H", 0x0100) + (b"IM" if bo == "<" else b"MI")
    # X: uint8 class (9) stored miUINT8 (2); y: double class (6) stored miUINT8, as SVHN does.
    xm = matrix(bo, "X", 9, list(X.shape), 2, X.tobytes(order="F"))
    ym = matrix(bo, "y", 6, [len(labels), 1], 2, bytes(labels))
    out = head
    for m in (xm, ym):
        if compressed:
            z = zlib.compress(m)
            out += struct.pack(bo + "II", 15, len(z)) + z  # no padding after compressed data
        else:
            out += m
    return out


Xc = rng.integers(0, 256, size=(32, 32, 3, 5), dtype=np.uint8)
yc = [10, 1, 2, 9, 10]
for bo, tag in (("<", "le"), (">", "be")):
    for compressed in (True, False):
        f = f"crafted_svhn_{tag}_{'z' if compressed else 'plain'}.mat"
        with open(f"{OUT}/{f}", "wb") as fh:
            fh.write(crafted_svhn(bo, compressed, Xc, yc))
        chk = sio.loadmat(f"{OUT}/{f}")  # scipy must agree with what we meant to write
        assert (chk["X"] == Xc).all() and (chk["y"].ravel() == yc).all(), f
        record(f, {"X": Xc, "y": np.array(yc, dtype=np.float64).reshape(-1, 1)})

# 3. MATLAB-written files from scipy's test suite -------------------------------------
SCIPY_DATA = os.path.join(os.path.dirname(scipy.io.matlab.__file__), "tests", "data")
for f in [
    "testdouble_6.1_SOL2.mat",  # big-endian, MATLAB 6.1 on Solaris
    "test3dmatrix_6.1_SOL2.mat",
    "test3dmatrix_7.4_GLNX86.mat",  # compressed, MATLAB 7.4
    "testdouble_7.4_GLNX86.mat",
    "testminus_7.4_GLNX86.mat",
    "testmatrix_7.4_GLNX86.mat",
    "teststruct_7.4_GLNX86.mat",
]:
    shutil.copy(os.path.join(SCIPY_DATA, f), f"{OUT}/{f}")
    m = sio.loadmat(f"{OUT}/{f}")
    record(f, {k: v for k, v in m.items() if not k.startswith("__") and v.dtype.kind in "iuf"})
for f in ["testhdf5_7.4_GLNX86.mat", "corrupted_zlib_data.mat", "corrupted_zlib_checksum.mat"]:
    shutil.copy(os.path.join(SCIPY_DATA, f), f"{OUT}/{f}")

with open(f"{OUT}/expected.json", "w") as fh:
    json.dump(expected, fh)
print("wrote", sorted(expected))
