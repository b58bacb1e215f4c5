#!/usr/bin/env python3
"""Oracle for ExptrainMetricsLog's TensorBoardWriter: TensorBoard reads our event files.

Needs `pip install tensorboard`. The Swift tests never run this script. To check:

  EXPTRAIN_ORACLE_OUTPUT=/tmp/oracle swift test --filter ExptrainMetricsLogTests
  python3 scripts/oracles/tensorboard_check.py /tmp/oracle/tensorboard

It first re-reads every record with TensorBoard's record reader, which verifies the
length and data CRC-32Cs, and parses each as a `tensorflow.Event`; then loads the
folder with TensorBoard's own EventAccumulator and prints every scalar curve. Given
`--expect-oracle` it also compares them with what `testOracleEventFile` writes and
exits non-zero on any difference. Any folder of event files can be inspected this way.
"""
import glob
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.errors import OutOfRangeError
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New


def expected_oracle_scalars():
    """The curves `TensorBoardEventTests.testOracleEventFile` writes."""
    steps = [1000, 2000, 3000]
    return {
        "train/return": [(step, step / 10) for step in steps],
        "train/success": [(step, 0.25) for step in steps],
        "loss/value": [(step, -1.5) for step in steps],
    }


def check_records(path):
    reader = PyRecordReader_New(path)
    count = 0
    while True:
        try:
            reader.GetNext()
        except OutOfRangeError:
            break
        event = event_pb2.Event.FromString(reader.record())
        if count == 0 and event.file_version != "brain.Event:2":
            raise SystemExit(f"{path}: first event has file_version {event.file_version!r}")
        count += 1
    print(f"{os.path.basename(path)}: {count} records, CRCs valid, all parse as tensorflow.Event")


def main(folder, expect_oracle):
    paths = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))
    if not paths:
        raise SystemExit(f"no events.out.tfevents.* files in {folder}")
    for path in paths:
        check_records(path)

    accumulator = EventAccumulator(folder)
    accumulator.Reload()
    scalars = {}
    for tag in accumulator.Tags()["scalars"]:
        scalars[tag] = [(event.step, event.value) for event in accumulator.Scalars(tag)]
        print(f"{tag}: " + ", ".join(f"step {step} = {value:g}" for step, value in scalars[tag]))
        for event in accumulator.Scalars(tag)[:1]:
            print(f"  first wall_time {event.wall_time}")

    if expect_oracle:
        if scalars != expected_oracle_scalars():
            print(f"MISMATCH: got {scalars}, want {expected_oracle_scalars()}")
            return 1
        print("OK: TensorBoard's EventAccumulator reads exactly the scalars written")
    return 0


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--expect-oracle"]
    if len(arguments) != 1:
        sys.exit(__doc__)
    sys.exit(main(arguments[0], "--expect-oracle" in sys.argv))
