"""Paired runs of one bench script under two conditions, alternately, summarised per line.

`bench/ab.py` pairs two git refs and `bench/durability.py` two ``synchronous`` levels; both
run the script round after round, swapping which side goes first every round so neither
always runs on a warmer machine, and print, for every output line, the median of each number
on each side and their ratio. The machine is shared and noisy: read the ratios, not the
figures.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: A number as a bench prints it (``3,009`` is one number; ``p99`` is not a number).
NUMBER = re.compile(r"(?<![\w.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])-?\d+(?:\.\d+)?")

#: One run: the output lines of the script under one side's condition.
Run = Callable[[str], list[str]]


def numbers(line: str) -> list[float]:
    """The numbers printed on a line."""
    return [float(x.replace(",", "")) for x in NUMBER.findall(line)]


def alternate(sides: tuple[str, str], rounds: int, run: Run) -> dict[str, list[list[str]]]:
    """`rounds` pairs of runs, the first side first in odd rounds and second in even ones,
    echoing every line as ``  SIDE| line`` (the form `read_echo` reads back)."""
    runs: dict[str, list[list[str]]] = {side: [] for side in sides}
    for n in range(rounds):
        for side in sides if n % 2 == 0 else sides[::-1]:
            print(f"round {n + 1} {side}", flush=True)
            lines = run(side)
            runs[side].append(lines)
            for line in lines:
                print(f"  {side}| {line}", flush=True)
    return runs


def run_script(
    tree: Path, script: str, args: list[str], env: Mapping[str, str], side: str
) -> list[str]:
    """The output lines of ``python tree/script args`` with `env` over this environment."""
    done = subprocess.run(
        [sys.executable, str(tree / script), *args],
        cwd=tree,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{script} failed ({side}):\n{done.stderr[-2000:]}")
    return done.stdout.splitlines()


def read_echo(text: str, sides: tuple[str, str]) -> dict[str, list[list[str]]]:
    """The runs of a saved output of `alternate`."""
    runs: dict[str, list[list[str]]] = {side: [] for side in sides}
    for line in text.splitlines():
        if line.startswith("round "):
            side = line.split()[2]
            if side in runs:
                runs[side].append([])
            continue
        for side in sides:
            prefix = f"  {side}|"
            if line.startswith(prefix) and runs[side]:
                runs[side][-1].append(line[len(prefix) + 1 :])
    return runs


def summarize(runs: dict[str, list[list[str]]], sides: tuple[str, str], title: str) -> None:
    """Per output line: the median of each number under each side, and second / first."""
    first, second = sides
    print(f"\n{title}: medians over {len(runs[second])} rounds, {first} -> {second} "
          f"(ratio {second}/{first})")  # fmt: skip
    for index, line in enumerate(runs[second][0]):
        a_nums = [numbers(r[index]) for r in runs[first] if index < len(r)]
        b_nums = [numbers(r[index]) for r in runs[second] if index < len(r)]
        if not b_nums[0] or not a_nums or len(a_nums[0]) != len(b_nums[0]):
            continue
        label = NUMBER.sub("#", line).strip()[:60]
        cells = []
        for col in range(len(b_nums[0])):
            a = statistics.median(r[col] for r in a_nums if col < len(r))
            b = statistics.median(r[col] for r in b_nums if col < len(r))
            ratio = f"{b / a:.3f}" if a else "-"
            cells.append(f"{a:g} -> {b:g} ({ratio})")
        print(f"{label:<60}  " + "; ".join(cells))
