"""A plain-Python one-shot assessment of one profile with the demo pack: the baseline of `assess PROFILE`.

    python benchmarks/plain_oneshot.py PROFILE [--pack tests/packs/demo]

Does the same work as the command, by hand: imports, reads the pack's YAML files, parses the
profile with libyaml, evaluates it with plain_demo, prints a short text (total, grade, the
finding of each rule). No validation, no report model, no texts from the pack.
"""

from __future__ import annotations

import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import plain_demo

DEFAULT_PACK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "packs", "demo")


def main(argv: list[str]) -> int:
    pack_dir = DEFAULT_PACK
    if "--pack" in argv:
        at = argv.index("--pack")
        pack_dir = argv[at + 1]
        del argv[at:at + 2]
    if len(argv) != 1:
        print("usage: plain_oneshot.py PROFILE [--pack DIR]", file=sys.stderr)
        return 2
    pack = plain_demo.DemoPack.from_dir(pack_dir)
    with open(argv[0], encoding="utf-8") as handle:
        data = yaml.load(handle.read(), Loader=yaml.CSafeLoader)
    result = plain_demo.evaluate(data, pack)
    lines = [f"{argv[0]}: total {result.total}  grade {result.grade}"
             + (f"  vetoes {', '.join(result.vetoes)}" if result.vetoes else "")]
    for dim, score, counted in result.dimensions:
        lines.append(f"  {dim:<12} {format(score.normalize(), 'f') if counted else '-'}")
    for rule, (outcome, points, vetoed) in result.findings.items():
        lines.append(f"  {rule:<12} {outcome:<15} {points / plain_demo.M:g}" + ("  veto" if vetoed else ""))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
