"""The explorer's web application: a Starlette JSON API over explorer.api plus one static page.

Routes: `/` the page; `/static/...` its script, style and the vendored Vega files;
`/api/<view>?...` one view as JSON ({columns, rows, notes, ...}) or, with `format=csv`, its
table as a CSV download; `/api/page-image?doc_id=..&page=..` a page image found through the
warehouse's pages table. Errors are JSON {"error": message} with status 400, shown by the page.
Starlette: https://www.starlette.io/
"""

from __future__ import annotations

import json
import logging
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from warehouse.explorer.api import BadRequest, Explorer, View

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def plain(value: Any) -> Any:
    """A JSON-ready value: NaN/NaT -> null, numpy scalars and arrays -> Python ones."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    return value


def payload(view: View) -> dict[str, Any]:
    frame = view.frame
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return plain(
        {
            "columns": list(map(str, frame.columns)),
            "rows": rows,
            "notes": view.notes,
            "elapsed_ms": round(view.elapsed_ms, 1),
            **view.extra,
        }
    )


def csv_name(view_name: str, request: Request) -> str:
    keys = [v for k, v in request.query_params.multi_items() if k in ("term", "word", "doc_id")]
    stem = "-".join([view_name, *keys])[:80]
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem) + ".csv"


def create_app(explorer: Explorer) -> Starlette:
    def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    def api(request: Request) -> Response:
        name = request.path_params["view"]
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        fmt = params.pop("format", ["json"])[-1]
        try:
            if fmt not in ("json", "csv"):
                raise BadRequest(f"format={fmt!r}; use json or csv")
            view = explorer.run(name, params)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except ValueError as exc:  # a refused argument of the Warehouse API
            return JSONResponse({"error": str(exc)}, status_code=400)
        except Exception as exc:  # shown as a message, never a blank view
            logger.exception("view %s failed", name)
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=500)
        if fmt == "csv":
            return Response(
                view.frame.to_csv(index=False),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="{csv_name(name, request)}"'
                },
            )
        return Response(
            json.dumps(payload(view), ensure_ascii=False, allow_nan=False),
            media_type="application/json",
        )

    def page_image(request: Request) -> Response:
        try:
            page = int(request.query_params.get("page", ""))
            path, media = explorer.page_image(request.query_params.get("doc_id", ""), page)
        except (BadRequest, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return FileResponse(path, media_type=media)

    routes = [
        Route("/", index),
        Route("/api/page-image", page_image),
        Route("/api/{view:str}", api),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)
