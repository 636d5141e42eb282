"""How stage entry points end: configuration errors print one clear line and exit 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from pipeline.params import ConfigError


def exit_with(main: Callable[[], int], prog: str) -> None:
    """Run a stage's main(); a ConfigError ends the run at once with the fix, not a traceback."""
    try:
        code = main()
    except ConfigError as exc:
        print(f"{prog}: configuration error: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


def configure_logging(level: int = logging.INFO) -> None:
    """Stage logging: our modules at INFO, Dask's own chatter only from WARNING up."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("distributed", "dask", "bokeh", "tornado", "gensim", "smart_open"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
