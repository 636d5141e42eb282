"""Safe XML parsing shared by the XML adapters: no external entities, no network, no DTDs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ingest.record import SourceError


def safe_parser(**kwargs: Any) -> etree.XMLParser:
    """An lxml parser that resolves no entities, loads no DTD and touches no network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        **kwargs,
    )


def parse_xml(path: Path) -> etree._ElementTree:
    """Parse a whole XML file safely; any failure becomes SourceError('bad_xml')."""
    try:
        if path.stat().st_size == 0:
            raise SourceError("empty_file", str(path))
        tree = etree.parse(str(path), safe_parser())
    except SourceError:
        raise
    except etree.XMLSyntaxError as exc:
        raise SourceError("bad_xml", f"{exc}") from exc
    except OSError as exc:
        raise SourceError("unreadable", f"{exc}") from exc
    _refuse_entities(tree)
    return tree


def parse_xml_bytes(data: bytes) -> etree._ElementTree:
    """Parse XML held in memory with the same safety as parse_xml."""
    if not data.strip():
        raise SourceError("empty_file", "no XML content")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise SourceError("bad_xml", f"{exc}") from exc
    tree = root.getroottree()
    _refuse_entities(tree)
    return tree


def _refuse_entities(tree: etree._ElementTree) -> None:
    # A DOCTYPE that declares entities is how XXE and billion-laughs documents start.
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise SourceError("unsafe_xml", "document declares entities in its DTD; refused")


def iterparse(
    path: Path, tag: str | tuple[str, ...] | None = None, events: tuple[str, ...] = ("end",)
) -> Iterator[tuple[str, etree._Element]]:
    """Stream elements with the safe settings; the caller clears what it has used."""
    try:
        yield from etree.iterparse(
            str(path),
            events=events,
            tag=tag,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
        )
    except etree.XMLSyntaxError as exc:
        raise SourceError("bad_xml", f"{exc}") from exc


def localname(el: etree._Element) -> str:
    """Tag without namespace ('' for comments and processing instructions)."""
    tag = el.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
