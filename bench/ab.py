"""A/B one benchmark script between two git refs, alternately, in the same run.

    uv run python bench/ab.py bench/bus.py --base 55b74fc [--rounds 2] [-- script args]

The base ref is checked out in a temporary `git worktree` (removed afterwards) and the script
is run from each tree in turn, A/B then B/A, each with its own tree's packages on ``PYTHONPATH``
(so both run their own code against the same interpreter and dependencies). Every number
the script prints on a line is collected; for each line the median of A and of B and their
ratio (B / A) are printed. The machine is shared and noisy: read the ratios, not the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from paired import alternate, read_echo, run_script, summarize

ROOT = Path(__file__).resolve().parent.parent
SIDES = ("A", "B")


def source_path(tree: Path) -> str:
    """PYTHONPATH of a tree: every package's ``src`` and the umbrella's."""
    paths = sorted(str(p) for p in (tree / "packages").glob("*/src"))
    return os.pathsep.join([*paths, str(tree / "src"), str(tree / "bench")])


def run(tree: Path, script: str, args: list[str]) -> list[str]:
    return run_script(tree, script, args, {"PYTHONPATH": source_path(tree)}, str(tree))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", help="the bench script, relative to the repo root")
    parser.add_argument("--base", default="main", help="the A ref (default: main)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B pairs to run")
    parser.add_argument("--summarize", metavar="LOG", help="only summarise a saved run's output")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:cut])
    extra = argv[cut + 1 :]  # after ``--``: the script's own arguments
    title = f"{opts.script}, A = {opts.base}, B = HEAD"
    if opts.summarize:
        summarize(read_echo(Path(opts.summarize).read_text(), SIDES), SIDES, title)
        return
    folder = Path(tempfile.mkdtemp(prefix="onebox-ab-"))
    base = folder / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), opts.base],
        check=True,
        capture_output=True,
    )
    trees = {"A": base, "B": ROOT}
    try:
        runs = alternate(SIDES, opts.rounds, lambda side: run(trees[side], opts.script, extra))
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
    summarize(runs, SIDES, title)


if __name__ == "__main__":
    main()
