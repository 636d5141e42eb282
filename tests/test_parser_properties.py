"""Property-based tests: whatever the bytes, the ALTO, TEI and LIDO adapters and the date parser
return records, pages or rejects, or raise SourceError; never another exception.

Inputs: random bytes, and real samples mutated (truncated at a random offset, a random tag
deleted, random characters injected). Spec: ingest/__init__.py adapter protocol; issue 8.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import alto, dates, get_adapter
from ingest.record import PRECISIONS, Page, Record, Reject, SourceError
from tests.conftest import SAMPLES

logger = logging.getLogger(__name__)

PROFILE = settings(
    max_examples=200,
    deadline=dt.timedelta(seconds=5),
    derandomize=True,  # the same examples on every CI run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SOURCES = {
    "alto": [
        SAMPLES / "alto" / n
        for n in ("onb_v2_composed.xml", "tesseract_v3_output.xml", "bnl_v3_mm10.xml")
    ],
    "tei": [SAMPLES / "tei" / n for n in ("tcp_A83466.xml", "frus1894Nicaragua_trimmed.xml")],
    "lido": sorted((SAMPLES / "lido").glob("*.xml")),
}
KINDS = {"alto": "press", "tei": "book", "lido": "museum"}
_TAG = re.compile(rb"<[^>]{0,200}>")
_WORKDIR = Path(tempfile.mkdtemp(prefix="longue-props-"))


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """A real sample of `fmt`, truncated, with a tag deleted, or with characters injected."""
    data = draw(st.sampled_from(SOURCES[fmt])).read_bytes()
    how = draw(st.sampled_from(["truncate", "delete_tag", "inject", "all"]))
    if how in ("delete_tag", "all"):
        tags = list(_TAG.finditer(data))
        m = tags[draw(st.integers(0, len(tags) - 1))]
        data = data[: m.start()] + data[m.end() :]
    if how in ("inject", "all"):
        at = draw(st.integers(0, len(data)))
        junk = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "<",
                        "&",
                        "&amp",
                        "]]>",
                        "<!--",
                        "\x00",
                        "\ufeff",
                        "<?xml?>",
                        "<!DOCTYPE x [<!ENTITY e 'e'>]>",
                        "&e;",
                        "\ud7ff",
                        "é",
                    ]
                ),
                st.text(max_size=8),
            )
        )
        data = data[:at] + junk.encode("utf-8", "surrogatepass") + data[at:]
    if how in ("truncate", "all"):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def parse_all(fmt: str, data: bytes) -> list[object]:
    """Write `data` as one unit of `fmt` and parse it as the ingest stage does."""
    folder = _WORKDIR / fmt
    folder.mkdir(exist_ok=True)
    path = folder / "unit.xml"
    path.write_bytes(data)
    adapter = get_adapter(fmt)
    try:
        items = list(adapter.parse(path, root=folder, collection="c", kind=KINDS[fmt]))
    except SourceError as exc:
        assert exc.reason and isinstance(exc.detail, str)
        return []
    for item in items:
        assert isinstance(item, Record | Page | Reject), type(item)
        if isinstance(item, Record):
            item.finalize()  # a record the adapter yields is valid
        if isinstance(item, Reject):
            assert item.reason
    return items


@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_the_samples_themselves_give_records(fmt: str) -> None:
    for path in SOURCES[fmt]:
        assert any(isinstance(i, Record | Page) for i in parse_all(fmt, path.read_bytes())), path


@PROFILE
@given(data=st.binary(max_size=3000))
@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_random_bytes_never_crash_an_adapter(fmt: str, data: bytes) -> None:
    parse_all(fmt, data)


@PROFILE
@given(data=st.data())
@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_mutated_samples_never_crash_an_adapter(fmt: str, data: st.DataObject) -> None:
    parse_all(fmt, data.draw(mutated(fmt)))


@pytest.mark.parametrize("fmt", sorted(SOURCES))
@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n<lido:',  # found by Hypothesis: a ValueError
        b'<?xml version="1.0" encoding="UTF-8"?>\n<lido:lido',
        b"<lido:",
    ],
)
def test_a_root_tag_cut_off_is_bad_xml_not_a_crash(fmt: str, data: bytes) -> None:
    folder = _WORKDIR / f"{fmt}-cut"
    folder.mkdir(exist_ok=True)
    path = folder / "unit.xml"
    path.write_bytes(data)
    with pytest.raises(SourceError) as exc:
        list(get_adapter(fmt).parse(path, root=folder, collection="c", kind=KINDS[fmt]))
    assert exc.value.reason == "bad_xml"


@PROFILE
@given(data=st.data())
def test_read_alto_from_bytes_returns_a_page_or_source_error(data: st.DataObject) -> None:
    raw = data.draw(st.one_of(st.binary(max_size=2000), mutated("alto")))
    try:
        page = alto.read_alto(raw)
    except SourceError:
        return
    assert isinstance(page.text, str)


@PROFILE
@given(
    text=st.one_of(
        st.text(max_size=60),
        st.from_regex(
            r"\s*(c\.|ca\.|\[)?\s*\d{1,4}(-\d{1,2}(-\d{1,2})?)?\s*(\?|\])?\s*", fullmatch=True
        ),
        st.builds(
            lambda d, m, y: f"{d} {m} {y}",
            st.integers(0, 40),
            st.sampled_from(["février", "February", "brumaire an", "Octobr.", "mars", "Mai"]),
            st.integers(0, 3000),
        ),
        st.builds(lambda a, b: f"{a}-{b}", st.integers(0, 9999), st.integers(0, 9999)),
    )
)
def test_parse_date_never_raises_and_keeps_a_sane_interval(text: str) -> None:
    info = dates.parse_date(text)
    if info.start is None:
        assert info.end is None and info.year is None
        return
    assert info.end is not None and info.start <= info.end
    assert info.year is not None and info.start.year <= info.year <= info.end.year
    assert info.precision in PRECISIONS
