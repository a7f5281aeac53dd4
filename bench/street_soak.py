"""Soak the street tablet's queue: a long seeded random walk of a shared tablet in headless Chromium.

    python3 bench/street_soak.py --steps 500 [--seed 16]

Runs tests/test_street_random_walk.py through `dev.py test` (a throwaway PostgreSQL, the live
server and Chromium) with that many steps, and prints the figures: steps, entries saved, rows
stored, lost, doubled, misattributed (and entries still waiting, rows never saved). It fails
when anything is lost, doubled or misattributed.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    env = {**os.environ, "STREET_WALK_STEPS": str(args.steps), "STREET_WALK_SEED": str(args.seed)}
    command = [
        sys.executable,
        "dev.py",
        "test",
        "tests/test_street_random_walk.py",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
    ]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    figures = None
    for line in run.stdout.splitlines():
        if line.startswith('{"steps"'):
            figures = json.loads(line)
    if figures is None:
        print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
        return run.returncode or 1
    print(f"seed {args.seed}")
    for name, value in figures.items():
        print(f"{name}: {value}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
