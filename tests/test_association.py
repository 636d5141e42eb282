"""Garg-style group associations: the measures on known geometry, and per-period rows on ELTeC."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pytest
from test_embeddings import ELTEC, read_tokens

from models import association as assoc
from models import embeddings as emb
from models.periods import Period
from models.schemas import ASSOCIATION_SCHEMA

TARGETS = ("work", "wife", "dress", "money", "zzzz")
PERIOD = [Period("1850-1899", 1850, 1899)]


def test_measures_on_known_vectors() -> None:
    a = np.array([[1.0, 0.0, 0.0], [1.0, 0.1, 0.0]])
    b = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.2]])
    t = np.array([[2.0, 0.0, 0.0], [0.0, 0.5, 0.0], [1.0, 1.0, 0.0]])
    s = assoc.score(t, a, b)
    ma = (a / np.linalg.norm(a, axis=1, keepdims=True)).mean(axis=0)
    mb = (b / np.linalg.norm(b, axis=1, keepdims=True)).mean(axis=0)
    u = t / np.linalg.norm(t, axis=1, keepdims=True)
    expected = np.linalg.norm(u - mb, axis=1) - np.linalg.norm(u - ma, axis=1)
    assert s["relative_norm_distance"] == pytest.approx(expected)
    assert s["relative_norm_distance"][0] > 0 > s["relative_norm_distance"][1]  # A-ish, B-ish
    cos = s["cosine_difference"]
    assert cos[0] == pytest.approx(ma[0] / np.linalg.norm(ma) - mb[0] / np.linalg.norm(mb))
    assert cos[0] > 0 > cos[1]
    assert abs(cos[2]) < 0.05  # the diagonal is about as close to both
    # a rotation of the whole space changes nothing
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    r = assoc.score(t @ q, a @ q, b @ q)
    assert r["cosine_difference"] == pytest.approx(cos)


@pytest.fixture(scope="module")
def trained() -> tuple[dict, dict, dict]:
    tokens = pa.concat_tables(
        [
            read_tokens(ELTEC / "eng" / "ENG18552_Kavanagh.xml"),
            read_tokens(ELTEC / "eng" / "ENG18720_Lynn.xml"),
        ]
    )
    docs = {d: PERIOD[0].label for d in set(tokens["doc_id"].to_pylist())}
    sentences = emb.sentences_by_period(tokens, docs)[PERIOD[0].label]
    config = emb.EmbeddingConfig(vector_size=50, epochs=10)
    models = {s: {PERIOD[0].label: emb.train_period(sentences, config, s)} for s in (42, 43)}
    counts = {PERIOD[0].label: Counter(w for s in sentences for w in s)}
    return models[42], counts, models


def test_associations_per_period(trained) -> None:
    kv, counts, seed_models = trained
    config = assoc.AssociationConfig(targets=TARGETS, bootstrap=300)
    table = assoc.associations(kv, counts, PERIOD, config, seed_models=seed_models)
    assert table.schema == ASSOCIATION_SCHEMA
    df = table.to_pandas()
    assert set(df.target) == {"work", "wife", "dress", "money"}  # "zzzz" is not in the novels
    assert set(df.measure) == set(assoc.MEASURES) and len(df) == 8
    assert (df.ci_low <= df.value).all() and (df.value <= df.ci_high).all()
    assert (df.ci_high - df.ci_low > 0.01).all()
    assert (df.seed_sd > 0).all()  # two seeds give two (different) values
    # group words found in the novels' vocabulary, e.g. he/his/him/man..., she/her/mother...
    assert df.n_group_a.iloc[0] >= 8 and df.n_group_b.iloc[0] >= 8
    assert df.set_index("target").target_count["wife"].iloc[0] == counts[PERIOD[0].label]["wife"]
    again = assoc.associations(kv, counts, PERIOD, config, seed_models=seed_models)
    assert again.equals(table)


def test_groups_too_thin_and_bad_config(trained) -> None:
    kv, counts, _ = trained
    thin = assoc.AssociationConfig(
        groups={"x": ("he", "zzzq"), "y": ("she", "her")}, pairs=(("x", "y"),), targets=TARGETS
    )
    assert assoc.associations(kv, counts, PERIOD, thin).num_rows == 0
    with pytest.raises(ValueError, match="unknown group"):
        assoc.AssociationConfig(pairs=(("male", "neuter"),))
