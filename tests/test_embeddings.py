"""Word2vec per period, Procrustes alignment and drift on two real ELTeC novels (data/raw/eltec)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ingest._xml import parse_xml
from ingest.record import TOKEN_SCHEMA
from models import embeddings
from models.embeddings import EmbeddingConfig
from models.periods import Period
from models.schemas import DRIFT_SCHEMA, NEIGHBOUR_SCHEMA, PERIOD_SCHEMA

ELTEC = Path(__file__).resolve().parents[1] / "data" / "raw" / "eltec"
TEI = "{http://www.tei-c.org/ns/1.0}"
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[^\w\s]")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
SEGMENT = 500  # tokens per pseudo-document

# Small periods (~43k tokens) need more passes than the default 5 epochs to learn anything.
CONFIG = EmbeddingConfig(vector_size=50, epochs=20, seeds=(42, 43), watch_terms=("heart", "zzz"))
PERIODS = [Period("A", 1850, 1859), Period("B", 1860, 1869), Period("C", 1870, 1879)]
SWAP = ("heart", "room")  # ~55 occurrences each per period


def read_tokens(path: Path) -> pa.Table:
    """Regex-tokenise an ELTeC novel's body paragraphs into a TOKEN_SCHEMA table.

    Sentences are split after . ! ? ; and the novel is cut into SEGMENT-token documents.
    """
    body = parse_xml(path).find(f".//{TEI}body")
    cols: dict[str, list] = {n: [] for n in TOKEN_SCHEMA.names}
    position = sentence = 0
    for p in body.iter(f"{TEI}p"):
        for s in SENTENCE_END.split(" ".join("".join(p.itertext()).split())):
            for m in WORD.finditer(s):
                w = m.group()
                cols["doc_id"].append(f"eltec:{path.stem}:{position // SEGMENT:04d}")
                cols["sentence"].append(sentence)
                cols["position"].append(position)
                cols["start_char"].append(m.start())
                cols["text"].append(w)
                cols["lemma"].append(w.lower())
                cols["pos"].append(None)
                cols["entity_type"].append("")
                cols["is_stop"].append(False)
                cols["is_alpha"].append(w.isalpha())
                cols["word_confidence"].append(None)
                for _name in ("dep", "head", "morph"):  # no parse in a regex tokenisation
                    cols[_name].append(None)
                position += 1
            sentence += 1
    return pa.table(cols, schema=TOKEN_SCHEMA)


def swap_words(tokens: pa.Table, doc_periods: dict[str, str], period: str) -> pa.Table:
    """In one period, every SWAP[0] becomes SWAP[1] and vice versa: an injected meaning shift."""
    a, b = SWAP
    rows = tokens.to_pylist()
    for r in rows:
        if doc_periods.get(r["doc_id"]) == period and r["lemma"] in SWAP:
            r["lemma"] = r["text"] = b if r["lemma"] == a else a
    return pa.Table.from_pylist(rows, schema=TOKEN_SCHEMA)


@pytest.fixture(scope="module")
def corpus() -> tuple[pa.Table, dict[str, str]]:
    """Two novels, their 500-token documents dealt alternately to periods A and B.

    Four documents (~2000 tokens) go to period C, too thin to train. Period B has SWAP applied.
    """
    tokens = pa.concat_tables(
        [
            read_tokens(ELTEC / "eng" / "ENG18552_Kavanagh.xml"),
            read_tokens(ELTEC / "eng" / "ENG18720_Lynn.xml"),
        ]
    )
    docs = sorted(set(tokens.column("doc_id").to_pylist()))
    doc_periods = {d: "AB"[i % 2] for i, d in enumerate(docs[:-4])}
    doc_periods.update({d: "C" for d in docs[-4:]})
    return swap_words(tokens, doc_periods, "B"), doc_periods


@pytest.fixture(scope="module")
def result(corpus) -> embeddings.EmbeddingResult:
    return embeddings.train_all(corpus[0], corpus[1], PERIODS, CONFIG)


def test_sentences_by_period(corpus) -> None:
    tokens, doc_periods = corpus
    sentences = embeddings.sentences_by_period(tokens, doc_periods)
    assert set(sentences) == {"A", "B", "C"}
    # "In one of the many little suburbs which cling to the outskirts of London, there is ..."
    assert sentences["A"][0][:8] == ["in", "one", "of", "the", "many", "little", "suburbs", "which"]
    assert all(w.isalpha() and w == w.lower() for s in sentences["A"][:200] for w in s)
    n_alpha = sum(tokens.column("is_alpha").to_pylist())
    assert sum(len(s) for ss in sentences.values() for s in ss) == n_alpha
    # a document without a period is left out
    first_doc = min(doc_periods)
    fewer = embeddings.sentences_by_period(
        tokens, {d: p for d, p in doc_periods.items() if d != first_doc}
    )
    first = tokens.filter(pc.equal(tokens.column("doc_id"), first_doc))
    n_first = sum(first.column("is_alpha").to_pylist())
    assert 300 < n_first < SEGMENT
    assert sum(len(s) for s in fewer["A"]) == sum(len(s) for s in sentences["A"]) - n_first
    assert fewer["B"] == sentences["B"]
    # lemma or text; a null lemma falls back to the text
    i = tokens.schema.get_field_index("lemma")
    odd = tokens.set_column(i, "lemma", pa.array(["LEMMA"] * tokens.num_rows, pa.string()))
    assert embeddings.sentences_by_period(odd, doc_periods)["A"][0][:2] == ["lemma", "lemma"]
    assert embeddings.sentences_by_period(odd, doc_periods, use_lemma=False) == sentences
    none = tokens.set_column(i, "lemma", pa.nulls(tokens.num_rows, pa.string()))
    assert embeddings.sentences_by_period(none, doc_periods) == sentences


def test_train_period_is_deterministic(corpus) -> None:
    sentences = embeddings.sentences_by_period(*corpus)["A"]
    config = EmbeddingConfig(vector_size=30, epochs=3)
    one = embeddings.train_period(sentences, config, seed=42)
    two = embeddings.train_period(sentences, config, seed=42)
    other = embeddings.train_period(sentences, config, seed=43)
    assert one.index_to_key == two.index_to_key and len(one) > 800
    assert np.array_equal(one.vectors, two.vectors)
    assert not np.array_equal(one.vectors, other.vectors)
    # gensim's corpus_file mode, one worker: also reproducible
    cf = EmbeddingConfig(vector_size=30, epochs=3, corpus_file=True)
    three = embeddings.train_period(sentences, cf, seed=42)
    four = embeddings.train_period(sentences, cf, seed=42)
    assert three.index_to_key == one.index_to_key
    assert np.array_equal(three.vectors, four.vectors)


def test_align_recovers_a_known_rotation(result: embeddings.EmbeddingResult) -> None:
    base = result.models["A"]
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(base.vector_size, base.vector_size)))
    rotated = embeddings.KeyedVectors(vector_size=base.vector_size)
    rotated.add_vectors(base.index_to_key, (base.vectors @ q).astype(np.float32))
    assert np.mean(np.sum(_unit(rotated.vectors) * _unit(base.vectors), axis=1)) < 0.5
    aligned = embeddings.align(base, rotated, anchors=base.index_to_key[:300])
    cos = np.sum(_unit(aligned[base.index_to_key]) * _unit(base.vectors), axis=1)
    assert cos.min() > 0.999
    with pytest.raises(ValueError, match="anchor"):
        embeddings.align(base, rotated, anchors=["zzz"])


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_injected_shift_ranks_at_the_top(result: embeddings.EmbeddingResult) -> None:
    drift = result.drift
    assert drift.schema == DRIFT_SCHEMA
    df = drift.to_pandas()
    assert set(zip(df["from_period"], df["to_period"], strict=True)) == {("A", "B")}
    assert df.cosine_distance.is_monotonic_decreasing
    frequent = df[~df.low_frequency].reset_index(drop=True)
    assert len(frequent) > 200
    top = frequent.word.tolist()[:3]
    assert set(SWAP) <= set(top), top
    # the shifted words share no neighbour across the periods (on periods this small the
    # top-10 overlap is low for every word: mean ~0.06)
    overlap = frequent.set_index("word").neighbour_overlap
    assert overlap["heart"] == 0.0 and overlap["room"] == 0.0
    assert overlap.between(0, 1).all() and overlap.max() > 0.2
    # counts are the words' real frequencies in each period
    assert frequent.set_index("word").loc["heart", "count_from"] == result.counts["A"]["heart"]
    assert frequent.set_index("word").loc["heart", "count_to"] == result.counts["B"]["heart"]


def test_periods_neighbours_and_stability(result: embeddings.EmbeddingResult, corpus) -> None:
    periods = result.periods
    assert periods.schema == PERIOD_SCHEMA
    rows = {r["period"]: r for r in periods.to_pylist()}
    assert [rows[p]["trained"] for p in "ABC"] == [True, True, False]
    assert rows["C"]["vocabulary"] == 0 and 0 < rows["C"]["n_tokens"] < CONFIG.min_period_tokens
    assert rows["C"]["n_docs"] == 4
    assert rows["A"]["vocabulary"] == len(result.models["A"]) > 800
    assert rows["A"]["n_tokens"] == sum(result.counts["A"].values()) > 40_000
    assert list(result.models) == ["A", "B"] and list(result.aligned) == ["A", "B"]

    nb = result.neighbours
    assert nb.schema == NEIGHBOUR_SCHEMA
    df = nb.to_pandas()
    assert "zzz" not in set(df.word)  # out of vocabulary: no rows
    heart = df[(df.word == "heart") & (df.period == "A")]
    assert heart["rank"].tolist() == list(range(1, CONFIG.top_k + 1))
    assert heart.similarity.is_monotonic_decreasing
    assert "room" in set(df.word)  # a top drifting word gets neighbours too

    st = result.stability.to_pylist()
    assert len(st) == 1 and (st[0]["seed_a"], st[0]["seed_b"]) == (42, 43)
    assert st[0]["n_words"] > 200 and st[0]["spearman"] > 0.5


def test_drift_pairs_and_determinism(result: embeddings.EmbeddingResult, corpus) -> None:
    # three trained "periods": consecutive pairs plus first -> last
    kv = {"A": result.models["A"], "B": result.models["B"], "C": result.seed_models[43]["A"]}
    counts = {"A": result.counts["A"], "B": result.counts["B"], "C": result.counts["A"]}
    periods = [Period("A", 1850, 1859), Period("B", 1860, 1869), Period("C", 1870, 1879)]
    df = embeddings.drift(kv, counts, periods, CONFIG).to_pandas()
    assert set(zip(df["from_period"], df["to_period"], strict=True)) == {
        ("A", "B"),
        ("B", "C"),
        ("A", "C"),
    }
    # the swap is undone between B and C: heart and room move back
    bc = df[(df.from_period == "B") & ~df.low_frequency].word.tolist()
    assert set(SWAP) <= set(bc[:3])
    # same data, same seed: identical tables
    again = embeddings.train_all(corpus[0], corpus[1], PERIODS[:2], CONFIG)
    assert again.drift.equals(result.drift)
    assert again.neighbours.equals(result.neighbours)
    assert again.stability.equals(result.stability)


def test_save_and_load(result: embeddings.EmbeddingResult, tmp_path: Path) -> None:
    paths = embeddings.save(result, tmp_path)
    assert sorted(p.name for p in paths) == ["w2v_A.kv", "w2v_B.kv"]
    loaded = embeddings.load(tmp_path)
    assert list(loaded) == ["A", "B"]
    assert np.array_equal(loaded["B"].vectors, result.models["B"].vectors)
    assert Counter(loaded["A"].index_to_key) == Counter(result.models["A"].index_to_key)


def test_document_vectors_and_more_like_this(corpus) -> None:
    from models import docvec
    from models.schemas import doc_vector_schema

    tokens, _ = corpus
    docs = docvec.doc_sentences(tokens)
    assert len(docs) == len(set(tokens["doc_id"].to_pylist())) > 150
    config = EmbeddingConfig(vector_size=40, epochs=5)
    sentences = [s for d in sorted(docs) for s in docs[d]]
    kv = docvec.train_words(sentences, config)
    ids, matrix, ns = docvec.sif_vectors(docs, kv, Counter(w for s in sentences for w in s))
    assert ids == sorted(docs) and matrix.shape == (len(ids), 40) and np.median(ns) > 300
    sif = docvec.tabulate(ids, matrix, ns, "sif")
    assert sif.schema == doc_vector_schema(40)
    d2v = docvec.tabulate(*docvec.doc2vec_vectors(docs, config), "doc2vec")
    both = pa.concat_tables([sif, d2v])
    novel = {d: d.split(":")[1] for d in ids}  # Kavanagh's or Lynn's novel
    # the nearest 500-token pieces of a novel are pieces of the same novel (measured: SIF
    # 0.887, 0.842 without removing the first component; Doc2Vec 0.999)
    assert docvec.neighbour_agreement(both, novel, k=5, method="sif") > 0.85
    assert docvec.neighbour_agreement(both, novel, k=5, method="doc2vec") > 0.95
    first = "eltec:ENG18552_Kavanagh:0000"
    nb = docvec.more_like_this(both, first, k=5, method="sif")
    assert len(nb) == 5 and first not in [d for d, _ in nb]
    assert [s for _, s in nb] == sorted((s for _, s in nb), reverse=True)
    with pytest.raises(ValueError, match="pass method"):
        docvec.more_like_this(both, first, 5)
    with pytest.raises(KeyError):
        docvec.more_like_this(sif, "nope", 5)


def test_excluded_words_are_anchors_but_not_ranked(result: embeddings.EmbeddingResult) -> None:
    kv = {"A": result.models["A"], "B": result.models["B"]}
    periods = [Period("A", 1850, 1859), Period("B", 1860, 1869)]
    full = embeddings.drift(kv, result.counts, periods, CONFIG).to_pandas()
    stop = frozenset({"the", "of", "and", "to", "a"})
    kept = embeddings.drift(
        kv, result.counts, periods, dataclasses.replace(CONFIG, drift_exclude=stop)
    ).to_pandas()
    assert stop & set(full.word) and not stop & set(kept.word)
    # the remaining words keep exactly their distances: exclusion does not touch the alignment
    merged = full.merge(kept, on=["word", "from_period", "to_period"])
    assert len(merged) == len(kept)
    assert (merged.cosine_distance_x == merged.cosine_distance_y).all()
