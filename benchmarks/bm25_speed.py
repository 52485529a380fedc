"""Speed, memory and agreement of the two index engines on N real sentences.

Usage::

    python benchmarks/bm25_speed.py --sentences N [--data DIR] [--json]
        [--queries 200] [--bm25-queries Q] [--workers W] [--keep DIR]
        [--engine xapian --shards 4 [--skip-rank-bm25]] [--reuse DIR] [--builds-only]

How the corpus is made (printed by every run): the real sentences of ``--data``
(default ``../shared/data`` from the project root: every SQuAD ``context`` of the
``squad-*.json`` files, de-duplicated, and the speeches in ``speeches/*/*.txt``),
segmented with :func:`retrieval.segment.split_sentences`, keeping those of >= 4 words.
While more are needed, a new sentence is the first half (by words) of one real sentence
joined to the second half of another, both drawn at random (seed 0), so vocabulary and
lengths stay realistic. Sentences are written one per line, 1,000 per article file,
into a temporary corpus directory; both engines index that directory from the files
(segmentation and stemming included in the build time). The number of sentences
actually indexed is printed (a line the segmenter splits, or one with no search term,
changes it slightly).

Queries: ``--queries`` SQuAD questions drawn at random (seed 1), asked with
``index.search(question, 10)`` (analysis, scoring, top-10 selection, Sentence
objects), and on the sparse index also with the whole ``retrieval.answer.answer``
(100 candidates, reranking, abstention: what a user waits for). Measurements, each in its own child process so that peak RSS is per engine:

1. sparse build: :func:`retrieval.build.build_corpus_index` (parallel, ``--workers``)
   and :func:`retrieval.store.save`; peak RSS of the building process (the workers'
   peak is printed separately).
2. sparse reload: :func:`retrieval.store.load` (all checksums verified) and the
   queries; reload seconds, peak RSS of the serving process, p50/p99.
3. rank-bm25: load_articles + split_corpus + SentenceIndex.build (one process), peak
   RSS after building; then, in the same process, the sparse index is loaded too and
   the first ``--bm25-queries`` queries run on both engines interleaved (side by side,
   same process): rank-bm25's p50/p99, the speed ratio of the p50s, and the top-10
   agreement (share of queries whose top 10 positions, in order, are identical, scores
   equal to a relative 1e-6).

With ``--engine xapian`` (the optional extra, and ``xapian-tcpsrv``), the Xapian engine
is measured beside them in the same run:

4. xapian build: :func:`retrieval.xapian_build.build_corpus_shards` into ``--shards``
   shards (same workers); seconds, peak RSS, disk.
5. xapian serve: one ``xapian-tcpsrv`` per shard on 127.0.0.1 (started here, stopped by
   PID at the end); a client process opens them through the network and runs the same
   queries (``search(question, 10)``), then ``answer()`` on a fresh client (cold record
   cache); p50/p99, client RSS, servers' RSS, top-10 agreement with the sparse engine
   (identical positions, scores to a relative 1e-6) on every query, and with rank-bm25
   on the queries rank-bm25 runs. Then the shard-fault phase: the client kills shard 1's
   server (by PID, its process group) after a third of ``--queries`` answers and asks
   all of them; each question must end, within the timeout, with an answer or the
   one-line shard error (counted, slowest time printed), and once more with partial
   answers on (answers carry the warning).

``--keep DIR`` keeps the corpus and the built indexes in ``DIR`` (with their build
figures in ``DIR/builds.json``); ``--reuse DIR`` measures such a directory again
without rebuilding what it holds (the build figures printed are those saved), and
``--builds-only`` stops after the builds: at 10^7 sentences, build once, then measure.
``--skip-sparse`` (with ``--engine xapian``, implies ``--skip-rank-bm25``) measures the
Xapian engine alone: no sparse build or serving, no agreement figures (where building
both would not fit the machine's time).

``--json`` makes the last line ``{"sentences": N, "engines": {NAME: {"build_s",
"rss_mib", "p50_ms", "p99_ms"}}, "top10_agreement": F, "speedup_p50": F}`` (plus a few
extra keys); with ``--engine xapian`` ``engines`` also has ``"xapian": {"build_s",
"rss_mib", "p50_ms", "p99_ms", "answer_p50_ms", "top10_agreement", ...}``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES_PER_ARTICLE = 1000


def _peak_rss_mib(who=resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MiB.

    For this process: ``VmHWM`` of ``/proc/self/status`` where available, because
    ``ru_maxrss`` of a spawned child starts from the parent's peak (Linux carries the
    pre-exec high-water mark across ``execve``). For children (the build's workers):
    ``ru_maxrss`` of the reaped children.
    """
    if who == resource.RUSAGE_SELF:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
        except OSError:
            pass
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def real_text(data: Path) -> tuple[list[str], list[str]]:
    """Real sentences and SQuAD questions from ``data``."""
    from retrieval.segment import split_sentences

    paragraphs, questions, seen = [], [], set()
    for path in sorted(data.glob("squad-*.json")):
        for article in json.loads(path.read_text("utf-8"))["data"]:
            for p in article["paragraphs"]:
                if p["context"] not in seen:
                    seen.add(p["context"])
                    paragraphs.append(p["context"])
                questions.extend(qa["question"] for qa in p["qas"])
    for path in sorted(data.glob("speeches/*/*.txt")):
        paragraphs.extend(path.read_text("utf-8", errors="replace").split("\n\n"))
    sentences = []
    for paragraph in paragraphs:
        paragraph = " ".join(paragraph.split())
        for s, e in split_sentences(paragraph):
            if len(paragraph[s:e].split()) >= 4:
                sentences.append(paragraph[s:e])
    return sentences, list(dict.fromkeys(questions))


def make_corpus(real: list[str], n: int, directory: Path) -> int:
    """Write ``n`` sentences (real first, then recombined) as article files; returns recombined count."""
    rng = random.Random(0)
    directory.mkdir(parents=True, exist_ok=True)
    recombined = 0
    lines = []
    article = 0
    for i in range(n):
        if i < len(real):
            sentence = real[i]
        else:
            a, b = rng.choice(real).split(), rng.choice(real).split()
            sentence = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
            recombined += 1
        lines.append(sentence)
        if len(lines) == SENTENCES_PER_ARTICLE or i == n - 1:
            (directory / f"article-{article:05d}.txt").write_text("\n".join(lines) + "\n", "utf-8")
            article += 1
            lines = []
    return recombined


# ------------------------------------------------------------------ child processes
def _child_sparse_build(corpus, index_dir, workers, out):
    from retrieval import Settings, store
    from retrieval.build import build_corpus_index

    t = time.perf_counter()
    index = build_corpus_index(corpus, Settings(), workers=workers, progress=None)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    store.save(index, index_dir, store.fingerprint(corpus, Settings()))
    out.put(
        {
            "build_s": build_s,
            "save_s": time.perf_counter() - t,
            "rss_mib": _peak_rss_mib(),
            "workers_rss_mib": _peak_rss_mib(resource.RUSAGE_CHILDREN),
            "sentences": index.size,
            "terms": len(index.vocabulary),
            "nnz": index.nnz,
        }
    )


def _time_queries(index, questions):
    times, tops = [], []
    for q in questions:
        t = time.perf_counter()
        hits = index.search(q, 10)
        times.append((time.perf_counter() - t) * 1000)
        tops.append([(h.sentence.id, h.score) for h in hits])
    return times, tops


def _child_sparse_serve(index_dir, questions, out):
    from retrieval import Settings, store

    t = time.perf_counter()
    index = store.load(index_dir, Settings())
    reload_s = time.perf_counter() - t
    _time_queries(index, questions[:5])  # warm-up (first-call imports)
    times, _ = _time_queries(index, questions)
    answer_times = _time_answers(index, questions)
    out.put(
        {
            "reload_s": reload_s,
            "rss_mib": _peak_rss_mib(),
            "p50_ms": statistics.median(times),
            "p99_ms": _percentile(times, 99),
            "answer_p50_ms": statistics.median(answer_times),
            "answer_p99_ms": _percentile(answer_times, 99),
            **_topk_selection(index, questions),
        }
    )


def _time_answers(index, questions):
    """Milliseconds of the whole :func:`retrieval.answer.answer` per question: the index
    query for 100 candidates plus the answer layer (features, reranking, abstention)."""
    from retrieval.answer import answer

    answer(questions[0], index)  # warm-up (reads the reranker's weights)
    times = []
    for q in questions:
        t = time.perf_counter()
        answer(q, index)
        times.append((time.perf_counter() - t) * 1000)
    return times


def _topk_selection(index, questions, k=10):
    """Top-k selection alone, side by side and timed the same way: ``np.argpartition``
    over the M matching sentences' scores (ours) and over a dense array of all N scores.
    Both arrays are built and negated before the clock starts, so neither side's time
    includes allocation or negation. Every question counts: with M <= k matches ours
    sorts the M (they are all hits) -- how many such questions there are is returned."""
    import numpy as np

    from retrieval.analyze import analyze

    ours, dense, few = [], [], 0
    full = np.zeros(index.size)
    for q in questions:
        positions, scores, _ = index._scores(analyze(q))
        neg_scores = -np.asarray(scores, dtype=float)
        full[positions] = neg_scores
        few += len(scores) <= k
        t = time.perf_counter()
        if len(scores) > k:
            np.argpartition(neg_scores, k)
        else:
            np.argsort(neg_scores)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        np.argpartition(full, k)
        dense.append((time.perf_counter() - t) * 1000)
        full[positions] = 0.0
    if not ours:
        return {}
    return {
        "topk_ours_p50_ms": statistics.median(ours),
        "topk_argpartition_p50_ms": statistics.median(dense),
        "topk_questions": len(ours),
        "topk_few_matches": few,
    }


def _same_top(a, b) -> bool:
    """Identical ids in order, scores equal to a relative 1e-6."""
    return [i for i, _ in a] == [i for i, _ in b] and all(
        abs(x - y) <= 1e-6 * max(abs(x), abs(y)) for (_, x), (_, y) in zip(a, b)
    )


def _child_rank_bm25(corpus, index_dir, questions, xapian_tops, out):
    from retrieval import Settings, store
    from retrieval.corpus import load_articles, split_corpus
    from retrieval.index import SentenceIndex

    t = time.perf_counter()
    reference = SentenceIndex.build(split_corpus(load_articles(corpus)), Settings())
    build_s = time.perf_counter() - t
    rss = _peak_rss_mib()
    sparse = store.load(index_dir, Settings())
    _time_queries(sparse, questions[:2])
    _time_queries(reference, questions[:1])
    bm25_times, sparse_times, agree, xapian_agree = [], [], 0, 0
    for q in questions:  # interleaved, side by side
        (ts,), (top_s,) = _time_queries(sparse, [q])
        (tb,), (top_b,) = _time_queries(reference, [q])
        sparse_times.append(ts)
        bm25_times.append(tb)
        same = [i for i, _ in top_s] == [i for i, _ in top_b] and all(
            abs(a - b) <= 1e-6 * max(abs(a), abs(b)) for (_, a), (_, b) in zip(top_s, top_b)
        )
        agree += same
        if xapian_tops is not None:
            xapian_agree += _same_top(xapian_tops[len(bm25_times) - 1], top_b)
    out.put(
        {
            "build_s": build_s,
            "rss_mib": rss,
            "p50_ms": statistics.median(bm25_times),
            "p99_ms": _percentile(bm25_times, 99),
            "sparse_p50_ms_same_queries": statistics.median(sparse_times),
            "top10_agreement": agree / len(questions),
            "xapian_top10_agreement": xapian_agree / len(questions) if xapian_tops is not None else None,
            "queries": len(questions),
        }
    )


def _child_xapian_build(corpus, out_dir, shards, workers, out):
    from retrieval.xapian_build import build_corpus_shards

    t = time.perf_counter()
    meta = build_corpus_shards(corpus, out_dir, shards, workers=workers, progress=None)
    build_s = time.perf_counter() - t
    disk = sum(f.stat().st_size for f in Path(out_dir).rglob("*") if f.is_file())
    out.put(
        {
            "build_s": build_s,
            "rss_mib": _peak_rss_mib(),
            "workers_rss_mib": _peak_rss_mib(resource.RUSAGE_CHILDREN),
            "disk_mib": disk / 2**20,
            "sentences": meta["sentences"],
            "counts": meta["counts"],
        }
    )


def _xapian_settings(addresses, **changes):
    from retrieval import Settings

    return Settings(engine="xapian", xapian_remote=tuple(addresses), **changes)


def _child_xapian_serve(addresses, index_dir, questions, server_pids, timeout, out):
    """Queries and answers through the shard servers, agreement with the sparse engine,
    then the shard-fault phase (kills ``kill_pid``'s process group part-way)."""
    import os
    import signal

    from retrieval import RetrievalError, store
    from retrieval.answer import answer
    from retrieval.xapian_index import open_index

    t = time.perf_counter()
    index = open_index(_xapian_settings(addresses, xapian_timeout=timeout))
    open_s = time.perf_counter() - t
    _time_queries(index, questions[:5])  # warm-up (first-call imports, connections)
    times, tops = _time_queries(index, questions)
    servers_rss = _servers_rss_mib(set(server_pids))  # while our connections are open
    kill_pid = server_pids[min(1, len(server_pids) - 1)]
    fresh = open_index(_xapian_settings(addresses, xapian_timeout=timeout))  # cold record cache
    answer_times = _time_answers(fresh, questions)
    rss = _peak_rss_mib()  # before the sparse index is loaded for the comparison
    agree = None
    interleaved = {}
    if index_dir is not None:  # None: --skip-sparse
        sparse = store.load(index_dir)
        _, sparse_tops = _time_queries(sparse, questions)
        agree = sum(_same_top(a, b) for a, b in zip(tops, sparse_tops)) / len(questions)
        interleaved = _interleaved_answers(sparse, open_index(_xapian_settings(addresses, xapian_timeout=timeout)), questions)
        del sparse
    result = {
        "open_s": open_s,
        "rss_mib": rss,
        "p50_ms": statistics.median(times),
        "p99_ms": _percentile(times, 99),
        "answer_p50_ms": statistics.median(answer_times),
        "answer_p99_ms": _percentile(answer_times, 99),
        "top10_agreement_sparse": agree,
        "servers_rss_mib": servers_rss,
        "tops": tops,
        **interleaved,
    }
    fault = {}
    for partial in (False, True):
        index = open_index(_xapian_settings(addresses, xapian_timeout=timeout, xapian_partial=partial))
        answered = errors = warned = 0
        slowest = 0.0
        lines = set()
        for i, q in enumerate(questions):
            if i == len(questions) // 3 and not partial:
                os.killpg(kill_pid, signal.SIGKILL)  # shard 1 dies mid-run
            t = time.perf_counter()
            try:
                a = answer(q, index)
                answered += 1
                warned += a.warning is not None or getattr(index, "warning", None) is not None
            except RetrievalError as exc:
                errors += 1
                lines.add(str(exc)[:100] if "\n" not in str(exc) else "MULTI-LINE")
            slowest = max(slowest, time.perf_counter() - t)
        fault["partial" if partial else "strict"] = {
            "questions": len(questions), "returned": answered, "shard_errors": errors,
            "with_warning": warned, "slowest_s": round(slowest, 3), "error_heads": sorted(lines),
        }
    result["fault"] = fault
    out.put(result)


def _answer_key(a):
    return (a.answered, a.reason, [(q.hit.sentence.id, round(q.hit.score, 9)) for q in a.quotes],
            None if a.confidence is None else round(a.confidence, 9))


def _interleaved_answers(sparse, xapian_index, questions) -> dict:
    """``answer()`` on the sparse index and on a fresh xapian client (cold record cache),
    question by question in turn, so both see the same machine load; and how many
    answers are the same (quotes, scores to 1e-9, reason, confidence)."""
    from retrieval.answer import answer

    answer(questions[0], sparse)
    times = {"sparse": [], "xapian": []}
    same = 0
    for q in questions:
        got = []
        for name, index in (("sparse", sparse), ("xapian", xapian_index)):
            t = time.perf_counter()
            got.append(answer(q, index))
            times[name].append((time.perf_counter() - t) * 1000)
        same += _answer_key(got[0]) == _answer_key(got[1])
    return {
        "sparse_answer_p50_ms": statistics.median(times["sparse"]),
        "sparse_answer_p99_ms": _percentile(times["sparse"], 99),
        "answer_interleaved_p50_ms": statistics.median(times["xapian"]),
        "answer_interleaved_p99_ms": _percentile(times["xapian"], 99),
        "answers_identical": same / len(questions),
    }


def _servers_rss_mib(groups) -> float:
    """Resident memory of the shard servers (process groups ``groups``), including the
    children serving our connections."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) in groups:  # pgrp
                for line in (stat.parent / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


def _measure_xapian(args, corpus, index_dir, out_dir, questions) -> dict:
    """Build the shards, serve them on 127.0.0.1, measure a client; servers stopped after."""
    from retrieval.xapian_servers import ShardServers

    build = _built(out_dir.parent, "xapian", out_dir, args.reuse is not None,
                   lambda: _run(_child_xapian_build, corpus, out_dir, args.shards, args.workers))
    print(f"xapian build: {build}", file=sys.stderr)
    if args.builds_only:
        return {}
    with ShardServers(out_dir) as servers:
        pids = [p.pid for p in servers.processes]
        serve = _run(_child_xapian_serve, servers.addresses, index_dir, questions, pids, args.timeout)
    print(f"xapian serve: { {k: v for k, v in serve.items() if k != 'tops'} }", file=sys.stderr)
    return {**serve, "sentences": build["sentences"], "build_s": build["build_s"], "build_rss_mib": build["rss_mib"],
            "disk_mib": build["disk_mib"], "counts": build["counts"]}


def _load_builds(work: Path) -> dict:
    try:
        return json.loads((work / "builds.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _save_build(work: Path, name: str, figures: dict) -> None:
    builds = _load_builds(work)
    builds[name] = figures
    (work / "builds.json").write_text(json.dumps(builds), "utf-8")


def _built(work: Path, name: str, directory: Path, reuse: bool, make):
    """``make()``'s build figures, or those saved in ``work`` when reusing a finished build."""
    saved = _load_builds(work).get(name)
    if reuse and saved is not None and directory.is_dir():
        print(f"{name} build: reused {directory} (figures of the build that made it)", file=sys.stderr)
        return saved
    figures = make()
    _save_build(work, name, figures)
    return figures


def _run(target, *args):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, out))
    process.start()
    result = out.get()
    process.join()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, required=True, metavar="N")
    parser.add_argument("--data", default=str(ROOT / ".." / "shared" / "data"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--bm25-queries", type=int, default=None,
                        help="queries for rank-bm25 (default: all up to 2e5 sentences, else 20)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", metavar="DIR", help="write the corpus and indexes here and keep them")
    parser.add_argument("--reuse", metavar="DIR",
                        help="a --keep DIR of an earlier run: its corpus and finished builds are used, not rebuilt")
    parser.add_argument("--skip-sparse", action="store_true",
                        help="with --engine xapian: measure the Xapian engine alone (no sparse build, no agreement)")
    parser.add_argument("--builds-only", action="store_true", help="stop after the builds (with --keep: measure later with --reuse)")
    parser.add_argument("--engine", choices=("sparse", "xapian"), default="sparse",
                        help="xapian: also measure the Xapian engine on --shards local shard servers")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=2.0, help="xapian: seconds per shard operation")
    parser.add_argument("--skip-rank-bm25", action="store_true",
                        help="leave rank-bm25 out (at 10^7 sentences it needs more memory than a small machine has)")
    args = parser.parse_args(argv)
    n = args.sentences
    bm25_queries = args.bm25_queries or (args.queries if n <= 200_000 else 20)
    data = Path(args.data)
    if not data.is_dir():
        print(f"bm25_speed: error: data directory {data} not found", file=sys.stderr)
        return 2

    load_start = os.getloadavg()[0]
    t = time.perf_counter()
    real, questions = real_text(data)
    questions = random.Random(1).sample(questions, args.queries)
    if args.reuse:
        args.keep = args.reuse
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bm25-speed-"))
    corpus, index_dir = work / "corpus", work / "index"
    saved = _load_builds(work).get("corpus")
    if args.reuse and saved is not None and saved["sentences"] == n and corpus.is_dir():
        recombined = saved["recombined"]
    else:
        recombined = make_corpus(real, n, corpus)
        _save_build(work, "corpus", {"sentences": n, "recombined": recombined})
    print(
        f"corpus: {n:,} lines = {n - recombined:,} real sentences (SQuAD contexts and speeches "
        f"in {data}, segmented, >= 4 words) + {recombined:,} recombined (first half of one real "
        f"sentence + second half of another, seed 0); one per line, {SENTENCES_PER_ARTICLE} per "
        f"article, in {corpus} ({time.perf_counter() - t:.1f} s)",
        file=sys.stderr,
    )
    print(f"queries: {args.queries} SQuAD questions (seed 1); rank-bm25 runs the first {bm25_queries}",
          file=sys.stderr)

    if args.skip_sparse and args.engine != "xapian":
        parser.error("--skip-sparse needs --engine xapian")
    build = serve = None
    if not args.skip_sparse:
        build = _built(work, "sparse", index_dir, args.reuse is not None,
                       lambda: _run(_child_sparse_build, corpus, index_dir, args.workers))
        print(f"sparse build: {build}", file=sys.stderr)
    else:
        index_dir = None
    xapian_result = None
    if args.builds_only:
        if args.engine == "xapian":
            _measure_xapian(args, corpus, index_dir, work / "xapian", questions)
        return 0
    if not args.skip_sparse:
        serve = _run(_child_sparse_serve, index_dir, questions)
        print(f"sparse serve: {serve}", file=sys.stderr)
    if args.engine == "xapian":
        xapian_result = _measure_xapian(args, corpus, index_dir, work / "xapian", questions)
    bm25 = None
    if not args.skip_rank_bm25 and not args.skip_sparse:
        tops = xapian_result["tops"][:bm25_queries] if xapian_result else None
        bm25 = _run(_child_rank_bm25, corpus, index_dir, questions[:bm25_queries], tops)
        print(f"rank-bm25: {bm25}", file=sys.stderr)

    result = {"sentences": (build or xapian_result)["sentences"], "engines": {}}
    if build is not None:
        result["engines"]["sparse"] = {
                "build_s": round(build["build_s"], 2),
                "rss_mib": round(max(build["rss_mib"], serve["rss_mib"]), 1),
                "p50_ms": round(serve["p50_ms"], 3),
                "p99_ms": round(serve["p99_ms"], 3),
                "serve_rss_mib": round(serve["rss_mib"], 1),
                "build_workers_rss_mib": round(build["workers_rss_mib"], 1),
                "reload_s": round(serve["reload_s"], 3),
                "save_s": round(build["save_s"], 2),
                "answer_p50_ms": round(serve["answer_p50_ms"], 3),
                "answer_p99_ms": round(serve["answer_p99_ms"], 3),
                **{key: round(serve[key], 4) for key in ("topk_ours_p50_ms", "topk_argpartition_p50_ms") if key in serve},
                **{key: serve[key] for key in ("topk_questions", "topk_few_matches") if key in serve},
            }
    if bm25 is not None:
        result["engines"]["rank_bm25"] = {
            "build_s": round(bm25["build_s"], 2),
            "rss_mib": round(bm25["rss_mib"], 1),
            "p50_ms": round(bm25["p50_ms"], 3),
            "p99_ms": round(bm25["p99_ms"], 3),
            "queries": bm25["queries"],
        }
        result["top10_agreement"] = bm25["top10_agreement"]
        result["speedup_p50"] = round(bm25["p50_ms"] / bm25["sparse_p50_ms_same_queries"], 1)
    if xapian_result is not None:
        x = xapian_result
        result["engines"]["xapian"] = {
            "build_s": round(x["build_s"], 2),
            "rss_mib": round(max(x["build_rss_mib"], x["rss_mib"]), 1),
            "p50_ms": round(x["p50_ms"], 3),
            "p99_ms": round(x["p99_ms"], 3),
            "answer_p50_ms": round(x["answer_p50_ms"], 3),
            "answer_p99_ms": round(x["answer_p99_ms"], 3),
            **({"answer_interleaved_p50_ms": round(x["answer_interleaved_p50_ms"], 3),
                "answer_interleaved_p99_ms": round(x["answer_interleaved_p99_ms"], 3),
                "sparse_answer_p50_ms_same_process": round(x["sparse_answer_p50_ms"], 3),
                "sparse_answer_p99_ms_same_process": round(x["sparse_answer_p99_ms"], 3),
                "answers_identical_to_sparse": x["answers_identical"]}
               if "sparse_answer_p50_ms" in x else {}),
            # identical top-10 to rank-bm25 where it ran, else to the sparse engine
            "top10_agreement": (bm25 or {}).get("xapian_top10_agreement") if bm25 else x["top10_agreement_sparse"],
            "top10_agreement_sparse": x["top10_agreement_sparse"],
            "shards": args.shards,
            "shard_sentences": x["counts"],
            "disk_mib": round(x["disk_mib"], 1),
            "client_rss_mib": round(x["rss_mib"], 1),
            "build_rss_mib": round(x["build_rss_mib"], 1),
            "servers_rss_mib": round(x["servers_rss_mib"], 1),
            "fault": x["fault"],
        }
    terms = f" ({build['terms']:,} terms, {build['nnz']:,} entries)" if build else ""
    lines = [f"sentences indexed: {result['sentences']:,}{terms}",
             f"{'engine':<10} {'build s':>9} {'peak RSS MiB':>13} {'p50 ms':>9} {'p99 ms':>9}  queries"]
    for name, e in result["engines"].items():
        q = e.get("queries", args.queries)
        lines.append(f"{name:<10} {e['build_s']:>9.2f} {e['rss_mib']:>13.1f} {e['p50_ms']:>9.3f} {e['p99_ms']:>9.3f}  {q}")
    s = result["engines"].get("sparse", {})
    lines += [] if not s else [
        f"sparse: reload {s['reload_s']:.3f} s, serving RSS {s['serve_rss_mib']:.1f} MiB, "
        f"build workers' peak RSS {s['build_workers_rss_mib']:.1f} MiB, save {s['save_s']:.2f} s"
    ]
    if bm25 is not None:
        lines.append(
            f"top-10 agreement with rank-bm25: {result['top10_agreement']:.1%} of {bm25['queries']} queries; "
            f"p50 speed ratio (same queries, same process): {result['speedup_p50']}x"
        )
    lines += [] if not s else [
        f"whole answer() on the sparse index (100 candidates reranked, abstention): "
        f"p50 {s['answer_p50_ms']:.2f} ms, p99 {s['answer_p99_ms']:.2f} ms"
    ]
    if "topk_ours_p50_ms" in s:
        lines.append(
            f"top-10 selection alone, p50: {s['topk_ours_p50_ms']:.3f} ms over the matching sentences "
            f"vs {s['topk_argpartition_p50_ms']:.3f} ms for np.argpartition over all {result['sentences']:,} "
            f"({s['topk_questions']} questions, {s['topk_few_matches']} with <= 10 matches)"
        )
    if xapian_result is not None:
        x = result["engines"]["xapian"]
        versus = f"rank-bm25 ({bm25['queries']} queries)" if bm25 else "-"
        lines += [
            f"xapian: {args.shards} shards {x['shard_sentences']} on 127.0.0.1 servers; disk {x['disk_mib']:.1f} MiB; "
            f"client RSS {x['client_rss_mib']:.1f} MiB, servers RSS {x['servers_rss_mib']:.1f} MiB, "
            f"build RSS {x['build_rss_mib']:.1f} MiB",
            f"xapian: whole answer() (cold record cache) p50 {x['answer_p50_ms']:.2f} ms, p99 {x['answer_p99_ms']:.2f} ms",
        ]
        if "sparse_answer_p50_ms_same_process" in x:
            lines.append(f"xapian: answer() interleaved with the sparse engine's on the same questions, same process: "
                         f"xapian p50 {x['answer_interleaved_p50_ms']:.2f} / p99 {x['answer_interleaved_p99_ms']:.2f} ms, "
                         f"sparse p50 {x['sparse_answer_p50_ms_same_process']:.2f} / "
                         f"p99 {x['sparse_answer_p99_ms_same_process']:.2f} ms; answers identical: "
                         f"{x['answers_identical_to_sparse']:.1%}")
        if x["top10_agreement_sparse"] is None:
            lines.append("xapian: measured alone (--skip-sparse): no agreement figures")
        else:
            lines.append(f"xapian: top-10 identical to the sparse engine on {x['top10_agreement_sparse']:.1%} of "
                         f"{args.queries} queries; to {versus}: " + (f"{x['top10_agreement']:.1%}" if bm25 else "not run"))
        for mode, f in x["fault"].items():
            lines.append(
                f"xapian shard 1 killed ({mode}): {f['returned']} answers ({f['with_warning']} with the warning), "
                f"{f['shard_errors']} one-line shard errors of {f['questions']} questions; slowest {f['slowest_s']} s "
                f"(timeout {args.timeout} s)"
            )
    result["load_average"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    lines.append(f"load average (1 min) at start {load_start:.2f}, at end {result['load_average'][1]:.2f} "
                 f"(the machine is shared: compare engines within one run)")
    print("\n".join(lines))
    if args.json:
        print(json.dumps(result))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
