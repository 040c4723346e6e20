"""The harder HR development set (hm01..): rare-word check, judging pools and the train/test split.

    python bench/meaning_pool.py check --data DIR     # no content word of a question is rare
    python bench/meaning_pool.py pool --data DIR      # print each question's pool for judging
    python bench/meaning_pool.py summary --data DIR   # pool sizes, grades per half, rankings' shares
    python bench/meaning_pool.py split                # hr-meaning-qrels.tsv -> train and test halves

Each question describes the situation of one release (its target, below) in other words. `check`
reads every question's index terms (the keyword side's own stemming and stopwords) and fails when
one of them occurs in fewer than `--min-df` documents of the corpus: a word that rare names the
story, and the set is meant to test what a user asks in their own words.

`pool` takes the union of the top `--depth` documents of five rankings, unbounded (the whole
ranking, not only the relevant set): keyword, semantic and hybrid with the data folder's settings,
hybrid with `semantic_weight` 0.8, and keyword search fed back with the titles of the semantic
mode's three best documents (pseudo-relevance feedback, the one ranking that reads words the
question does not use). Near-copies of a pooled document are pooled too, and so is the target.
Each document is printed with its judgement in bench/hr-meaning-qrels.tsv (`?` when unjudged),
the rankings that found it, its title and the passage that matched (or the opening of its text).
The judgements themselves (every pooled document, grade 0 included) live in bench/hr-meaning-qrels.tsv;
how they were made is in docs/retrieval.md.

`split` alternates the questions of each corpus (by the target's source, in id order) between the
train and the test half, so both halves hold as many questions of either corpus.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.config import load_settings  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from indexer.eval import load_qrels, load_queries  # noqa: E402
from indexer.keywords import tokens  # noqa: E402

BENCH = Path(__file__).resolve().parent
QUERIES = BENCH / "hr-queries.jsonl"
QRELS = BENCH / "hr-meaning-qrels.tsv"
HEADER = "query-id\tcorpus-id\tscore\n"
PREFIX = "hm"

# The release each question was written from: (corpus, document id).
TARGETS: dict[str, tuple[str, str]] = {
    "hm01": ("hrw", "02"),
    "hm02": ("hrw", "armenia-strengthens-domestic-violence-law"),
    "hm03": ("hrw", "argentina-firearms-resolution-opens-door-abuse"),
    "hm04": ("hrw", "belarus-crackdown-human-rights-lawyers"),
    "hm05": ("hrw", "burkina-faso-junta-again-suspends-tv-news-broadcasts"),
    "hm06": ("hrw", "cambodia-smear-campaign-against-labor-group"),
    "hm07": ("hrw", "doctors-rape-murder-india-sparks-protests"),
    "hm08": ("hrw", "drone-attack-collapses-odesa-residential-building"),
    "hm09": ("hrw", "ecuador-slow-progress-end-sexual-violence-schools"),
    "hm10": ("hrw", "ethiopia-army-attacks-health-care-amhara-conflict"),
    "hm11": ("hrw", "france-protects-abortion-guaranteed-freedom-constitution"),
    "hm12": ("hrw", "germany-british-palestinian-doctor-denied-schengen-entry"),
    "hm13": ("hrw", "ghana-supreme-court-upholds-colonial-era-anti-lgbt-law"),
    "hm14": ("hrw", "iran-persecution-bahais"),
    "hm15": ("hrw", "italy-migration-deal-albania-costly-cruel-farce"),
    "hm16": ("hrw", "lithuania-leaving-cluster-munition-ban-undermines-agreement-threatens-crucial-norms"),  # noqa: E501
    "hm17": ("hrw", "michigan-parental-consent-law-abortion-harms-young-people"),
    "hm18": ("hrw", "millions-us-risk-losing-internet-access"),
    "hm19": ("hrw", "myanmar-filmmaker-sentenced-life-prison"),
    "hm20": ("hrw", "new-hope-love-japanese-children-needing-families"),
    "hm21": ("hrw", "yemen-warring-parties-restrict-womens-movement"),
    "hm22": ("hrw", "qatar-risks-backsliding-critical-labor-reforms"),
    "hm23": ("hrw", "thailand-rights-activist-shot-dead-deep-south"),
    "hm24": ("hrw", "us-drug-linked-deportations-soar-despite-state-reforms"),
    "hm25": ("hrdsattack", "1000144791"),
    "hm26": ("hrdsattack", "1009161349"),
    "hm27": ("hrdsattack", "1029001992"),
    "hm28": ("hrdsattack", "1033783053"),
    "hm29": ("hrdsattack", "1040401905"),
    "hm30": ("hrdsattack", "1040477521"),
    "hm31": ("hrdsattack", "884882077"),
    "hm32": ("hrdsattack", "903091909"),
    "hm33": ("hrdsattack", "956453284"),
    "hm34": ("hrdsattack", "963784852"),
    "hm35": ("hrdsattack", "976280680"),
    "hm36": ("hrdsattack", "982266167"),
    "hm37": ("hrdsattack", "938254860"),
    "hm38": ("hrdsattack", "888025012"),
    "hm39": ("hrdsattack", "963411494"),
    "hm40": ("hrdsattack", "981857720"),
    "hm41": ("hrdsattack", "975018112"),
    "hm42": ("hrdsattack", "948876109"),
    "hm43": ("hrdsattack", "878927001"),
    "hm44": ("hrdsattack", "887981182"),
    "hm45": ("hrdsattack", "963820525"),
    "hm46": ("hrdsattack", "945103533"),
    "hm47": ("hrdsattack", "988475863"),
    "hm48": ("hrdsattack", "934705528"),
}


def questions(path: Path = QUERIES) -> dict[str, str]:
    """The hm questions of a queries file (bench/hr-queries.jsonl), in file order."""
    return {qid: text for qid, text in load_queries(path).items() if qid.startswith(PREFIX)}


def document_frequencies(store: CorpusStore) -> Counter[str]:
    """In how many documents (title and body) each index term occurs."""
    df: Counter[str] = Counter()
    for doc in store.iter_documents():
        df.update(set(tokens(f"{doc.title}\n{doc.body}")))
    return df


def check(args: argparse.Namespace) -> int:
    """Print every question's terms with their document frequency; fail on a rare one."""
    settings = load_settings(args.data)
    store = CorpusStore(settings.db_path, create=False, readonly=True)
    df = document_frequencies(store)
    total = store.count()
    rare_questions = 0
    lowest: list[int] = []
    for qid, text in questions(args.queries).items():
        target = store.get(TARGETS[qid][1])
        assert target is not None, f"{qid}: target {TARGETS[qid][1]} is not in the corpus"
        in_target = set(tokens(f"{target.title}\n{target.body}"))
        terms = list(dict.fromkeys(tokens(text)))
        rare = [t for t in terms if df[t] < args.min_df]
        # Capitals inside the question: names or places to look at (countries are allowed, sparingly).
        capitals = [w for w in re.findall(r"\b\w+", text)[1:] if w[0].isupper()]
        rare_questions += bool(rare)
        lowest.append(min(df[t] for t in terms))
        shown = " ".join(f"{t}:{df[t]}{'*' if t in in_target else ''}" for t in terms)
        flag = f"  RARE: {', '.join(rare)}" if rare else ""
        names = f"  CAPITALS: {', '.join(capitals)}" if capitals else ""
        print(f"{qid} [{TARGETS[qid][0]}] {text}\n    {shown}{flag}{names}")
    lowest.sort()
    print(f"\n{len(lowest)} questions over {total} documents; terms with document frequency < {args.min_df}: "
          f"{rare_questions} questions; each question's rarest term: min {lowest[0]}, "
          f"median {lowest[len(lowest) // 2]} (* = the term occurs in the target)")
    return 1 if rare_questions else 0


@dataclass
class Pooled:
    """One pooled document: the rank at which each ranking found it, and the passage that matched."""

    systems: dict[str, int] = field(default_factory=dict)
    passage: str = ""


class Pooler:
    """The five rankings of a question, merged into its judging pool."""

    def __init__(self, data: str, depth: int) -> None:
        from indexer.search import Searcher

        settings = load_settings(data)
        # Unbounded: a judging pool is the top of each ranking, not only what the relevant set keeps.
        # Fixed hybrid weights (0.5 and 0.8), as when the pools were judged, before the per-query shift.
        wide = replace(settings, semantic_threshold=-1.0, keyword_coverage=0.0, weight_shift=0.0)
        self.searcher = Searcher(wide)
        self.leaning = Searcher(replace(wide, semantic_weight=0.8), self.searcher.embedder)
        self.store = CorpusStore(settings.db_path, create=False, readonly=True)
        self.depth = depth

    def pool(self, qid: str, text: str) -> dict[str, Pooled]:
        """Every document of the question's five rankings (near-copies included), and its target."""
        found: dict[str, Pooled] = {}
        semantic = self._add(found, "sem", self.searcher, text, "semantic")
        self._add(found, "kw", self.searcher, text, "keyword")
        self._add(found, "hyb", self.searcher, text, "hybrid")
        self._add(found, "hyb.8", self.leaning, text, "hybrid")
        titles = self.store.get_many(semantic[:3])
        feedback = " ".join([text, *(titles[d].title for d in semantic[:3] if d in titles)])
        self._add(found, "prf", self.searcher, feedback, "keyword")
        found.setdefault(TARGETS[qid][1], Pooled()).systems["target"] = 0
        return found

    def _add(self, found: dict[str, Pooled], system: str, engine, text: str, mode: str) -> list[str]:
        """Pool the top `depth` documents of one ranking; return their ids in rank order."""
        from indexer.search import Query

        ranking = engine.search(Query(text, mode))
        matches = ranking.matches(range(min(self.depth, ranking.total)))
        for match, passage in zip(matches, engine.passages(ranking, matches), strict=True):
            for doc_id in (match.doc_id, *match.versions):
                entry = found.setdefault(doc_id, Pooled())
                entry.systems.setdefault(system, match.rank)
                entry.passage = entry.passage or (passage if doc_id == match.doc_id else "")
        return [m.doc_id for m in matches]


def pool(args: argparse.Namespace) -> int:
    """Print each question's judging pool with the judgements already made."""
    pooler = Pooler(args.data, args.depth)
    judged = load_qrels(QRELS) if QRELS.exists() else {}
    sizes: list[int] = []
    for qid, text in questions(args.queries).items():
        if args.only and qid not in args.only:
            continue
        found = pooler.pool(qid, text)
        documents = pooler.store.get_many(found)
        sizes.append(len(found))
        print(f"\n## {qid}: {text}  (target {TARGETS[qid][1]}; pool {len(found)})")
        for doc_id, entry in found.items():
            doc = documents[doc_id]
            systems = " ".join(f"{s}{r}" for s, r in entry.systems.items())
            print(f"  {judged.get(qid, {}).get(doc_id, '?')} {doc_id[:48]} [{systems}] {doc.title[:100]}")
            if args.chars:  # the passage that matched, or the opening when no ranking gave one
                print(f"      {' '.join((entry.passage or doc.body).split())[: args.chars]}")
    if sizes:
        print(f"\n{len(sizes)} questions, {sum(sizes)} pooled documents (min {min(sizes)}, max {max(sizes)})")
    return 0


def summary(args: argparse.Namespace) -> int:
    """Pool sizes, judgements per grade and half, and what each ranking contributed to the relevant ones."""
    qrels = load_qrels(QRELS)
    halves = {half: set(load_qrels(BENCH / f"hr-meaning-qrels-{half}.tsv")) for half in ("train", "test")}
    for half, ids in (("all", set(qrels)), *halves.items()):
        grades = Counter(g for q in ids for g in qrels[q].values())
        sources = Counter(TARGETS[q][0] for q in ids)
        print(f"{half}: {len(ids)} questions ({', '.join(f'{n} {c}' for c, n in sorted(sources.items()))}), "
              f"{sum(grades.values())} judged: grade 2 {grades[2]}, grade 1 {grades[1]}, grade 0 {grades[0]}")
    pooler = Pooler(args.data, args.depth)
    found_by: Counter[str] = Counter()
    only_by: Counter[str] = Counter()
    sizes, unjudged, relevant = [], 0, 0
    for qid, text in questions().items():
        found = pooler.pool(qid, text)
        sizes.append(len(found))
        unjudged += sum(d not in qrels[qid] for d in found)
        for doc_id, entry in found.items():
            if qrels[qid].get(doc_id, 0) > 0:
                relevant += 1
                systems = set(entry.systems) - {"target"}
                found_by.update(systems)
                if len(systems) == 1:
                    only_by.update(systems)
                if not systems:
                    only_by["target (no ranking)"] += 1
    sizes.sort()
    print(f"pools (top {args.depth} of each ranking, copies and target added): {sum(sizes)} documents, "
          f"median {sizes[len(sizes) // 2]}, min {sizes[0]}, max {sizes[-1]}; unjudged: {unjudged}")
    print(f"of {relevant} judged relevant, found by: "
          + ", ".join(f"{s} {found_by[s]}" for s in ("kw", "sem", "hyb", "hyb.8", "prf")))
    print("found by that ranking alone: " + ", ".join(f"{s} {n}" for s, n in only_by.most_common()))
    return 0


def split(args: argparse.Namespace) -> int:
    """Write the train and test halves of bench/hr-meaning-qrels.tsv, alternating within each corpus."""
    qrels = load_qrels(QRELS)
    halves: dict[str, set[str]] = {"train": set(), "test": set()}
    for corpus in sorted({c for c, _ in TARGETS.values()}):
        ids = sorted(q for q in qrels if TARGETS[q][0] == corpus)
        for position, qid in enumerate(ids):
            halves["train" if position % 2 == 0 else "test"].add(qid)
    rows = [line for line in QRELS.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    for half, ids in halves.items():
        path = BENCH / f"hr-meaning-qrels-{half}.tsv"
        path.write_text(HEADER + "".join(f"{r}\n" for r in rows if r.split("\t")[0] in ids), encoding="utf-8")
        print(f"{path.name}: {len(ids)} questions")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("check", help="document frequency of every question term")
    p.add_argument("--data", required=True)
    p.add_argument("--queries", type=Path, default=QUERIES, help="default: bench/hr-queries.jsonl")
    p.add_argument("--min-df", type=int, default=20, help="a term in fewer documents is rare (default 20)")
    p.set_defaults(run=check)
    p = commands.add_parser("pool", help="print the judging pools")
    p.add_argument("--data", required=True)
    p.add_argument("--queries", type=Path, default=QUERIES, help="default: bench/hr-queries.jsonl")
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--chars", type=int, default=0, help="characters of opening and passage to show")
    p.add_argument("--only", nargs="*", help="these question ids only")
    p.set_defaults(run=pool)
    p = commands.add_parser("summary", help="pool sizes, grades per half, each ranking's share")
    p.add_argument("--data", required=True)
    p.add_argument("--depth", type=int, default=20)
    p.set_defaults(run=summary)
    p = commands.add_parser("split", help="write the train and test halves")
    p.set_defaults(run=split)
    args = parser.parse_args()
    raise SystemExit(args.run(args))


if __name__ == "__main__":
    main()
