"""params.yaml: the collection registry and every tunable value, validated on load.

Bad configuration fails here, at once, with a message that names the fix.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest import UnknownFormat, get_adapter
from ingest.record import KINDS

logger = logging.getLogger(__name__)

ROOT = Path(os.environ.get("LONGUE_ROOT", Path(__file__).resolve().parents[1]))
PARAMS = ROOT / "params.yaml"
DATA = ROOT / "data"
STAGED = DATA / "staged"
NLP = DATA / "nlp"
MODELS = DATA / "models"
WAREHOUSE = DATA / "warehouse" / "longue.duckdb"
REPORTS = ROOT / "reports"

_COLLECTION_KEYS = {
    "kind",
    "format",
    "path",
    "languages",
    "options",
    "allow_outside",
    "description",
}


class ConfigError(ValueError):
    """params.yaml is wrong; the message says what to change."""


@dataclass(frozen=True)
class CollectionConfig:
    name: str
    kind: str
    format: str
    path: Path  # absolute
    languages: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    allow_outside: bool = False
    description: str = ""


@dataclass(frozen=True)
class Params:
    collections: dict[str, CollectionConfig]
    sections: dict[str, Any]  # every other top-level section, as written

    def section(self, name: str) -> dict[str, Any]:
        value = self.sections.get(name) or {}
        if not isinstance(value, dict):
            raise ConfigError(
                f"params.yaml: '{name}' must be a mapping, got {type(value).__name__}"
            )
        return value


def load_params(path: Path = PARAMS, *, check_paths: bool = True) -> Params:
    """Read and validate params.yaml."""
    if not path.exists():
        raise ConfigError(f"{path} not found; run from the repository root or set LONGUE_ROOT")
    with path.open(encoding="utf-8") as f:
        raw = yaml.safe_load(f) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    entries = raw.get("collections") or {}
    if not isinstance(entries, dict):
        raise ConfigError("params.yaml: 'collections' must map collection names to entries")
    base = path.parent
    collections = {
        name: parse_collection(name, entry, base, check_paths=check_paths)
        for name, entry in entries.items()
    }
    sections = {k: v for k, v in raw.items() if k != "collections"}
    return Params(collections=collections, sections=sections)


def parse_collection(
    name: str, entry: Any, base: Path, *, check_paths: bool = True
) -> CollectionConfig:
    """Validate one registry entry."""
    where = f"params.yaml: collections.{name}"
    if not isinstance(name, str) or not name or name != name.lower() or " " in name or "/" in name:
        raise ConfigError(f"{where}: collection names are kebab-case ids such as 'bl-newspapers'")
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping with kind, format and path")
    unknown = set(entry) - _COLLECTION_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_COLLECTION_KEYS)}"
        )
    for key in ("kind", "format", "path"):
        if not entry.get(key):
            raise ConfigError(f"{where}: '{key}' is missing")
    kind = entry["kind"]
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        adapter = get_adapter(str(entry["format"]))
    except UnknownFormat as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: 'options' must be a mapping")
    accepted = getattr(adapter, "OPTIONS", {})
    bad = set(options) - set(accepted)
    if bad:
        raise ConfigError(
            f"{where}: option(s) {sorted(bad)} not understood by format "
            f"{entry['format']!r}; it accepts: {', '.join(sorted(accepted)) or 'none'}"
        )
    languages = entry.get("languages") or []
    if isinstance(languages, str):
        languages = [languages]
    allow_outside = bool(entry.get("allow_outside", False))
    path = (base / str(entry["path"])).resolve()
    data_root = (base / "data").resolve()
    if not allow_outside and not path.is_relative_to(data_root):
        raise ConfigError(
            f"{where}: path {entry['path']!r} is outside {data_root}; move it under "
            "data/raw/ or set 'allow_outside: true' for this collection"
        )
    if check_paths and not path.exists():
        raise ConfigError(f"{where}: path {path} does not exist; fix 'path' or add the files")
    return CollectionConfig(
        name=name,
        kind=kind,
        format=str(entry["format"]),
        path=path,
        languages=tuple(str(x) for x in languages),
        options=dict(options),
        allow_outside=allow_outside,
        description=str(entry.get("description", "")),
    )
