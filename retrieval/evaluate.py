"""Evaluation harness: answer quality on SQuAD and on the project's regression file.

Run ``python -m retrieval.evaluate FILE [--mode reqa|article|abstain|offtopic] [--baseline] [--json]``.

FILE is either official SQuAD JSON (v1.1, or v2.0 with ``is_impossible``) or the
project's QA regression YAML (a list of ``{question, expect}`` or
``{question, unanswerable: true}``, optional ``max_rank``), answered from ``--corpus DIR``.

Modes (SQuAD)
-------------
``reqa``
    ReQA (Ahmad et al. 2019, "ReQA: An Evaluation for End-to-End Answer Retrieval
    Models"): every sentence of every context in the file forms one corpus; a
    question's gold sentences are those whose character span contains one of its
    ``answer_start`` offsets. Reports MRR (over the top 100), recall@1, @5, @10.
``article``
    Within-article answering, the product's use: each article is indexed alone and
    the question is answered with :func:`retrieval.answer.answer`; accuracy@1 counts
    the top quote being a gold sentence (an abstention is wrong).
``abstain``
    SQuAD 2.0, within-article: accuracy@1 on the answerable questions with the
    product's abstention rule and without it (``never_abstain_accuracy@1``), and
    precision, recall and F1 of abstaining on the ``is_impossible`` questions.
``offtopic``
    Each article i asked its own answerable questions and those of article i+1 (mod
    the article count), from its sentences alone: ``offtopic_abstain_recall`` (the
    next article's questions refused) and ``answerable_abstain_rate`` (its own refused).

``article`` and ``abstain`` also report the calibration of the answers' ``confidence``
(P(the first quote answers), :mod:`retrieval.answerability`) against the ranking's first
sentence being gold: ``ece`` (expected calibration error, 10 equal-width bins) and the
reliability table (questions, mean confidence and accuracy per bin).

Contexts are cut by the product's segmenter (:func:`retrieval.segment.split_sentences`);
each context is one paragraph (``Citation.paragraph``) of its article. ``--baseline``
repeats the run with plain rank-bm25 (lowercase ``\\w+`` tokens, a small stoplist,
Porter stems, BM25Okapi defaults) and prints both side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from .errors import RetrievalError
from .evaluate_data import (
    Dataset,
    EvaluationDataError,
    Question,
    RegressionCase,
    load_regression,
    load_squad,
    read_json,
)
from .evaluate_metrics import (
    RANK_CUTOFF,
    RECALL_KS,
    abstain_scores,
    accuracy_at_1,
    first_gold_rank,
    mrr,
    recall_at_k,
    reciprocal_rank,
)
from .evaluate_runs import (
    RUNS,
    BaselineRanker,
    ProductRanker,
    RankerFactory,
    evaluate_squad,
    run_abstain,
    run_article,
    run_offtopic,
    run_regression,
    run_reqa,
)

__all__ = [
    "MODES",
    "RANK_CUTOFF",
    "RECALL_KS",
    "RUNS",
    "BaselineRanker",
    "Dataset",
    "EvaluationDataError",
    "ProductRanker",
    "Question",
    "RankerFactory",
    "RegressionCase",
    "abstain_scores",
    "accuracy_at_1",
    "evaluate_squad",
    "first_gold_rank",
    "load_regression",
    "load_squad",
    "main",
    "mrr",
    "read_json",
    "recall_at_k",
    "reciprocal_rank",
    "run_abstain",
    "run_article",
    "run_offtopic",
    "run_regression",
    "run_reqa",
]

MODES = ("reqa", "article", "abstain", "offtopic")


# --------------------------------------------------------------------------- CLI
def _format(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "seconds":
        return f"{value:.1f}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(results: dict[str, dict]) -> str:
    names = list(results)
    keys = list(dict.fromkeys(k for r in results.values() for k in r if k not in ("failures", "reliability")))
    width = max(len(k) for k in keys) + 2
    lines = ["metric".ljust(width) + "".join(n.rjust(12) for n in names)]
    for key in keys:
        lines.append(key.ljust(width) + "".join(_format(key, results[n].get(key)).rjust(12) for n in names))
    return "\n".join(lines)


def _reliability_lines(table: list[dict] | None) -> list[str]:
    """The reliability table (:func:`~retrieval.evaluate_metrics.calibration`), or nothing."""
    if not table:
        return []
    lines = ["", "reliability (confidence bin: questions, mean confidence, accuracy)"]
    lines += [f"  {r['bin']}  {r['questions']:6d}  {r['confidence']:.4f}  {r['accuracy']:.4f}" for r in table]
    return lines


def _is_regression_file(path: str) -> bool:
    return Path(path).suffix.lower() in (".yaml", ".yml")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval.evaluate",
        description="Measure answer quality on SQuAD JSON (reqa/article/abstain/offtopic) or the QA regression YAML.",
    )
    parser.add_argument("file", help="SQuAD v1.1/v2.0 JSON, or the project's QA regression YAML")
    parser.add_argument("--mode", choices=MODES, default="reqa", help="SQuAD evaluation mode (default reqa)")
    parser.add_argument("--baseline", action="store_true", help="also run plain rank-bm25, side by side")
    parser.add_argument("--json", action="store_true", help="end with one JSON object of the metrics")
    parser.add_argument("--corpus", default="corpus", help="corpus directory for the regression YAML (default corpus)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--semantic",
        default="off",
        metavar="VALUE",
        help="also run with this semantic model (on, a fastembed name or a directory), beside off",
    )
    args = parser.parse_args(argv)
    progress = not args.no_progress
    try:
        if _is_regression_file(args.file):
            from .engine import Engine
            from .settings import Settings

            cases = load_regression(args.file)
            try:
                engine = Engine.load(args.corpus)
                semantic = None if args.semantic == "off" else Engine.load(args.corpus, Settings(semantic=args.semantic))
            except RetrievalError as exc:
                raise EvaluationDataError(str(exc)) from exc
            results = {"ours": run_regression(cases, engine)}
            if semantic is not None:
                results["semantic"] = run_regression(cases, semantic)
            if args.baseline:
                print("note: --baseline applies to SQuAD files only", file=sys.stderr)
        else:
            dataset = load_squad(read_json(args.file))
            if args.mode == "abstain" and not any(q.impossible for q in dataset.questions):
                print("note: no is_impossible question in this file (SQuAD 1.1?)", file=sys.stderr)
            results = {}
            if args.baseline:
                results["baseline"] = evaluate_squad(dataset, args.mode, BaselineRanker, progress)
            from .semantic_eval import semantic_rankers

            make_semantic = semantic_rankers(args.semantic, dataset, progress)  # first: a bad model fails fast
            results["ours"] = evaluate_squad(dataset, args.mode, ProductRanker, progress)
            if make_semantic is not None:
                results["semantic"] = evaluate_squad(dataset, args.mode, make_semantic, progress)
    except EvaluationDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RetrievalError as exc:  # e.g. passages with no searchable word at all
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines = [_table(results)] + [f"FAILED: {q}" for q in results["ours"].get("failures", [])]
    lines += _reliability_lines(results["ours"].get("reliability"))
    lines += [f"FAILED (semantic): {q}" for q in results.get("semantic", {}).get("failures", [])]
    if args.json:
        out = dict(results["ours"])
        if "baseline" in results:
            out["baseline"] = results["baseline"]
        if "semantic" in results:
            out["semantic"] = {k: v for k, v in results["semantic"].items() if k != "failures"}
        lines.append(json.dumps(out))
    return _write("\n".join(lines) + "\n")


def _write(text: str) -> int:
    """Print the report; 0, or 2 with one line on stderr when standard output cannot
    take it (a reader leaving early, ``| head``, is no error)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _detach_stdout()
        return 0
    except (OSError, AttributeError) as exc:  # a full disk; stdout closed (None)
        _detach_stdout()
        reason = getattr(exc, "strerror", None) or "standard output is closed"
        print(f"error: cannot write output: {reason}", file=sys.stderr)
        return 2
    return 0


def _detach_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
