"""Theme assignment measured against HRDsAttack's labels: tuned on the training split, reported on the rest.

    python bench/themes_report.py --data DIR     # DIR: both shared corpora imported and indexed

HRDsAttack labels each article with violation types (arbitrary detention, killing, kidnapping,
torture, enforced disappearance) and victim types (journalist, human rights defender, trade
unionist); eight of the vocabulary's themes correspond to them. For each theme a document gets a
score (the cosine of its closest passage to the theme's vector, indexer/themes.py); the script sweeps
the threshold on the `train` split (300 articles) and reports precision and recall on `dev` + `test`
(200), at the best training threshold and at the configured one (with the cap on themes per
document). Victim themes are judged only on articles whose victims the annotators could name.
It also reports how many HRW releases (which carry no tags at all) get at least one theme, and how
many themes a release gets. Figures go to docs/research-features.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.config import load_settings  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from indexer.embed import Embedder  # noqa: E402
from indexer.keywords import KeywordIndex  # noqa: E402
from indexer.themes import ThemeMatcher, load_themes  # noqa: E402
from indexer.vectors import FaissStore  # noqa: E402

LABELS = {"arbitrary detention": "Arbitrary detention", "torture": "Torture and ill-treatment",
          "enforced disappearance": "Enforced disappearances", "killing": "Killings and executions",
          "kidnapping": "Kidnapping and hostage-taking", "journalist": "Journalists and media freedom",
          "human rights defender": "Human rights defenders", "trade unionist": "Trade unions and labour rights"}
VICTIM_THEMES = {"Journalists and media freedom", "Human rights defenders", "Trade unions and labour rights"}


def cpu() -> str:
    """The CPU model, for the figures."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown CPU"


def truth(metadata: dict) -> tuple[set[str], bool]:
    """The themes an article's labels name, and whether its victims are known."""
    labels = [*metadata.get("violation_types", []), *metadata.get("victim_types", [])]
    victims = metadata.get("victim_types", [])
    return {LABELS[label] for label in labels if label in LABELS}, bool(victims) and victims != [
        "insufficient information"]


def counts(chosen: dict[str, set[str]], gold: dict[str, tuple[set[str], bool]],
           judged: Iterable[str] = tuple(LABELS.values())) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) over the `judged` labelled themes."""
    tp = fp = fn = 0
    for doc, (themes, victims_known) in gold.items():
        for theme in judged:
            if theme in VICTIM_THEMES and not victims_known:
                continue
            got, want = theme in chosen[doc], theme in themes
            tp, fp, fn = tp + (got and want), fp + (got and not want), fn + (want and not got)
    return tp, fp, fn


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="data folder with both shared corpora indexed")
    args = parser.parse_args()
    settings = load_settings(args.data)
    folder = settings.index_path
    ids, vectors = FaissStore.load(folder / "vectors.faiss").flat_contents()
    keywords = KeywordIndex.load(folder)
    order = np.argsort(ids)
    rows = np.searchsorted(keywords.row_ids, ids[order])
    doc_of = [keywords.documents[d] for d in keywords.row_docs[rows]]
    themes = load_themes()
    matcher = ThemeMatcher.embed(themes, Embedder.from_settings(settings).encode_documents,
                                 settings.theme_threshold, settings.max_themes)
    scores: dict[str, np.ndarray] = {}
    starts = [0] + [i for i in range(1, len(doc_of)) if doc_of[i] != doc_of[i - 1]] + [len(doc_of)]
    for start, end in zip(starts, starts[1:], strict=False):
        scores[doc_of[start]] = matcher.scores(vectors[order][start:end])
    with CorpusStore(settings.db_path, readonly=True) as store:
        documents = list(store.iter_documents())
    tagged = {d.id: d.metadata for d in documents if "violation_types" in d.metadata and d.id in scores}
    train = {i: truth(m) for i, m in tagged.items() if m.get("split") == "train"}
    held = {i: truth(m) for i, m in tagged.items() if m.get("split") != "train"}
    names = [t.name for t in themes]

    stricter = np.array([t.threshold or 0.0 for t in themes])  # per-theme overrides in themes.toml

    def chosen(threshold: float, limit: int, docs: dict) -> dict[str, set[str]]:
        """Each document's themes as a build assigns them with this threshold and limit."""
        floor, picked = np.maximum(threshold, stricter), {}
        for doc in docs:
            s = scores[doc]
            best = np.argsort(-s, kind="stable")[:limit]
            picked[doc] = {names[i] for i in best if s[i] >= floor[i]}
        return picked

    print(f"CPU: {cpu()}; model {settings.model}; {len(themes)} themes; {len(train)} training and "
          f"{len(held)} held-out HRDsAttack articles")
    print("threshold sweep on train (micro P / R / F1 over the 8 labelled themes):")
    sweep = []
    for limit in (len(themes), settings.max_themes):
        for threshold in np.arange(0.20, 0.60, 0.01):
            sweep.append((prf(*counts(chosen(threshold, limit, train), train)), round(float(threshold), 2), limit))
    for limit in (len(themes), settings.max_themes):
        (p, r, f), threshold, _ = max((s for s in sweep if s[2] == limit), key=lambda s: s[0][2])
        hp, hr, hf = prf(*counts(chosen(threshold, limit, held), held))
        print(f"  at most {limit:>2} themes: best train threshold {threshold:.2f} (train P {p:.3f} R {r:.3f} F1 {f:.3f})"
              f" -> held-out P {hp:.3f} R {hr:.3f} F1 {hf:.3f}")
    threshold, limit = settings.theme_threshold, settings.max_themes
    print(f"configured: threshold {threshold}, at most {limit} themes a document; held-out per theme:")
    picked = chosen(threshold, limit, held)
    for theme in LABELS.values():
        tp, fp, fn = counts(picked, held, [theme])
        p, r, f = prf(tp, fp, fn)
        print(f"  {theme:<32} P {p:.3f} R {r:.3f} F1 {f:.3f}  ({tp + fn} labelled)")
    p, r, f = prf(*counts(picked, held))
    print(f"  {'all eight (micro)':<32} P {p:.3f} R {r:.3f} F1 {f:.3f}")
    # Over every document, as a build with these settings and this vocabulary assigns them (the
    # source's labels aside): how many HRW releases, which carry no tags, get a theme.
    assigned = chosen(threshold, limit, scores)
    hrw = [d.id for d in documents if d.source.startswith("hrw") and d.id in assigned]
    per_doc = [len(assigned[i]) for i in hrw]
    print(f"HRW releases with at least one theme: {sum(n > 0 for n in per_doc)} of {len(hrw)} "
          f"({sum(n > 0 for n in per_doc) / max(len(hrw), 1):.1%}); themes a release: mean {np.mean(per_doc):.2f}")
    facet = Counter(theme for found in assigned.values() for theme in found)
    print("documents per assigned theme over both corpora:", json.dumps(dict(facet.most_common()), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
