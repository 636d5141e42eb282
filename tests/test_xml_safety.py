"""XML safety: XXE (file and network entities) and entity-expansion bombs, per XML adapter.

Every document is generated in tmp_path. Each must end as SourceError or a Reject, its
entities never expanded (the secret never appears in any output) and no socket ever opened.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest import get_adapter
from ingest._xml import iterparse, parse_xml, parse_xml_bytes
from ingest.record import Reject, SourceError

SECRET = "TOP-SECRET-CONTENT-7f3a"

# Minimal documents of each XML format; {ref} is where the entity reference goes.
BODIES: dict[str, tuple[str, str]] = {
    "tei": (
        "TEI",
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        "<title>T {ref}</title></titleStmt></fileDesc></teiHeader>"
        "<text><body><p>Some words and {ref} here.</p></body></text></TEI>",
    ),
    "alto": (
        "alto",
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#"><Layout>'
        '<Page ID="p1" WIDTH="100" HEIGHT="100"><PrintSpace><TextBlock ID="b1"><TextLine>'
        '<String CONTENT="word"/><SP/><String CONTENT="{ref}"/></TextLine></TextBlock>'
        "</PrintSpace></Page></Layout></alto>",
    ),
    "lido": (
        "lido:lidoWrap",
        '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"><lido:lido>'
        '<lido:lidoRecID>r1</lido:lidoRecID><lido:descriptiveMetadata xml:lang="en">'
        "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>"
        "<lido:appellationValue>Title {ref}</lido:appellationValue></lido:titleSet>"
        "</lido:titleWrap></lido:objectIdentificationWrap></lido:descriptiveMetadata>"
        "</lido:lido></lido:lidoWrap>",
    ),
}


def _laughs(depth: int = 9) -> str:
    decls = ['<!ENTITY lol0 "lol">']
    decls += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)]
    return "\n".join(decls)


def documents(secret_file: Path) -> dict[str, Callable[[str, str], str]]:
    """name -> builder(root, body) of a hostile document."""
    uri = secret_file.as_uri()
    return {
        "xxe_file": lambda root, body: (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY x SYSTEM "{uri}">]>\n'
            + body.format(ref="&x;")
        ),
        "xxe_network": lambda root, body: (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY x SYSTEM '
            f'"http://127.0.0.1:9/secret">]>\n' + body.format(ref="&x;")
        ),
        "xxe_parameter": lambda root, body: (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY % p SYSTEM '
            f'"http://127.0.0.1:9/evil.dtd"> %p;]>\n' + body.format(ref="")
        ),
        "billion_laughs": lambda root, body: (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{_laughs()}\n]>\n'
            + body.format(ref="&lol9;")
        ),
    }


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record (and refuse) every attempt to open a connection."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def run_adapter(fmt: str, root: Path) -> list[Any]:
    """find + parse as the pipeline does; SourceError becomes a Reject."""
    adapter = get_adapter(fmt)
    out: list[Any] = []
    for unit in adapter.find(root):
        try:
            out.extend(adapter.parse(unit, root=root, collection="c", kind="book"))
        except SourceError as exc:
            out.append(Reject("c", str(unit), "ingest", exc.reason, exc.detail))
    return out


@pytest.mark.parametrize("fmt", list(BODIES))
@pytest.mark.parametrize("attack", ["xxe_file", "xxe_network", "xxe_parameter", "billion_laughs"])
def test_adapter_refuses_hostile_documents(
    fmt: str, attack: str, tmp_path: Path, no_network: list[Any]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    root = tmp_path / "collection"
    root.mkdir()
    name, body = BODIES[fmt]
    (root / "doc.xml").write_text(documents(secret)[attack](name, body), encoding="utf-8")
    items = run_adapter(fmt, root)
    assert items, "the file must not be silently skipped"
    assert all(isinstance(i, Reject) for i in items), items
    assert {i.reason for i in items} == {"unsafe_xml"}
    assert SECRET not in repr(items) and "lollollol" not in repr(items)
    assert no_network == []


@pytest.mark.parametrize("attack", ["xxe_file", "xxe_network", "xxe_parameter", "billion_laughs"])
def test_shared_readers_refuse(attack: str, tmp_path: Path, no_network: list[Any]) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    name, body = BODIES["tei"]
    text = documents(secret)[attack](name, body)
    f = tmp_path / "doc.xml"
    f.write_text(text, encoding="utf-8")
    for read in (
        lambda: parse_xml(f),
        lambda: parse_xml_bytes(text.encode()),
        lambda: list(iterparse(f)),
    ):
        with pytest.raises(SourceError) as exc:
            read()
        assert exc.value.reason == "unsafe_xml"
        assert SECRET not in str(exc.value)
    assert no_network == []


def test_iterparse_refuses_before_any_element(tmp_path: Path) -> None:
    name, body = BODIES["lido"]
    f = tmp_path / "bomb.xml"
    f.write_text(documents(tmp_path / "x")["billion_laughs"](name, body), encoding="utf-8")
    seen = []
    with pytest.raises(SourceError, match="unsafe_xml"):
        for _event, el in iterparse(f, events=("start", "end")):
            seen.append(el.tag)
    assert seen == []


def test_external_dtd_reference_is_neither_fetched_nor_refused(
    tmp_path: Path, no_network: list[Any]
) -> None:
    """TEI files often name a DTD; it is not loaded (no network) and the text is read."""
    name, body = BODIES["tei"]
    f = tmp_path / "doc.xml"
    f.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE {name} SYSTEM "http://127.0.0.1:9/tei_all.dtd">\n'
        + body.format(ref="plain"),
        encoding="utf-8",
    )
    tree = parse_xml(f)
    assert "Some words and plain here." in "".join(tree.getroot().itertext())
    assert no_network == []


def test_streaming_reports_the_real_cause_of_a_broken_file(tmp_path: Path) -> None:
    """lxml's iterparse says "no element found" for a broken file; the reason names the cause,
    for files and for XML held in memory alike."""
    data = b'<?xml version="1.0"?><alto><a>&undeclared;</a></alto>'
    path = tmp_path / "broken.xml"
    path.write_bytes(data)
    for source in (path, data):
        with pytest.raises(SourceError) as caught:
            list(iterparse(source))
        assert caught.value.reason == "bad_xml"
        assert "Entity 'undeclared' not defined, line 1" in caught.value.detail
    with pytest.raises(SourceError, match="no XML content"):
        list(iterparse(b"  \n"))
