"""Streaming ALTO reader: same words and order as the page read whole, a small tree, no entities.

Built from the committed BnL 1858 page (tests/samples/alto/bnl_v3_mm10.xml, ALTO 3.1): its last
block is cut after the line ending on HypPart1 "ar" (HypPart2 "ticle.", SUBS_CONTENT "article."),
the second half is moved to the front of the layout, and reading order puts it back.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLES
from lxml import etree

from ingest import alto
from ingest.record import Page, Record, SourceError

SAMPLE = SAMPLES / "alto" / "bnl_v3_mm10.xml"
NS = "http://www.loc.gov/standards/alto/ns-v3#"
ORDER = ["P1_TB00001", "P1_TB00002", "P1_TB00010", "P1_TB00011"]


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def split_page(how: str) -> bytes:
    """The sample with P1_TB00010 cut after its HypPart1 line, the tail first in the layout."""
    root = etree.parse(str(SAMPLE)).getroot()
    block = next(b for b in root.iter(q("TextBlock")) if b.get("ID") == "P1_TB00010")
    lines = list(block.iter(q("TextLine")))
    cut = next(i for i, line in enumerate(lines)
               if any(s.get("ID") == "P1_ST00220" for s in line.iter(q("String"))))
    tail = etree.Element(q("TextBlock"), ID="P1_TB00011")
    for line in lines[cut + 1:]:
        tail.append(line)  # moves the line out of P1_TB00010
    # an empty block between the halves: it holds no String, so the HypPart1 stays open
    empty = etree.Element(q("TextBlock"), ID="P1_TB00099")
    etree.SubElement(empty, q("TextLine"), ID="empty_line")
    first = next(root.iter(q("TextBlock")))
    first.addprevious(tail)
    first.addprevious(empty)
    if how == "idnext":
        chain = [*ORDER[:3], "P1_TB00099", "P1_TB00011"]
        blocks = {b.get("ID"): b for b in root.iter(q("TextBlock"))}
        for here, after in zip(chain, chain[1:], strict=False):
            blocks[here].set("IDNEXT", after)
    else:
        order = etree.Element(q("ReadingOrder"))
        group = etree.SubElement(order, q("OrderedGroup"), ID="OG1")
        for i, ref in enumerate([*ORDER[:3], "P1_TB00099", "P1_TB00011"]):
            etree.SubElement(group, q("ElementRef"), ID=f"ER{i}", REF=ref)
        next(root.iter(q("Layout"))).addprevious(order)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@pytest.mark.parametrize("how", ["idnext", "readingorder"])
def test_split_page_reads_as_the_original(how: str, tmp_path: Path) -> None:
    whole = alto.read_alto(SAMPLE)
    path = tmp_path / "split.xml"
    path.write_bytes(split_page(how))
    page = alto.read_alto(path)
    assert page == alto.read_alto(path.read_bytes())
    # reading order puts the tail back after its head: same words, same String IDs
    assert list(page.blocks) == [*ORDER[:3], "P1_TB00099", "P1_TB00011"]
    assert page.words == whole.words
    assert page.n_words == whole.n_words == 53
    assert page.string_index == whole.string_index
    assert page.word_confidence == whole.word_confidence
    # the HypPart1 of P1_TB00010 is completed by the HypPart2 opening P1_TB00011 (after an
    # empty block): one word "article.", counted in the block where it starts
    assert [w for w, _c in page.words].count("article.") == 1
    assert "ticle." not in [w for w, _c in page.words]
    joined = page.string_index["P1_ST00221"]
    assert joined == page.string_index["P1_ST00220"]
    assert page.words[joined] == ("article.", 0.995)  # mean of WC 1.00 and 0.99
    assert page.word_blocks[joined] == "P1_TB00010"
    assert page.blocks["P1_TB00010"].endswith("expressions du premier article.")
    assert page.blocks["P1_TB00011"].startswith("Ces déclarations semi-officielles")
    assert page.blocks["P1_TB00099"] == ""
    assert page.text == whole.text.replace("article. Ces", "article.\n\nCes")
    assert page.text.startswith("Nr. 288.— Dinstag, 7. Dezember 1858.\n\nN° 288.—Mardi")
    assert (page.width, page.height, page.unit, page.version) == (3059.1, 4783.5, "mm10", "3.1")
    assert page.pages == ()


def test_layout_order_without_reading_order(tmp_path: Path) -> None:
    # the same file without IDNEXT or ReadingOrder: layout order, and the HypPart2 that now
    # opens the page has no HypPart1 before it, so "ticle." stays a word of its own
    root = etree.fromstring(split_page("idnext"))
    for b in root.iter(q("TextBlock")):
        b.attrib.pop("IDNEXT", None)
    page = alto.read_alto(etree.tostring(root))
    assert list(page.blocks) == ["P1_TB00011", "P1_TB00099", *ORDER[:3]]
    assert page.text.startswith("ticle. Ces déclarations")
    assert page.words[0] == ("ticle.", 0.99)
    assert page.blocks["P1_TB00010"].endswith("du premier article.")  # SUBS_CONTENT kept


def big_page(path: Path, copies: int) -> Path:
    """The sample page with its PrintSpace content repeated: one very large page."""
    data = SAMPLE.read_bytes()
    start = data.index(b">", data.index(b"<PrintSpace")) + 1
    end = data.rindex(b"</PrintSpace>")
    with path.open("wb") as out:
        out.write(data[:start])
        for _ in range(copies):
            out.write(data[start:end])
        out.write(data[end:])
    return path


def test_tree_is_cleared_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_page(tmp_path / "big.xml", 400)  # ~4 MB, 1,200 TextBlocks
    live: list[int] = []
    read_block = alto._WordBuilder.read_block.__func__  # type: ignore[attr-defined]

    def counting(cls: Any, block: etree._Element, **kw: Any) -> Any:
        live.append(sum(1 for _ in block.getroottree().getroot().iter()))
        return read_block(cls, block, **kw)

    monkeypatch.setattr(alto._WordBuilder, "read_block", classmethod(counting))
    page = alto.read_alto(path)
    assert page.n_words == 53 * 400
    assert len(live) == 3 * 400
    # at each block's end the tree holds the ancestors, this block and what the parser has read
    # ahead in its current input chunk, never the blocks read before: it does not grow
    whole_tree = sum(1 for _ in etree.parse(str(path)).getroot().iter())
    assert whole_tree > 40_000
    assert max(live) < 1_000


_RSS_CHILD = """
import resource, sys
from pathlib import Path
from ingest import alto
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
page = alto.read_alto(Path(sys.argv[1]))
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(page.n_words, page.words[1][0], grown * 1024)
"""


def test_memory_grows_with_the_words_not_the_xml(tmp_path: Path) -> None:
    # lxml's tree lives outside Python's allocator (tracemalloc does not see it), so the peak
    # RSS of a fresh process is measured: a whole-tree parse of this page grew by ~420 MB
    path = big_page(tmp_path / "big.xml", 2000)  # ~20 MB, 106,000 words
    size = path.stat().st_size
    done = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    n_words, second, grown = done.stdout.split()
    assert (int(n_words), second) == (53 * 2000, "288.—")
    # what grows is the words kept (~11 MB here), not the 20 MB of XML
    assert int(grown) < size


def test_multi_page_file(tmp_path: Path) -> None:
    root = etree.parse(str(SAMPLE)).getroot()
    page1 = next(root.iter(q("Page")))
    page2 = copy.deepcopy(page1)
    page2.set("ID", "Page2")
    page2.set("WIDTH", "10000")
    for b in page2.iter(q("TextBlock")):
        b.set("ID", "P2" + b.get("ID", "")[2:])
    for s in page2.iter(q("String")):
        s.set("ID", "P2" + s.get("ID", "")[2:])
    page1.addnext(page2)
    path = tmp_path / "book" / "two_pages.xml"
    path.parent.mkdir()
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    one = alto.read_alto(SAMPLE)
    both = alto.read_alto(path)
    # the file is one text, both pages in it; each page keeps its own size
    assert both.n_words == 2 * one.n_words
    assert both.text == f"{one.text}\n\n{one.text}"
    assert (both.width, both.height) == (one.width, one.height)
    assert [(p.page_id, p.width, p.n_words, p.text) for p in both.pages] == [
        ("P1", one.width, one.n_words, one.text),
        ("Page2", round(10000 / 254 * 300, 1), one.n_words, one.text),
    ]
    assert both.pages[1].word_confidence == one.word_confidence
    out = list(alto.parse(path, root=tmp_path, collection="c", kind="press"))
    pages = [o for o in out if isinstance(o, Page)]
    (record,) = [o for o in out if isinstance(o, Record)]
    assert [(p.page_number, p.width, p.n_words) for p in pages] == [
        (1, one.width, 53), (2, 11811.0, 53)]
    assert {Path(p.alto_path or "").parts[-2:] for p in pages} == {("book", "two_pages.xml")}
    assert record.text == both.text
    assert record.metadata["n_pages"] == "2"
    assert record.metadata["n_pages_missing"] == "0"


SECRET = "TOP-SECRET-ALTO-91c2"


def hostile(attack: str, secret: Path) -> bytes:
    body = SAMPLE.read_text(encoding="utf-8").split("?>", 1)[1]
    body = body.replace('CONTENT="Dinstag,"', 'CONTENT="&x;"', 1)
    if attack == "xxe_file":
        dtd = f'<!ENTITY x SYSTEM "{secret.as_uri()}">'
    elif attack == "xxe_network":
        dtd = '<!ENTITY x SYSTEM "http://127.0.0.1:9/secret">'
    else:
        lols = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
        dtd = "\n".join(lols) + '\n<!ENTITY x "&lol9;">'
    return f'<?xml version="1.0"?>\n<!DOCTYPE alto [{dtd}]>{body}'.encode()


@pytest.mark.parametrize("attack", ["xxe_file", "xxe_network", "billion_laughs"])
def test_entities_are_refused(attack: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    data = hostile(attack, secret)
    path = tmp_path / "hostile.xml"
    path.write_bytes(data)
    for source in (path, data):
        with pytest.raises(SourceError) as err:
            alto.read_alto(source)
        assert err.value.reason == "unsafe_xml"
        assert SECRET not in str(err.value.detail)


def test_broken_files_are_reported(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    truncated = data[: len(data) // 2]
    for source in (truncated, b"   \n"):
        with pytest.raises(SourceError) as err:
            alto.read_alto(source)
        assert err.value.reason == ("bad_xml" if source is truncated else "empty_file")
    # a broken file that is not ALTO is reported as broken first, as a whole-tree parse does
    with pytest.raises(SourceError) as err:
        alto.read_alto(b"<TEI><text>" + b"<p>x</p>" * 10)
    assert err.value.reason == "bad_xml"


def test_word_count_keeps_no_list_of_words() -> None:
    """count_words runs over every record's text; a one-record 1 GB ALTO file has 5 M words, and
    a list of them (findall) once added 240 MB to its peak (benchmarks/README.md)."""
    import tracemalloc

    from ingest.record import count_words

    text = "Luxemburg, den 3. Mai 1858. Die Regierung hat beschlossen — " * 20_000
    tracemalloc.start()
    try:
        n = count_words(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 9 * 20_000
    assert peak < 100_000  # bytes: a match object at a time, not 180,000 word strings


def test_ids_are_kept_only_when_asked(tmp_path: Path) -> None:
    """Without METS nothing looks String or block IDs up; a real page or book gives every String
    its own ID, and keeping them all took most of the memory (bench_ingest: a 200 MB page with
    unique IDs peaked at 350 MB, 163 MB without them)."""
    import re
    import tracemalloc

    data = SAMPLE.read_bytes()
    start = data.index(b">", data.index(b"<PrintSpace")) + 1
    end = data.rindex(b"</PrintSpace>")
    body = data[start:end]
    path = tmp_path / "unique.xml"
    with path.open("wb") as out:  # 200 copies of the page body, each with IDs of its own
        out.write(data[:start])
        for k in range(200):
            out.write(re.sub(rb'(\b(?:ID|IDNEXT)="[^"]*)"', rb'\1_c%d"' % k, body))
        out.write(data[end:])
    peaks = {}
    pages = {}
    for keep in (True, False):
        tracemalloc.start()
        try:
            pages[keep] = alto.read_alto(path, ids=keep)
            peaks[keep] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    full, lean = pages[True], pages[False]
    assert (lean.text, lean.words, lean.n_words) == (full.text, full.words, full.n_words)
    assert lean.n_words == 53 * 200 and len(full.string_index) == 54 * 200  # a HypPart pair
    assert not (lean.string_index or lean.word_blocks or lean.blocks or lean.block_parents)
    assert peaks[False] < 0.6 * peaks[True]
