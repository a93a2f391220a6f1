"""The command line every proving script (scripts/, bench/) starts from: its description,
and the options they share, worded once."""

from __future__ import annotations

import argparse


def script_parser(
    doc: str | None, *, targets: bool = False, seed: bool = False, keep: bool = False
) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of the script's docstring, with the shared
    options asked for: `--no-targets` (figures only), `--seed`, `--keep`."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    if targets:
        parser.add_argument("--no-targets", action="store_true", help="figures only, no verdict")
    if seed:
        parser.add_argument("--seed", type=int, default=1, help="seed of the generated load (1)")
    if keep:
        parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser
