#!/usr/bin/env python3
"""Derive the package's compact data tables from the upstream files in ../shared/data.

Each module in scripts/wwtables/ has `OUTPUTS` (file names under src/wattwise/data/) and
`build(shared: Path, out: Path) -> None`. Every row it writes carries source, year and license.

    python scripts/build_data.py                 # all tables
    python scripts/build_data.py countries cpus  # some
    python scripts/build_data.py --shared /path/to/shared/data

Build-time only dependency: pycountry (ISO 3166 alpha-2/alpha-3 mapping).
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("only", nargs="*", help="dataset modules to build (default: all)")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "src" / "wattwise" / "data")
    args = ap.parse_args(argv)
    if not args.shared.is_dir():
        print(f"upstream data not found at {args.shared}; pass --shared", file=sys.stderr)
        return 2
    import wwtables

    names = sorted(m.name for m in pkgutil.iter_modules(wwtables.__path__) if not m.name.startswith("_"))
    for name in names:
        if args.only and name not in args.only:
            continue
        mod = importlib.import_module(f"wwtables.{name}")
        mod.build(args.shared, args.out)
        print(f"built {name}: {', '.join(getattr(mod, 'OUTPUTS', []))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
