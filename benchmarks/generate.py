"""Write N synthetic profiles of the demo pack as ordinary YAML files, deterministically.

    python benchmarks/generate.py 2000 /tmp/demo-profiles [--seed 7] [--pack tests/packs/demo] [--check 200]

The profiles come from the engine's own generator (`engine.profile.generate.ProfileGenerator`), with the
pack's test-case profiles as realistic bases to mutate (half of the profiles), as in the
differential tests. Values are written as plain YAML: Decimal as a number, dates as YYYY-MM-DD, so
both the engine's loader and `yaml.CSafeLoader` read them back. `--check K` reloads the first K
files with the engine's loader and verifies that they validate to exactly the values of the
generated data (a round trip).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml

DEFAULT_PACK = ROOT / "tests" / "packs" / "demo"
DEFAULT_SEED = 20240601


def plain(value):
    """Generated data → data yaml.safe_dump writes as ordinary scalars."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        number = float(value)
        if Decimal(repr(number)) != value:  # never happens with the generator's six-place values
            raise ValueError(f"{value} does not survive as a float")
        return number
    if isinstance(value, dt.datetime):
        raise TypeError("datetimes are not profile values")
    return value  # int, str, date (safe_dump writes a date as YYYY-MM-DD, unquoted)


def case_profiles(pack_dir: Path) -> list[dict]:
    """The inline profiles of the pack's test cases: the bases the generator mutates."""
    from engine.testing.cases import case_files, load_cases

    return [loaded.case.profile for path in case_files(pack_dir) for loaded in load_cases(path)
            if loaded.case.profile is not None]


def generate(count: int, outdir: Path, *, seed: int = DEFAULT_SEED, pack_dir: Path = DEFAULT_PACK) -> list[Path]:
    from engine.pack.build import load_pack
    from engine.profile.generate import ProfileGenerator

    pack = load_pack(pack_dir)
    generator = ProfileGenerator(pack, seed=seed, bases=case_profiles(pack_dir))
    outdir.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(count - 1)))
    paths = []
    for index in range(count):
        text = yaml.safe_dump(plain(generator.profile(index)), allow_unicode=True, sort_keys=False)
        path = outdir / f"profile-{index:0{width}d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def check_round_trip(paths: list[Path], *, seed: int = DEFAULT_SEED, pack_dir: Path = DEFAULT_PACK) -> int:
    """Reload files with the engine's loader; compare with the generated data validated directly.

    Returns the number of files whose values differ (0 expected). The generator is re-run from the
    same seed, so this also checks that generation is deterministic."""
    from engine.api.engine import Engine
    from engine.profile.generate import ProfileGenerator

    engine = Engine.from_dirs([pack_dir], backend="reference")
    generator = ProfileGenerator(engine.packs[0], seed=seed, bases=case_profiles(pack_dir))
    bad = 0
    for index, path in enumerate(paths):
        direct = engine.schema.validate_data(generator.profile(index), "generated")
        loaded = engine.load_profile(path)
        with open(path, encoding="utf-8") as handle:
            cloader = yaml.load(handle.read(), Loader=yaml.CSafeLoader)
        if loaded.values != direct.values or loaded.meta != direct.meta:
            bad += 1
            print(f"round trip differs (engine loader): {path}", file=sys.stderr)
        elif engine.schema.validate_data(cloader, "cloader").values != direct.values:
            bad += 1
            print(f"round trip differs (CSafeLoader): {path}", file=sys.stderr)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of profiles")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--pack", type=Path, default=DEFAULT_PACK, help="pack directory (default: the demo pack)")
    parser.add_argument("--check", type=int, default=0, metavar="K",
                        help="verify the round trip of the first K files")
    args = parser.parse_args(argv)
    paths = generate(args.count, args.outdir, seed=args.seed, pack_dir=args.pack)
    print(f"wrote {len(paths)} profiles to {args.outdir}")
    if args.check:
        bad = check_round_trip(paths[:args.check], seed=args.seed, pack_dir=args.pack)
        print(f"round trip: {min(args.check, len(paths)) - bad} of {min(args.check, len(paths))} files identical")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
