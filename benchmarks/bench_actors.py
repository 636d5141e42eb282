"""Actor linking measured: FRUS persName @corresp ids hidden from the linker, then pairwise merge
precision and recall against them, overall and per rule; plus the 1860s "Seward" check.

    python -m benchmarks.bench_actors [--frus ../shared/bench/frus.tar.gz] [--no-persons-list]

Gold: two mentions of one volume are the same person when they carry the same @corresp id
(markup persNames of the text, and the from/to persNames of document heads). Only such mentions
are scored, and only pairs within one volume (the ids are volume-local). Mentions are read by
the TEI adapter; no NER (the ids sit on markup).
"""

from __future__ import annotations

import argparse
import logging
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest import tei
from ingest.record import Record
from models.actors import Linked, collect_mentions, link, merge_across_scopes

GOLD_VOLUMES = ("frus1917Supp02v02", "frus1918Russiav03", "frus1919Parisv01")
SEWARD_VOLUMES = ("frus1861", "frus1864p3", "frus1864p4")
DEFAULT_TAR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "frus.tar.gz"


def pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass
class Score:
    """Pairwise merge counts: true pairs, predicted pairs, gold pairs."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0
    mentions: int = 0
    per_rule: dict[str, list[int]] = field(default_factory=dict)  # rule -> [right, all, n]
    wrong: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0


def score(pred: list[str], gold: list[str | None], groups: list[str], rules: list[str],
          surfaces: list[str]) -> Score:  # fmt: skip
    """Pairwise precision/recall of `pred` clusters against `gold` ids, within each group.

    Per rule: over the mentions that rule linked, the share of their same-actor partners
    (gold-labelled, same group) that share their gold id.
    """
    s = Score()
    cells: Counter[tuple[str, str, str]] = Counter()
    by_pred: Counter[tuple[str, str]] = Counter()
    by_gold: Counter[tuple[str, str]] = Counter()
    gold_of_actor: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    surface_of: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for p, g, grp, surf in zip(pred, gold, groups, surfaces, strict=True):
        if g is None:
            continue
        s.mentions += 1
        cells[(grp, p, g)] += 1
        by_pred[(grp, p)] += 1
        by_gold[(grp, g)] += 1
        gold_of_actor[(grp, p)][g] += 1
        surface_of[(grp, p, g)][surf] += 1
    s.tp = sum(pairs(n) for n in cells.values())
    s.predicted = sum(pairs(n) for n in by_pred.values())
    s.gold = sum(pairs(n) for n in by_gold.values())
    for p, g, grp, rule in zip(pred, gold, groups, rules, strict=True):
        if g is None:
            continue
        right = cells[(grp, p, g)] - 1
        total = by_pred[(grp, p)] - 1
        acc = s.per_rule.setdefault(rule, [0, 0, 0])
        acc[0] += right
        acc[1] += total
        acc[2] += 1
    for (grp, p), golds in gold_of_actor.items():
        if len(golds) < 2:
            continue
        (main, _), *others = golds.most_common()
        for other, n in others:
            a = surface_of[(grp, p, main)].most_common(1)[0][0]
            b = surface_of[(grp, p, other)].most_common(1)[0][0]
            s.wrong[(f"{a} [{main}]", f"{b} [{other}]")] += n * golds[main]
    return s


def read_volumes(tar: Path, names: Iterable[str], workdir: Path) -> list[Record]:
    """Records of the named FRUS volumes, extracted from the benchmark tarball."""
    wanted = {f"frus/volumes/{n}.xml" for n in names}
    with tarfile.open(tar) as tf:
        members = [m for m in tf.getmembers() if m.name in wanted]
        tf.extractall(workdir, members=members, filter="data")
    root = workdir / "frus" / "volumes"
    out: list[Record] = []
    for name in sorted(names):
        path = root / f"{name}.xml"
        out.extend(
            r for r in tei.parse(path, root=root, collection="frus", kind="cable")
            if isinstance(r, Record)
        )  # fmt: skip
    return out


def rows(records: list[Record]) -> list[dict[str, object]]:
    return [
        {
            "doc_id": r.doc_id,
            "collection": r.collection,
            "kind": r.kind,
            "source_path": r.source_path,
            "year": r.year,
            "sender": r.sender,
            "recipient": r.recipient,
            "title": r.title,
            "text": r.text,
            "metadata": r.metadata,
        }
        for r in records
    ]


def run_gold(records: list[Record], use_persons_list: bool = True) -> tuple[Score, Linked]:
    docs = rows(records)
    gold_mentions = [m for m in collect_mentions(docs) if m.source != "persons_list"]
    hidden = collect_mentions(docs, hide_ids=True)
    if not use_persons_list:
        hidden = [m for m in hidden if m.source != "persons_list"]
    hidden_scored = [m for m in hidden if m.source != "persons_list"]
    # the same mentions in the same order, with and without ids
    if len(gold_mentions) != len(hidden_scored):
        raise RuntimeError("mention lists differ with and without ids")
    linked = link(hidden)
    final = merge_across_scopes(linked)
    keep = [i for i, m in enumerate(hidden) if m.source != "persons_list"]
    gold = [m.ref if m.label == "PER" else None for m in gold_mentions]
    pred = [final[linked.actor_keys[i]] for i in keep]
    rules = [linked.rules[i] for i in keep]
    groups = [hidden[i].scope for i in keep]
    surfaces = [hidden[i].surface for i in keep]
    return score(pred, gold, groups, rules, surfaces), linked


def report(title: str, s: Score, top: int = 15) -> None:
    print(f"\n== {title}")
    print(
        f"scored mentions {s.mentions}; pairs predicted {s.predicted}, gold {s.gold}, "
        f"right {s.tp}: precision {s.precision:.3f}, recall {s.recall:.3f}"
    )
    print(f"{'rule':28} {'mentions':>8} {'partners':>9} {'precision':>9}")
    for rule, (right, total, n) in sorted(s.per_rule.items(), key=lambda kv: -kv[1][2]):
        prec = f"{right / total:.3f}" if total else "-"
        print(f"{rule:28} {n:8d} {total:9d} {prec:>9}")
    print("most common wrong merges (pairs):")
    for (a, b), n in s.wrong.most_common(top):
        print(f"  {n:6d}  {a}  +  {b}")


def seward_check(records: list[Record]) -> bool:
    docs = rows(records)
    linked = link(collect_mentions(docs))
    final = merge_across_scopes(linked)
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for m, k in zip(linked.mentions, linked.actor_keys, strict=True):
        if "seward" in m.surface.lower():
            seen[final[k]][" ".join(m.surface.split())] += 1
    print("\n== 'Seward' in the 1860s volumes: actor <- surfaces (count)")
    for actor, surfaces in sorted(seen.items(), key=lambda kv: -sum(kv[1].values()))[:8]:
        print(f"  {actor}: {dict(surfaces.most_common(8))}")
    wanted = ("Mr. Seward", "Seward", "WILLIAM H. SEWARD")
    actors = {a for a, surf in seen.items() for w in wanted if w in surf}
    counts = {w: sum(s[w] for s in seen.values()) for w in wanted}
    owner = {w: [a for a, s in seen.items() if s[w]] for w in wanted}
    # the check: the majority actor of each form is one and the same
    majority = {w: max(owner[w], key=lambda a: seen[a][w]) for w in wanted if owner[w]}
    one = len(set(majority.values())) == 1 and len(majority) == len(wanted)
    print(f"  forms {counts}; majority actor per form {majority}; one actor: {one}")
    print(f"  actors holding any of these forms: {len(actors)}")
    return one


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frus", type=Path, default=DEFAULT_TAR)
    parser.add_argument("--no-persons-list", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-actors-") as tmp:
        t0 = time.perf_counter()
        records = read_volumes(args.frus, GOLD_VOLUMES, Path(tmp))
        t1 = time.perf_counter()
        print(f"read {len(records)} documents of {', '.join(GOLD_VOLUMES)} in {t1 - t0:.1f}s")
        for use in (True, False) if not args.no_persons_list else (False,):
            t1 = time.perf_counter()
            s, _ = run_gold(records, use_persons_list=use)
            took = time.perf_counter() - t1
            label = "with" if use else "without"
            report(f"all three volumes, ids hidden, {label} the persons lists ({took:.1f}s)", s)
            if use:
                for vol in GOLD_VOLUMES:
                    part = [r for r in records if r.metadata.get("volume_id") == vol]
                    report(f"{vol} alone", run_gold(part, use_persons_list=use)[0], top=5)
        seward = read_volumes(args.frus, SEWARD_VOLUMES, Path(tmp))
        seward_check(seward)


if __name__ == "__main__":
    main()
