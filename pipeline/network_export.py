"""`longue network-export`: actor networks per period written as GEXF, GraphML and CSV.

longue network-export --mode sender_recipient --by decade --from 1860 --to 1869 --out exports/
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline.errors import configure_logging, exit_with
from pipeline.params import DATA
from warehouse.networks import FORMATS, MODES, UNITS
from warehouse.queries import Warehouse, resolve_path

logger = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="longue network-export",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--mode", choices=MODES, default="sender_recipient")
    parser.add_argument("--by", default="decade", help="year, decade, quarter-century, century, N")
    parser.add_argument("--from", dest="start", type=int, help="first year (inclusive)")
    parser.add_argument("--to", dest="end", type=int, help="last year (inclusive)")
    parser.add_argument("--unit", choices=UNITS, default="sentence", help="co_mention only")
    parser.add_argument("--kinds", nargs="*", help="document kinds (cable, press, book, museum)")
    parser.add_argument("--actor-kinds", nargs="*", help="person, org, place, role")
    parser.add_argument("--min-weight", type=int, default=1)
    parser.add_argument("--formats", nargs="*", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--warehouse", type=Path, help="default: $LONGUE_WAREHOUSE or data/")
    parser.add_argument("--out", type=Path, default=DATA / "exports" / "networks")
    return parser.parse_args(argv)


def run(
    db: Path,
    out: Path,
    mode: str,
    by: str | int,
    period: tuple[int, int] | None,
    formats: list[str],
    **options: object,
) -> list[Path]:
    """Export one mode's networks from the warehouse at `db` into `out`; the files written."""
    with Warehouse.open(db) as wh:
        return wh.export_network(out, mode=mode, by=by, formats=formats, period=period, **options)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    by: str | int = int(args.by) if str(args.by).isdigit() else args.by
    period = None
    if args.start is not None or args.end is not None:
        period = (args.start if args.start is not None else -9999, args.end or 9999)
    options: dict[str, object] = {"min_weight": args.min_weight}
    if args.mode == "co_mention":
        options["unit"] = args.unit
    if args.kinds:
        options["kinds"] = args.kinds
    if args.actor_kinds:
        options["actor_kinds"] = args.actor_kinds
    written = run(
        resolve_path(args.warehouse), args.out, args.mode, by, period, args.formats, **options
    )
    print(f"network-export: {len(written)} files in {args.out}")
    for path in written:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    exit_with(main, "longue network-export")
