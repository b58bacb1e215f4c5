#!/usr/bin/env python3
"""Oracle for ExptrainCheckpoint: the reference `safetensors` package, byte for byte.

Needs `pip install safetensors numpy`. The Swift tests never run this script; they
hard-code its output. Run it by hand (or from a benchmark) to re-derive or re-check:

  python3 scripts/oracles/safetensors_reference.py golden
      Prints the hex of the tiny files that `SafetensorsGoldenTests` expects
      (reference writer, with its 8-byte space padding): one with a tensor of each
      common type, one with an empty tensor and metadata that needs JSON escapes.

  EXPTRAIN_ORACLE_OUTPUT=/tmp/oracle swift test --filter ExptrainCheckpointTests
  python3 scripts/oracles/safetensors_reference.py check /tmp/oracle
      Loads the files the Swift tests wrote there with the reference reader and checks
      every tensor and the metadata against the values the tests use. Exit status 0
      means the reference package reads our output exactly.
"""
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save


def golden_tensors():
    """The tensors of the golden file; `SafetensorsGoldenTests` builds the same ones."""
    return {
        "steps": np.array([42], dtype=np.int64),
        "policy.weight": np.array([[1.0, -2.0], [0.5, np.inf]], dtype=np.float32),
        "mask": np.array([1, 0, 255], dtype=np.uint8),
    }


GOLDEN_METADATA = {"tag": "cartpole"}

ESCAPES_TENSORS = {"w": np.zeros(0, dtype=np.float64)}
ESCAPES_METADATA = {"note": "q\" b\\ \n\t\x01\x1f\x7f \u00e9/\U0001F600"}


def every_type_tensors():
    """The tensors of `every-type.safetensors` written by `testOracleFiles`."""
    return {
        "floats": np.array([0.0, -0.0, 1.5, -3.25, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38], dtype=np.float32),
        "doubles": np.array([[0.0, -0.0, 1e-300], [np.inf, -np.inf, 2.5]], dtype=np.float64),
        "int64s": np.array([0, -1, np.iinfo(np.int64).min, np.iinfo(np.int64).max], dtype=np.int64),
        "uint64s": np.array([0, 1, np.iinfo(np.uint64).max], dtype=np.uint64),
        "uint8s": np.array([0, 7, 255], dtype=np.uint8),
        "scalar": np.array(3.0, dtype=np.float64),
    }


EVERY_TYPE_METADATA = {"tag": "cartpole", "total_steps": "500000", "note": "quote \" and\nnewline, é"}


def golden():
    for name, tensors, metadata in [
        ("every common type", golden_tensors(), GOLDEN_METADATA),
        ("escapes", ESCAPES_TENSORS, ESCAPES_METADATA),
    ]:
        data = save(tensors, metadata=metadata)
        print(f"{name}: {len(data)} bytes")
        print(data.hex())


def check(folder):
    path = os.path.join(folder, "every-type.safetensors")
    loaded = load_file(path)
    expected = every_type_tensors()
    failures = []
    if sorted(loaded) != sorted(expected):
        failures.append(f"names {sorted(loaded)} != {sorted(expected)}")
    for name, want in expected.items():
        got = loaded.get(name)
        if got is None:
            continue
        if got.dtype != want.dtype or got.shape != want.shape or got.tobytes() != want.tobytes():
            failures.append(f"{name}: got {got.dtype}{got.shape} {got!r}, want {want.dtype}{want.shape} {want!r}")
        print(f"{name}: {got.dtype} {list(got.shape)} {got.tolist()}")
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    print(f"metadata: {metadata}")
    if metadata != EVERY_TYPE_METADATA:
        failures.append(f"metadata {metadata} != {EVERY_TYPE_METADATA}")
    for failure in failures:
        print("MISMATCH", failure)
    print("OK: the reference reader loads our file exactly" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "golden":
        golden()
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    else:
        sys.exit(__doc__)
