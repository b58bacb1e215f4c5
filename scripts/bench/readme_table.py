"""Turns the JSON lines of scripts/bench.sh into the README's benchmark table.

    scripts/bench.sh | tee /tmp/figures.jsonl
    python3 scripts/bench/readme_table.py /tmp/figures.jsonl                 # print the table
    python3 scripts/bench/readme_table.py /tmp/figures.jsonl --update README.md

--update replaces the README's "## Benchmarks" section (up to the next "## " heading, or
the end) with the table and the command that made it, or appends the section; the rest
of the file is left as it is. Standard library only.
"""

import argparse
import datetime
import json
import re
import sys

COMMAND = "scripts/bench.sh | tee figures.jsonl && python3 scripts/bench/readme_table.py figures.jsonl --update README.md"


def number(value):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e5 or magnitude < 1e-3):
        return f"{value:.3g}"
    if magnitude >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(figures):
    lines = [
        "| figure | ours | unit | reference | ratio (ours ÷ ref.) | target | met |",
        "| --- | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for f in figures:
        reference = number(f.get("reference")) if "reference" in f else ""
        source = f.get("reference_source")
        if reference and source and reference != "—":
            reference += " (issue)" if source == "issue" else ""
        met = f.get("met")
        lines.append("| " + " | ".join([
            f"`{cell(f['name'])}`",
            number(f.get("value")),
            cell(f.get("unit", "")),
            reference,
            number(f.get("ratio")) if "ratio" in f else "",
            cell(f.get("target", "")),
            "" if met is None else "not measured" if f.get("value") is None else ("yes" if met else "**no**"),
        ]) + " |")
    return "\n".join(lines)


REFERENCES = (
    "The references, each pinned to core 0 with one thread and alternating with ours: on CartPole-v1 with\n"
    "CleanRL's settings, CleanRL's PPO (PyTorch), rejax's PPO (JAX on CPU, the whole training loop one XLA\n"
    "program; its compilation apart as `jax_reference_compile_seconds`) and Stable-Baselines3's PPO; PyTorch's\n"
    "own convolutions for the two CNN encoders; and on ALE/Breakout-v5, a CleanRL-style `ppo_atari`\n"
    "(`scripts/bench/cleanrl_ppo_atari.py`: the same environment, wrappers and settings as `atari-ppo`). They\n"
    "run in `.venv-bench`, made on first use from PyPI (torch, gymnasium, stable-baselines3 2.9.2, jax 0.10.2,\n"
    "rejax 0.1.3, gymnax 0.0.9, ale-py 0.12.1); `--no-python` skips them, `--no-atari` skips the Atari block."
)


def section(figures):
    today = datetime.date.today().isoformat()
    load = {f["name"]: f.get("value") for f in figures if f["name"].startswith("machine_load_average")}
    busy = ""
    if load:
        busy = (f" The machine's load average was {load.get('machine_load_average_at_start')} at the start and"
                f" {load.get('machine_load_average_at_end')} at the end of the run: above 2, other work shared the"
                " cores, which weighs most on the 2-rank figures.")
    return (
        "## Benchmarks\n\n"
        f"One run of `scripts/bench.sh` (release build, {today}; 2 cores shared with other work, one rank per core,\n"
        "one BLAS thread per rank). Ratios are ours ÷ the reference's value of the same figure, measured side\n"
        "by side in the same run unless the reference says \"(issue)\": a time ratio below 1 and a throughput\n"
        "ratio above 1 mean exptrain is faster. What the figures mean and where the time goes:\n"
        f"[docs/performance.md](docs/performance.md).{busy} Regenerate with:\n\n"
        f"```sh\n{COMMAND}\n```\n\n"
        + REFERENCES + "\n\n"
        + table(figures) + "\n"
    )


def main():
    parser = argparse.ArgumentParser(description="scripts/bench.sh's JSON lines → markdown table")
    parser.add_argument("figures", help="a file of JSON lines from scripts/bench.sh ('-' for standard input)")
    parser.add_argument("--update", metavar="README", help="replace (or append) the '## Benchmarks' section of this file")
    args = parser.parse_args()

    stream = sys.stdin if args.figures == "-" else open(args.figures, encoding="utf-8")
    figures = [json.loads(line) for line in stream if line.strip().startswith("{")]
    if not args.update:
        print(table(figures))
        return
    with open(args.update, encoding="utf-8") as f:
        text = f.read()
    new = section(figures)
    match = re.search(r"^## Benchmarks\n.*?(?=^## |\Z)", text, flags=re.M | re.S)
    if match:
        text = text[:match.start()] + new + ("\n" if match.end() < len(text) else "") + text[match.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + new
    with open(args.update, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
