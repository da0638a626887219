"""A/B one benchmark script between two git refs, alternately, in the same run.

    uv run python bench/ab.py bench/bus.py --base 55b74fc [--rounds 2] [-- script args]

The base ref is checked out in a temporary `git worktree` (removed afterwards) and the script
is run from each tree in turn, A/B/A/B, each with its own tree's packages on ``PYTHONPATH``
(so both run their own code against the same interpreter and dependencies). Every number
the script prints on a line is collected; for each line the median of A and of B and their
ratio (B / A) are printed. The machine is shared and noisy: read the ratios, not the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def source_path(tree: Path) -> str:
    """PYTHONPATH of a tree: every package's ``src`` and the umbrella's."""
    paths = sorted(str(p) for p in (tree / "packages").glob("*/src"))
    return os.pathsep.join([*paths, str(tree / "src"), str(tree / "bench")])


def run(tree: Path, script: str, args: list[str]) -> list[str]:
    env = {**os.environ, "PYTHONPATH": source_path(tree)}
    done = subprocess.run(
        [sys.executable, str(tree / script), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{script} failed in {tree}:\n{done.stderr[-2000:]}")
    return done.stdout.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", help="the bench script, relative to the repo root")
    parser.add_argument("--base", default="main", help="the A ref (default: main)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B pairs to run")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:cut])
    extra = argv[cut + 1 :]  # after ``--``: the script's own arguments
    folder = Path(tempfile.mkdtemp(prefix="onebox-ab-"))
    base = folder / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), opts.base],
        check=True,
        capture_output=True,
    )
    runs: dict[str, list[list[str]]] = {"A": [], "B": []}
    try:
        for n in range(opts.rounds):
            for label, tree in (("A", base), ("B", ROOT)):
                print(f"round {n + 1} {label} ({opts.base if label == 'A' else 'HEAD'})")
                lines = run(tree, opts.script, extra)
                runs[label].append(lines)
                for line in lines:
                    print(f"  {label}| {line}")
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nmedians over {opts.rounds} rounds: A = {opts.base}, B = HEAD (ratio B/A)")
    for index, line in enumerate(runs["B"][0]):
        a_lines = [r[index] for r in runs["A"] if index < len(r)]
        b_lines = [r[index] for r in runs["B"] if index < len(r)]
        a_nums = [[float(x) for x in NUMBER.findall(line)] for line in a_lines]
        b_nums = [[float(x) for x in NUMBER.findall(line)] for line in b_lines]
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


if __name__ == "__main__":
    main()
