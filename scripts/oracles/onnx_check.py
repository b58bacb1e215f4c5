#!/usr/bin/env python3
"""Oracle for `exptrain export`: onnxruntime runs the exported policy with exptrain's outputs.

Needs `pip install onnxruntime onnx numpy` (scripts/test.sh makes a venv with them). Given
the ONNX file, the checkpoint it came from and the test harness binary, it:
  1. checks the model with onnx's checker (with full shape inference);
  2. draws fixed inputs from --seed: --count observations (normal × --scale, the last 5 %
     × 100 so that normalisation's clip is reached; or, with --codes, integer codes of
     each channel; the last `exptrain.observation_byte_columns` columns, the UInt8 parts,
     whole numbers 0…255), and for recurrent models a random state and masks with ~30 % zeros;
  3. runs the model in onnxruntime on all rows at once;
  4. asks `exptrain-harness policy-outputs` for exptrain's own outputs of the same
     checkpoint (its `act`, run over every batch size of --batches);
  5. compares: the distribution outputs side by side (logits, or mean then log_std) with
     exptrain's distribution parameters, `value`, and `hidden_out`.
It prints one JSON line with the largest absolute difference of each output and exits 1
when any exceeds --tolerance (1e-5).

  python3 scripts/oracles/onnx_check.py --onnx policy.onnx --checkpoint step-….safetensors \\
      --tag cartpole-ppo --harness .build/debug/exptrain-harness

With --reference FILE.json instead of --checkpoint, --tag and --harness, the inputs and
exptrain's outputs come from the file, `{"inputs": {"observation": [[…]], "hidden": …,
"mask": …}, "outputs": {"distribution_parameters": [[…]], "value": […], "hidden_out": …}}`,
which a unit test writes for a model it made (ExptrainExportTests.CNNActorCriticExportTests).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime

NOT_DISTRIBUTION = {"value", "hidden_out"}


def inputs_for(session, args, rng):
    declared = {i.name: i for i in session.get_inputs()}
    width = declared["observation"].shape[1]
    byte_columns = int(session.get_modelmeta().custom_metadata_map.get("exptrain.observation_byte_columns", "0"))
    if args.codes:
        counts = [int(c) for c in args.codes.split(",")]
        channels = np.array(counts * (width // len(counts)))
        observation = np.floor(rng.random((args.count, width)) * channels).astype(np.float32)
    else:
        observation = (rng.standard_normal((args.count, width)) * args.scale).astype(np.float32)
        observation[-max(1, args.count // 20):] *= 100
    if byte_columns:
        observation[:, width - byte_columns:] = rng.integers(0, 256, (args.count, byte_columns))
    feeds = {"observation": observation}
    if "hidden" in declared:
        size = declared["hidden"].shape[1]
        feeds["hidden"] = (rng.standard_normal((args.count, size)) * 0.5).astype(np.float32)
        feeds["mask"] = (rng.random(args.count) > 0.3).astype(np.float32)
    return feeds


def exptrain_outputs(args, feeds, batch):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        # float(np.float32) is the float32's exact value; its repr reads back to the same float32.
        json.dump({name: value.astype(np.float64).tolist() for name, value in feeds.items()}, file)
        path = file.name
    try:
        command = [args.harness, "policy-outputs", args.tag, "--checkpoint", args.checkpoint, "--inputs", path]
        if batch != "all":
            command += ["--batch", batch]
        for setting in args.config:
            command += ["--config", setting]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.exit(f"onnx_check: {' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
        return {name: np.array(value, dtype=np.float32) for name, value in json.loads(result.stdout).items()}
    finally:
        os.unlink(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--checkpoint")
    parser.add_argument("--tag")
    parser.add_argument("--harness", help="the exptrain-harness binary")
    parser.add_argument("--reference", help="inputs and exptrain's outputs in one JSON file, instead of a checkpoint and the harness")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--codes", help="observations are integer codes, channel last, with these counts (11,6,3)")
    parser.add_argument("--batches", default="all", help="batch sizes of exptrain's act, comma-separated (all = every row at once)")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--config", action="append", default=[], help="an experiment setting key=value as the run had it (repeatable)")
    args = parser.parse_args()
    if not args.reference and not (args.checkpoint and args.tag and args.harness):
        parser.error("give --checkpoint, --tag and --harness, or --reference")

    onnx.checker.check_model(onnx.load(args.onnx), full_check=True)
    session = onnxruntime.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
    if args.reference:
        with open(args.reference) as file:
            reference_file = json.load(file)
        feeds = {name: np.array(value, dtype=np.float32) for name, value in reference_file["inputs"].items()}
        args.count = len(feeds["observation"])
        references = {"given": {name: np.array(value, dtype=np.float32) for name, value in reference_file["outputs"].items()}}
    else:
        feeds = inputs_for(session, args, np.random.default_rng(args.seed))
        references = {batch: exptrain_outputs(args, feeds, batch) for batch in args.batches.split(",")}
    names = [o.name for o in session.get_outputs()]
    ours = dict(zip(names, session.run(None, feeds)))
    distribution = np.concatenate([ours[n] for n in names if n not in NOT_DISTRIBUTION], axis=1)

    report = {"tag": args.tag, "rows": args.count, "outputs": names, "max_abs_difference": {}}
    failed = False
    for batch, reference in references.items():
        pairs = [("distribution", distribution, reference["distribution_parameters"]), ("value", ours["value"], reference["value"])]
        if "hidden_out" in ours:
            pairs.append(("hidden_out", ours["hidden_out"], reference["hidden_out"]))
        for name, onnx_value, exptrain_value in pairs:
            if onnx_value.shape != exptrain_value.shape:
                sys.exit(f"onnx_check: {name} is {onnx_value.shape} in onnxruntime, {exptrain_value.shape} in exptrain")
            difference = float(np.max(np.abs(onnx_value.astype(np.float64) - exptrain_value)))
            report["max_abs_difference"][f"{name}@batch={batch}"] = difference
            failed |= not difference <= args.tolerance
    report["tolerance"] = args.tolerance
    report["passed"] = not failed
    print(json.dumps(report))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
