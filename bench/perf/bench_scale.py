"""Query latency and recall at 100k or 1M passages, through HTTP under gunicorn.

    python bench/perf/bench_scale.py --source /tmp/hr --passages 1000000 --out /tmp/scale-1m

Embedding a million real passages takes hours on two cores, so the scale index is made from a
real indexed data folder (`--source`, e.g. both shared corpora): its passages keep their real
vectors, and each synthetic passage copies a real passage's text and gets that passage's vector
plus Gaussian noise (cosine ~0.85 to it), normalised. The vectors are therefore clustered like
real embeddings, not uniform noise, and the keyword index holds real text. Synthetic passages
are grouped ten to a synthetic document (the shared corpora's own ratio is 9.5), which copies the
date, source, tags and country of its first passage's document and joins the corpus database,
so that 1M passages are 100k documents for filters, facets and counts, as a real crawl would be.
The index is written with the product's own code (FaissStore.build picks and tunes the index
type; the document fields come from indexer.fields).

Printed: index type and build time, bytes per passage and per document, recall@10 of the index
against exact search for real queries, app start-up to first answer, /api/search p50/p99 with
one client for a mix of unfiltered, country-filtered and date-filtered queries (facets and total
are in every answer), and throughput with 8 concurrent clients.

`--baseline DIR` serves the same data folder from another checkout (e.g. a worktree of the
previous main) and times it in the same run, for a before/after on one machine. A baseline that
reads an older index format gets the manifest's format number it expects; the files it knows are
the same.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from corpus.config import load_settings  # noqa: E402
from corpus.store import CorpusStore, utc_now  # noqa: E402
from indexer.build import swap_in  # noqa: E402
from indexer.chunk import Passage  # noqa: E402
from indexer.embed import Embedder  # noqa: E402
from indexer.fields import DocumentFields, FieldRow, fields_for  # noqa: E402
from indexer.keywords import KeywordIndex  # noqa: E402
from indexer.manifest import DOCUMENTS, MANIFEST, PASSAGES, VECTORS, Manifest  # noqa: E402
from indexer.passages import KeywordQuery, PassageStore  # noqa: E402
from indexer.relevant import DEPTH  # noqa: E402
from indexer.vectors import FaissStore, exact_top_k, recall_at_k  # noqa: E402
from search_app.params import parse_search  # noqa: E402

NOISE = 0.6  # norm of the noise added to a real vector: cosine ~0.86 to it
PER_DOCUMENT = 10  # synthetic passages per synthetic document
# Filters of the timed mix: one query in three narrowed by country, one in three by half a year.
COUNTRIES = ("China", "India", "Russia", "Iran", "Mexico", "Egypt", "Israel", "Pakistan")
HALF_YEAR = {"from": "2024-01-01", "to": "2024-06-30"}


def queries(limit: int = 200) -> list[str]:
    """Our 64 HR benchmark queries (not the meaning questions added later, so that the mix stays the one
    every earlier figure was timed with), then SciFact's, as real query text."""
    rows = [json.loads(line) for line in open(ROOT / "bench" / "hr-queries.jsonl", encoding="utf-8")]
    texts = [row["text"] for row in rows if row["_id"].startswith("hr")]
    for line in open(SHARED / "beir-scifact" / "queries.jsonl", encoding="utf-8"):
        texts.append(json.loads(line)["text"])
    return texts[:limit]


def make_index(source: Path, out: Path, total: int,
               reuse: bool = False) -> tuple[np.ndarray, Manifest, float]:
    """Write a scale data folder at `out`; return its vectors, manifest and build seconds.

    With `reuse`, an index already at `out` with `total` passages is kept (its vectors are
    regenerated: the same seed gives the same ones) and its recorded build time reported.
    """
    src = load_settings(source)
    live = src.index_path.resolve()
    base = FaissStore.load(live / VECTORS)
    real_ids, real = base.flat_contents()
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    centres = np.concatenate([np.arange(len(real)), rng.integers(0, len(real), max(0, total - len(real)))])
    noise = rng.normal(scale=NOISE / np.sqrt(real.shape[1]), size=(len(centres), real.shape[1]))
    noise = noise.astype(np.float32)
    noise[: len(real)] = 0
    vectors = real[centres] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    settings = load_settings(out)
    if reuse and (settings.index_path / MANIFEST).exists():
        manifest = Manifest.read(settings.index_path)
        if manifest.passages == total:
            return vectors, manifest, manifest.build_seconds
    with sqlite3.connect(live / PASSAGES) as conn:
        rows = {r[0]: r[1:] for r in conn.execute("SELECT id, doc_id, ordinal, title, text FROM passages")}
    shutil.rmtree(out, ignore_errors=True)
    settings.builds_dir.mkdir(parents=True)
    shutil.copyfile(src.db_path, settings.db_path)
    folder = settings.builds_dir / "scale"
    folder.mkdir()
    # Passage i beyond the real ones belongs to synthetic document s<(i - real) // PER_DOCUMENT>.
    owners = [rows[int(real_ids[c])][0] for c in centres[: len(real)]]
    owners += [f"s{i // PER_DOCUMENT}" for i in range(len(centres) - len(real))]
    with CorpusStore(settings.db_path) as corpus:
        originals = {d.id: d for d in corpus.iter_documents()}
        synthetic = [
            replace(originals[rows[int(real_ids[centres[first]])][0]], id=owners[first], url="",
                    title=f"{originals[rows[int(real_ids[centres[first]])][0]].title} ({owners[first]})",
                    body=originals[rows[int(real_ids[centres[first]])][0]].body[:300])
            for first in range(len(real), len(centres), PER_DOCUMENT)]
        corpus.upsert_many(synthetic)
        documents = {**originals, **{d.id: d for d in synthetic}}
    store = PassageStore(folder / PASSAGES)
    for start in range(0, len(centres), 50_000):
        chunk = [rows[int(real_ids[c])] for c in centres[start : start + 50_000]]
        store.add(start, [Passage(owners[start + i], ordinal, text, documents[owners[start + i]].title)
                          for i, (_, ordinal, _, text) in enumerate(chunk)])
    store.optimize()
    store.close()
    copies = [Passage(owners[i], ordinal, text, documents[owners[i]].title) for i, (_, ordinal, _, text) in
              enumerate(rows[int(real_ids[c])] for c in centres)]
    keywords = KeywordIndex.build(np.arange(len(centres)), copies)
    keywords.save(folder)
    del copies
    fields_for(keywords.documents, {d: FieldRow.of(documents[d]) for d in keywords.documents}).save(folder)
    index = FaissStore.build(np.arange(len(vectors)), vectors)
    index.save(folder / VECTORS)
    seconds = time.perf_counter() - started
    with CorpusStore(settings.db_path) as corpus:
        hashes, fingerprint = corpus.hashes(), corpus.fingerprint()
    (folder / DOCUMENTS).write_text(json.dumps(hashes), encoding="utf-8")
    source_manifest = Manifest.read(live)
    manifest = Manifest(
        model=source_manifest.model, dimension=real.shape[1], passages=len(vectors), documents=len(hashes),
        corpus_fingerprint=fingerprint, built_at=utc_now(), passage_tokens=source_manifest.passage_tokens,
        overlap_tokens=source_manifest.overlap_tokens, index_type=index.kind,
        embed_backend=source_manifest.embed_backend, build_seconds=round(seconds, 1),
    )
    manifest.write(folder)
    swap_in(settings, folder)
    return vectors, manifest, seconds


def serve(data: Path, port: int, workers: int, checkout: Path = ROOT,
          threads: int | None = None) -> tuple[subprocess.Popen, float]:
    """Start `python -m search_app` of `checkout`; return it and the seconds to its first search answer."""
    # No query vector cache: the warm-up and the 8-client run repeat queries, which would then skip
    # the model; these figures are for questions the server has not seen (query_profile.py times repeats).
    env = {**os.environ, "PYTHONPATH": str(checkout), "RIGHTSSEARCH_RATE_LIMIT_PER_MINUTE": "0",
           "RIGHTSSEARCH_QUERY_CACHE": "0"}
    started = time.perf_counter()
    extra = ["--threads", str(threads)] if threads else []
    log = tempfile.TemporaryFile("w+")  # the server's own words, shown if it never answers
    proc = subprocess.Popen([sys.executable, "-m", "search_app", "--data", str(data), "--port", str(port),
                             "--workers", str(workers), *extra], cwd=checkout, env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}/api/search"
    while True:
        try:
            if httpx.get(url, params={"q": "torture in detention", "k": 10}, timeout=30).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.perf_counter() - started > 300:
            proc.kill()
            log.seek(0)
            raise SystemExit(f"the server of {checkout} did not answer within 300 s:\n{log.read()[-3000:]}")
        time.sleep(0.05)


def mix(texts: list[str]) -> list[tuple[str, dict]]:
    """Each query with its filter: none, a country, or half a year, in turn."""
    kinds = ({}, None, HALF_YEAR)
    return [(t, kinds[i % 3] if i % 3 != 1 else {"country": COUNTRIES[i % len(COUNTRIES)]})
            for i, t in enumerate(texts)]


def latencies(port: int, requests: list[tuple[str, dict]], clients: int) -> tuple[np.ndarray, float]:
    """Per-request milliseconds and requests/s for `clients` concurrent clients.

    Each client is one kept-alive `http.client` connection: the standard library's client adds
    about 1 ms per request here, where httpx (used until 2026-11-30) added 2-3 ms of its own
    parsing to an 18 KB answer, time that is not the server's.
    """

    def run(chunk: list[tuple[str, dict]]) -> list[float]:
        out = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for text, filters in chunk:
                t = time.perf_counter()
                conn.request("GET", "/api/search?" + urlencode({"q": text, "k": 10, **filters}))
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"/api/search answered {response.status} to {text!r}")
                out.append((time.perf_counter() - t) * 1000)
        finally:
            conn.close()
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = [t for part in pool.map(run, [requests[i::clients] for i in range(clients)]) for t in part]
    return np.array(times), len(requests) / (time.perf_counter() - started)


def time_server(name: str, data: Path, port: int, workers: int, texts: list[str], checkout: Path,
                one_client: bool = True, many_clients: bool = True, threads: int | None = None) -> None:
    """Start one server on `data` and print its start-up, memory, latency per filter kind, and throughput."""
    proc, startup = serve(data, port, workers, checkout, threads)
    try:
        requests = mix(texts)
        latencies(port, requests[:20], 1)  # warm every worker's caches
        if one_client:
            print(f"[{name}] start-up to first answer ({workers} gunicorn workers): {startup:.1f} s")
            one, _ = latencies(port, requests, 1)
            for kind, picked in (("all", slice(None)), ("unfiltered", slice(0, None, 3)),
                                 ("country", slice(1, None, 3)), ("date", slice(2, None, 3))):
                print(f"[{name}] /api/search, 1 client, {kind:<10}: p50 {np.percentile(one[picked], 50):6.1f} ms, "
                      f"p99 {np.percentile(one[picked], 99):6.1f} ms")
            rss, pss = memory(proc.pid)
            print(f"[{name}] memory after {len(requests) + 20} queries: resident {rss / 2**20:.0f} MiB in all "
                  f"({workers} workers and the master), {pss / 2**20:.0f} MiB counting shared pages once")
        if not many_clients:
            return
        many, rate = latencies(port, requests * 2, 8)
        print(f"[{name}] /api/search, 8 clients, {workers} worker{'s' * (workers > 1)}: {rate:.1f} requests/s, "
              f"p50 {np.percentile(many, 50):.1f} ms, p99 {np.percentile(many, 99):.1f} ms, 0 errors")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def memory(pid: int) -> tuple[int, int]:
    """Resident and proportional (shared pages split among their users) bytes of a process and its children."""
    pids = [pid, *(int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                   text=True).stdout.split())]
    rss = pss = 0
    for p in pids:
        for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Rss:", "Pss:")):
                kib = int(line.split()[1]) * 1024
                rss, pss = (rss + kib, pss) if line.startswith("Rss:") else (rss, pss + kib)
    return rss, pss


def filtered_recall(store: FaissStore, data: Path, vectors: np.ndarray, qv: np.ndarray, texts: list[str],
                    threshold: float) -> tuple[float, int]:
    """Recall@10 of the vector side within each filtered query's filter, against exact search.

    The query path searches once without the filter (relevant._semantic_side) and keeps the
    passages inside it; what it must find there are the passages that decide membership and
    order, those at least `threshold` close. So: the exact 10 best passages inside the filter
    with cosine >= threshold, against what that one search returns inside the filter.
    """
    index_dir = load_settings(data).index_path.resolve()
    keywords, fields = KeywordIndex.load(index_dir), DocumentFields.load(index_dir)
    shares = []
    for (text, filters), q in zip(mix(texts), qv, strict=True):
        allowed = fields.mask(parse_search(MultiDict({"q": text, **filters}), 1000, 10).filters)
        if allowed is None:
            continue
        scores, ids = store.search(q, DEPTH)
        if len(ids) == DEPTH and scores[-1] >= threshold:
            scores, ids = store.within(q, threshold)
        ids = ids[ids >= 0]  # passage ids are row numbers here (make_index numbers them 0..n-1)
        found = ids[allowed[keywords.row_docs[ids]]][:10]
        inside = allowed[keywords.row_docs]
        close = np.concatenate([vectors[b : b + 65_536] @ q >= threshold for b in range(0, len(vectors), 65_536)])
        exact = np.flatnonzero(inside & close)
        best = exact[np.argsort(-(vectors[exact] @ q), kind="stable")[:10]]
        if len(best):
            shares.append(len(set(found.tolist()) & set(best.tolist())) / len(best))
    return float(np.mean(shares)), len(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/tmp/hr"), help="an indexed data folder")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/rs-scale"))
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep an index of this size already at --out")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also time the server of the checkout in DIR on the same index (before/after)")
    parser.add_argument("--baseline-format", type=int, default=2,
                        help="the index format number the baseline reads (default 2)")
    parser.add_argument("--baseline-data", type=Path, metavar="DIR",
                        help="the data folder the baseline serves (default --out): the same corpus indexed "
                             "by the baseline's own build, e.g. an older index type")
    args = parser.parse_args()
    print(f"scale bench, {args.passages} passages, {os.cpu_count()} cores ({cpu_name()}), "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    vectors, manifest, seconds = make_index(args.source, args.out, args.passages, args.reuse)
    index_dir = load_settings(args.out).index_path.resolve()
    size = {name: (index_dir / name).stat().st_size for name in (VECTORS, PASSAGES)}
    keyword_bytes = sum(p.stat().st_size for p in index_dir.glob("keywords.*"))
    field_bytes = sum(p.stat().st_size for p in index_dir.glob("fields.*"))
    print(f"index {manifest.index_type}: written in {seconds:.0f} s; bytes per passage: vectors "
          f"{size[VECTORS] / len(vectors):.0f} (flat float32 would be {4 * vectors.shape[1] + 8}), "
          f"passages+FTS5 {size[PASSAGES] / len(vectors):.0f}, keyword index {keyword_bytes / len(vectors):.0f}; "
          f"document fields {field_bytes / manifest.documents:.0f} bytes per document ({manifest.documents} documents)")
    texts = queries(args.queries)
    embedder = Embedder.from_settings(load_settings(args.out))
    embedder.token_vectors()  # as `indexer build` does: made once per model, before serving
    qv = np.stack([embedder.encode_query(t) for t in texts])
    store = FaissStore.load(index_dir / VECTORS)
    found = np.stack([store.search(q, 10)[1] for q in qv])
    recall = recall_at_k(found, exact_top_k(vectors, qv, 10))
    print(f"recall@10 vs exact search, {len(texts)} real queries: {recall:.4f}")
    threshold = load_settings(args.out).semantic_threshold
    inside, counted = filtered_recall(store, args.out, vectors, qv, texts, threshold)
    print(f"recall@10 within the filter (passages with cosine >= {threshold}), {counted} filtered queries: "
          f"{inside:.4f}")
    t = time.perf_counter()
    for q in qv:
        store.search(q, 100)
    print(f"vector search alone (k=100): {(time.perf_counter() - t) / len(qv) * 1000:.2f} ms/query")
    keywords = KeywordIndex.load(index_dir)
    words = [KeywordQuery.parse(t).words for t in texts]
    t = time.perf_counter()
    champions = [keywords.search(w, 100) for w in words]
    print(f"keyword search alone (k=100): {(time.perf_counter() - t) / len(texts) * 1000:.2f} ms/query")
    t = time.perf_counter()
    exact = [keywords.search(w, 100, champions=len(keywords)) for w in words]
    print(f"keyword search reading every posting: {(time.perf_counter() - t) / len(texts) * 1000:.2f} ms/query")
    # Synthetic passages copy real texts, so many passages tie: one scoring as high as the exact
    # 10th counts as found (which of several equal copies comes back is arbitrary).
    agree = [sum(s >= b[min(9, len(b) - 1)][1] - 1e-4 for _, s in a[:10]) / min(10, len(b))
             for a, b in zip(champions, exact, strict=True) if b]
    print(f"keyword recall@10 of the champion lists vs every posting (ties count): {np.mean(agree):.4f}")
    if args.baseline:
        served = args.baseline_data or args.out
        manifest_path = load_settings(served).index_path.resolve() / MANIFEST
        ours = manifest_path.read_text(encoding="utf-8")
        manifest_path.write_text(json.dumps({**json.loads(ours), "format": args.baseline_format}), encoding="utf-8")
        try:
            time_server("baseline", served, args.port, args.workers, texts, args.baseline.resolve())
        finally:
            manifest_path.write_text(ours, encoding="utf-8")
    time_server("this checkout", args.out, args.port, args.workers, texts, ROOT)
    if args.workers > 1:  # how throughput scales with workers
        time_server("this checkout", args.out, args.port, 1, texts, ROOT, one_client=False)
    # By default each worker computes on its share of the cores (search_app/__main__.py); one
    # client alone would be served faster with every core per worker.
    cores = os.cpu_count() or 1
    if cores // args.workers < cores:
        time_server(f"this checkout, --threads {cores}", args.out, args.port, args.workers, texts, ROOT,
                    many_clients=False, threads=cores)


def cpu_name() -> str:
    """The processor's model name, and whether it has AVX-512 VNNI (figures differ between the two kinds)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    return f"{name}, {'AVX-512 VNNI' if 'avx512_vnni' in info else 'AVX2' if 'avx2' in info else 'no AVX2'}"


if __name__ == "__main__":
    main()
