"""`longue explore`: the warehouse in the browser, served on this machine.

Opens the warehouse read-only (sandboxed: no file access, configuration locked) and serves the
explorer (warehouse/explorer/) at http://127.0.0.1:8765/ by default. Nothing is fetched from the
internet: the page's scripts, Vega included, are served from the package.

    longue explore                           # data/warehouse/longue.duckdb (or $LONGUE_WAREHOUSE)
    longue explore --warehouse other.duckdb --port 9000
    longue explore --host 0.0.0.0            # other machines may connect: mind who can reach it
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from pathlib import Path

from pipeline.errors import configure_logging
from pipeline.params import DATA
from warehouse.queries import Warehouse, resolve_path

logger = logging.getLogger(__name__)
DEFAULT_PORT = 8765


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="longue explore", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: the pipeline's)")
    parser.add_argument(
        "--raw",
        type=Path,
        default=DATA / "raw",
        help="folder the warehouse's source paths are relative to (page images, ALTO word "
        "boxes); default data/raw",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT}; 0 = any free)"
    )
    return parser.parse_args(argv)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def run(db: Path, raw: Path, host: str, port: int) -> None:
    import uvicorn

    from warehouse.explorer.api import Explorer
    from warehouse.explorer.app import create_app

    start = time.perf_counter()
    wh = Warehouse.open(db)
    explorer = Explorer(wh, raw)
    explorer.warm()
    port = port or free_port(host)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(
        f"longue explore: {db} read-only, ready in {time.perf_counter() - start:.1f} s\n"
        f"  open http://{shown}:{port}/ in a browser (Ctrl-C to stop)",
        flush=True,
    )
    try:
        uvicorn.run(create_app(explorer), host=host, port=port, log_level="warning")
    finally:
        wh.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(logging.WARNING)
    db = resolve_path(args.warehouse)
    if not db.exists():
        print(
            f"longue explore: no warehouse at {db}; build it with `bash scripts/run.sh` "
            "(or `dvc repro warehouse`), or pass --warehouse PATH",
            file=sys.stderr,
        )
        return 2
    try:
        run(db, args.raw, args.host, args.port)
    except OSError as exc:  # the port is taken, the address is not ours
        print(f"longue explore: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
