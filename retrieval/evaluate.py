"""Evaluation harness: answer quality on SQuAD and on the project's regression file.

Run ``python -m retrieval.evaluate FILE [--mode reqa|article|abstain] [--baseline] [--json]``.

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

Contexts are cut by the product's segmenter (:func:`retrieval.segment.split_sentences`);
each context is one paragraph (``Citation.paragraph``) of its article. ``--baseline``
repeats the run with plain rank-bm25 (lowercase ``\\w+`` tokens, a small stoplist,
Porter stems, BM25Okapi defaults) and prints both side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .errors import RetrievalError
from .types import Citation, Sentence

RANK_CUTOFF = 100  # MRR is taken over the top 100 (ReQA)
RECALL_KS = (1, 5, 10)
MODES = ("reqa", "article", "abstain")


# --------------------------------------------------------------------------- metrics
def first_gold_rank(ranked: Sequence[str], gold: Iterable[str], cutoff: int = RANK_CUTOFF) -> int | None:
    """1-based rank of the first gold id in ``ranked[:cutoff]``, or None.

    Parameters
    ----------
    ranked : sequence of str
        Retrieved ids, best first.
    gold : iterable of str
        The ids that count as correct.
    cutoff : int
        Only the first ``cutoff`` ids are looked at.
    """
    gold = set(gold)
    for position, item in enumerate(ranked[:cutoff], start=1):
        if item in gold:
            return position
    return None


def reciprocal_rank(rank: int | None) -> float:
    """``1 / rank``, 0 when nothing gold was retrieved (``rank`` None)."""
    return 0.0 if rank is None else 1.0 / rank


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank of per-question first-gold ranks (0 for no question).

    Source: Voorhees (1999), TREC-8 QA track; as in ReQA (Ahmad et al. 2019).
    """
    return sum(reciprocal_rank(r) for r in ranks) / len(ranks) if ranks else 0.0


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Fraction of questions with a gold sentence in the top ``k`` (ReQA's recall@k)."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def accuracy_at_1(correct: Sequence[bool]) -> float:
    """Fraction of questions whose top answer is right (0 for no question)."""
    return sum(map(bool, correct)) / len(correct) if correct else 0.0


def abstain_scores(abstained: Sequence[bool], impossible: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of abstaining, the unanswerable questions being positive.

    Parameters
    ----------
    abstained, impossible : sequence of bool, shape (n_questions,)
        Whether the system abstained, and whether the question is unanswerable.

    Returns
    -------
    (precision, recall, f1) : tuple of float
        Precision is 0 when the system never abstains, recall 0 when no question
        is unanswerable, F1 their harmonic mean (0 when both are 0).
    """
    if len(abstained) != len(impossible):
        raise ValueError("abstained and impossible differ in length")
    true_pos = sum(1 for a, i in zip(abstained, impossible) if a and i)
    predicted = sum(map(bool, abstained))
    actual = sum(map(bool, impossible))
    precision = true_pos / predicted if predicted else 0.0
    recall = true_pos / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --------------------------------------------------------------------------- data
class EvaluationDataError(Exception):
    """The evaluation file is missing, unreadable or not in a known format."""


@dataclass(frozen=True)
class Question:
    """One SQuAD question, with the ids of its gold sentences."""

    id: str
    text: str
    article: int
    gold: frozenset[str]
    impossible: bool = False


@dataclass(frozen=True)
class Dataset:
    """A SQuAD file cut into sentences.

    Attributes
    ----------
    articles : list of list of Sentence
        Each article's sentences, in text order (ids ``"a{article}:{n}"``).
    questions : list of Question
        In file order. Answerable questions whose answers all fall between
        sentences (no gold sentence) are dropped.
    dropped : int
        How many answerable questions were dropped for having no gold sentence.
    """

    articles: list[list[Sentence]]
    questions: list[Question]
    dropped: int = 0

    @property
    def sentences(self) -> list[Sentence]:
        """Every sentence of every article, in file order."""
        return [s for article in self.articles for s in article]


def read_json(path: str | Path) -> dict:
    """Parse a JSON file; any failure becomes :class:`EvaluationDataError`."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise EvaluationDataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvaluationDataError(f"{path} is not valid JSON: {exc}") from exc


def load_squad(data: dict) -> Dataset:
    """Cut a parsed SQuAD v1.1/v2.0 file into sentences and gold sentence ids.

    Parameters
    ----------
    data : dict
        The parsed official JSON: ``{"data": [{"title", "paragraphs": [{"context",
        "qas": [{"id", "question", "answers": [{"answer_start", "text"}],
        "is_impossible"?}]}]}]}``.

    Returns
    -------
    Dataset
        Article ``i`` has doc id ``"a{i}"``; each context is one paragraph, numbered
        from 1. A sentence is gold for a question when ``start <= answer_start < end``.

    Raises
    ------
    EvaluationDataError
        The structure is not SQuAD's, or it holds no passage text or no question
        whose answer lies in a sentence.
    """
    from .segment import split_sentences

    try:
        articles: list[list[Sentence]] = []
        questions: list[Question] = []
        dropped = 0
        for a, article in enumerate(data["data"]):
            doc_id = f"a{a}"
            title = str(article.get("title", doc_id))
            sentences: list[Sentence] = []
            offset = 0
            for p, paragraph in enumerate(article["paragraphs"], start=1):
                context = paragraph["context"]
                spans = []
                for start, end in split_sentences(context):
                    number = len(sentences) + 1
                    citation = Citation(doc_id, title, None, p, number, offset + start, offset + end)
                    sentence = Sentence(f"{doc_id}:{number}", context[start:end], citation)
                    sentences.append(sentence)
                    spans.append((start, end, sentence.id))
                for qa in paragraph["qas"]:
                    impossible = bool(qa.get("is_impossible", False))
                    starts = {int(ans["answer_start"]) for ans in qa.get("answers", ())}
                    gold = frozenset(i for s, e, i in spans for x in starts if s <= x < e)
                    if not impossible and not gold:
                        dropped += 1
                        continue
                    questions.append(Question(str(qa["id"]), qa["question"], a, gold, impossible))
                offset += len(context) + 1
            articles.append(sentences)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EvaluationDataError(f"not SQuAD JSON ({type(exc).__name__}: {exc})") from exc
    if not any(articles):
        raise EvaluationDataError("no passage with any text in the file")
    if not questions:
        raise EvaluationDataError("no question with a located answer in the file")
    return Dataset(articles, questions, dropped)


# --------------------------------------------------------------------------- systems
_BASELINE_STOPWORDS = frozenset(
    "a an and are as at be by for from has he in is it its of on that the to was were "
    "will with what which who whom when where why how did does do".split()
)


class BaselineRanker:
    """Plain rank-bm25: lowercase ``\\w+`` tokens, a small stoplist, Porter stems,
    ``BM25Okapi`` with its defaults (k1=1.5, b=0.75, epsilon=0.25), nothing else.

    Sentences sharing no term with the question are never returned (their BM25 is 0).
    """

    _word = re.compile(r"\w+")

    def __init__(self, sentences: Sequence[Sentence]):
        from nltk.stem.porter import PorterStemmer
        from rank_bm25 import BM25Okapi

        self._stem = PorterStemmer().stem
        self._cache: dict[str, str] = {}
        docs = [self.analyze(s.text) for s in sentences]
        self.ids = [s.id for s in sentences]
        self._bm25 = BM25Okapi(docs)
        self._postings: dict[str, list[int]] = {}
        for position, doc in enumerate(docs):
            for term in set(doc):
                self._postings.setdefault(term, []).append(position)

    def analyze(self, text: str) -> list[str]:
        out = []
        for token in self._word.findall(text.lower()):
            if token in _BASELINE_STOPWORDS:
                continue
            stem = self._cache.get(token)
            if stem is None:
                stem = self._cache[token] = self._stem(token)
            out.append(stem)
        return out

    def rank(self, question: str, k: int = RANK_CUTOFF) -> list[str]:
        """Ids of the ``k`` best sentences, BM25 descending, ties by corpus order."""
        terms = self.analyze(question)
        positions = sorted({p for t in terms for p in self._postings.get(t, ())})
        if not positions:
            return []
        scores = self._bm25.get_batch_scores(terms, positions)
        order = sorted(range(len(positions)), key=lambda i: (-scores[i], positions[i]))
        return [self.ids[positions[i]] for i in order[:k]]

    def top(self, question: str) -> str | None:
        """The best sentence's id (never abstains unless nothing matches)."""
        ranked = self.rank(question, 1)
        return ranked[0] if ranked else None

    def quoted(self, question: str) -> list[str]:
        """The sentences it would quote: the best one alone (empty when nothing matches)."""
        top = self.top(question)
        return [top] if top is not None else []


class ProductRanker:
    """The product: :class:`~retrieval.index.SentenceIndex` plus the answer layer."""

    def __init__(self, sentences: Sequence[Sentence], settings=None, features=None):
        from .answer import DEFAULT_FEATURES
        from .index import SentenceIndex
        from .settings import Settings

        self.settings = settings or Settings()
        self.features = features or DEFAULT_FEATURES
        self.index = SentenceIndex.build(list(sentences), self.settings)

    def rank(self, question: str, k: int = RANK_CUTOFF) -> list[str]:
        """Ids of the ``k`` best sentences in the answer layer's order (no abstention)."""
        from .answer import rank

        return [h.id for h in rank(question, self.index, k, self.features)]

    def top(self, question: str) -> str | None:
        """The first quoted sentence's id, None when the product abstains."""
        from .answer import answer

        result = answer(question, self.index, self.settings, self.features)
        return result.quotes[0].hit.id if result.answered else None

    def quoted(self, question: str) -> list[str]:
        """Ids of every sentence the answer quotes, in order (empty when it abstains)."""
        from .answer import answer

        result = answer(question, self.index, self.settings, self.features)
        return [q.hit.id for q in result.quotes]


RankerFactory = Callable[[Sequence[Sentence]], object]


# --------------------------------------------------------------------------- runs
def _progress(items, desc: str, show: bool):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, disable=not show, leave=False)


def run_reqa(dataset: Dataset, make: RankerFactory, progress: bool = False) -> dict:
    """ReQA over all sentences of ``dataset`` (answerable questions only).

    Returns
    -------
    dict
        ``mrr``, ``recall@1``, ``recall@5``, ``recall@10``, ``questions``, ``sentences``.
    """
    sentences = dataset.sentences
    ranker = make(sentences)
    questions = [q for q in dataset.questions if not q.impossible]
    ranks = [
        first_gold_rank(ranker.rank(q.text, RANK_CUTOFF), q.gold)
        for q in _progress(questions, "reqa", progress)
    ]
    out = {"mrr": mrr(ranks)}
    out.update({f"recall@{k}": recall_at_k(ranks, k) for k in RECALL_KS})
    out.update(questions=len(questions), sentences=len(sentences))
    return out


def _per_article(dataset: Dataset, make: RankerFactory, questions: list[Question], progress: bool, desc: str):
    rankers: dict[int, object] = {}
    for q in _progress(questions, desc, progress):
        if q.article not in rankers:
            rankers = {q.article: make(dataset.articles[q.article])}  # one article at a time
        yield q, rankers[q.article]


def run_article(dataset: Dataset, make: RankerFactory, progress: bool = False) -> dict:
    """Within-article answering of the answerable questions (abstaining is wrong).

    Returns
    -------
    dict
        ``accuracy@1`` (the first quote is gold), ``gold_quoted`` (some quote is gold),
        ``quotes_per_answer`` (mean number of quotes when answering), ``questions``,
        ``sentences``.
    """
    questions = [q for q in dataset.questions if not q.impossible]
    quoted = [ranker.quoted(q.text) for q, ranker in _per_article(dataset, make, questions, progress, "article")]
    answered = [ids for ids in quoted if ids]
    return {
        "accuracy@1": accuracy_at_1([bool(ids) and ids[0] in q.gold for q, ids in zip(questions, quoted)]),
        "gold_quoted": accuracy_at_1([any(i in q.gold for i in ids) for q, ids in zip(questions, quoted)]),
        "quotes_per_answer": sum(map(len, answered)) / len(answered) if answered else 0.0,
        "questions": len(questions),
        "sentences": len(dataset.sentences),
    }


def run_abstain(dataset: Dataset, make: RankerFactory, progress: bool = False) -> dict:
    """Within-article abstention on SQuAD 2.0.

    Returns
    -------
    dict
        ``answerable_accuracy@1`` (product rule), ``never_abstain_accuracy@1`` (top of
        the ranking, never abstaining), ``abstain_precision``, ``abstain_recall``,
        ``abstain_f1``, ``abstained``, ``questions``, ``sentences``.
    """
    questions = dataset.questions
    abstained, impossible, correct, never = [], [], [], []
    for q, ranker in _per_article(dataset, make, questions, progress, "abstain"):
        top = ranker.top(q.text)
        abstained.append(top is None)
        impossible.append(q.impossible)
        if not q.impossible:
            correct.append(top in q.gold)
            ranked = ranker.rank(q.text, 1)
            never.append(bool(ranked) and ranked[0] in q.gold)
    precision, recall, f1 = abstain_scores(abstained, impossible)
    return {
        "answerable_accuracy@1": accuracy_at_1(correct),
        "never_abstain_accuracy@1": accuracy_at_1(never),
        "abstain_precision": precision,
        "abstain_recall": recall,
        "abstain_f1": f1,
        "abstained": sum(abstained),
        "questions": len(questions),
        "sentences": len(dataset.sentences),
    }


RUNS = {"reqa": run_reqa, "article": run_article, "abstain": run_abstain}


def evaluate_squad(dataset: Dataset, mode: str, make: RankerFactory, progress: bool = False) -> dict:
    """Run one mode and time it (``seconds``)."""
    began = time.perf_counter()
    out = RUNS[mode](dataset, make, progress)
    out["seconds"] = round(time.perf_counter() - began, 2)
    return out


# --------------------------------------------------------------------------- regression file
@dataclass(frozen=True)
class RegressionCase:
    """One entry of the project's QA regression YAML."""

    question: str
    expect: str | None = None
    unanswerable: bool = False
    max_rank: int = 1


def load_regression(path: str | Path) -> list[RegressionCase]:
    """Read ``tests/qa_regression.yaml``-style cases.

    Raises
    ------
    EvaluationDataError
        Unreadable file, invalid YAML, or an entry without ``question`` and one of
        ``expect`` / ``unanswerable: true``.
    """
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationDataError(f"cannot read {path}: {exc}") from exc
    try:
        items = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # one line: the problem and where (PyYAML's own text spans lines)
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EvaluationDataError(f"{path} is not valid YAML: {problem}{where}") from exc
    if not isinstance(items, list):
        raise EvaluationDataError(f"{path}: expected a YAML list of {{question, expect}} entries")
    cases = []
    for number, item in enumerate(items, start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("question"), str)
            or not (isinstance(item.get("expect"), str) or item.get("unanswerable") is True)
        ):
            raise EvaluationDataError(
                f"{path}: entry {number} needs 'question' and 'expect' or 'unanswerable: true'"
            )
        max_rank = item.get("max_rank", 1)
        if not isinstance(max_rank, int) or max_rank < 1:
            raise EvaluationDataError(f"{path}: entry {number}: max_rank must be a whole number >= 1")
        cases.append(
            RegressionCase(item["question"], item.get("expect"), item.get("unanswerable") is True, max_rank)
        )
    return cases


def run_regression(cases: Sequence[RegressionCase], engine, features=None) -> dict:
    """Score an engine on regression cases.

    An answerable case's rank is the 1-based position, in the answer's quotes followed
    by the rest of the answer layer's ranking, of the first sentence containing
    ``expect``; it is None (wrong) when the engine abstains. An unanswerable case is
    right (rank 1) when the engine abstains.

    Returns
    -------
    dict
        ``accuracy@1``, ``accuracy@3``, ``mrr`` over all cases, ``passed`` (rank <=
        ``max_rank``), ``abstained``, ``abstained_unanswerable``, ``unanswerable``,
        ``questions``, ``sentences``, and ``failures`` (the failing questions).
    """
    from .answer import DEFAULT_FEATURES, answer, rank

    features = features or DEFAULT_FEATURES
    ranks, failures = [], []
    abstained = abstained_right = 0
    for case in cases:
        result = answer(case.question, engine.index, engine.settings, features)
        abstained += not result.answered
        if case.unanswerable:
            r = 1 if not result.answered else None
            abstained_right += not result.answered
        elif not result.answered:
            r = None
        else:
            texts = [h.text for h in result.hits]
            texts += [h.text for h in rank(case.question, engine.index, RANK_CUTOFF, features)]
            seen = list(dict.fromkeys(texts))
            r = next((i for i, t in enumerate(seen, start=1) if case.expect in t), None)
        ranks.append(r)
        if r is None or r > case.max_rank:
            failures.append(case.question)
    return {
        "accuracy@1": recall_at_k(ranks, 1),
        "accuracy@3": recall_at_k(ranks, 3),
        "mrr": mrr(ranks),
        "passed": len(cases) - len(failures),
        "abstained": abstained,
        "abstained_unanswerable": abstained_right,
        "unanswerable": sum(c.unanswerable for c in cases),
        "questions": len(cases),
        "sentences": engine.index.size,
        "failures": failures,
    }


# --------------------------------------------------------------------------- CLI
def _format(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "seconds":
        return f"{value:.1f}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(results: dict[str, dict]) -> str:
    names = list(results)
    keys = list(dict.fromkeys(k for r in results.values() for k in r if k != "failures"))
    width = max(len(k) for k in keys) + 2
    lines = ["metric".ljust(width) + "".join(n.rjust(12) for n in names)]
    for key in keys:
        lines.append(key.ljust(width) + "".join(_format(key, results[n].get(key)).rjust(12) for n in names))
    return "\n".join(lines)


def _is_regression_file(path: str) -> bool:
    return Path(path).suffix.lower() in (".yaml", ".yml")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval.evaluate",
        description="Measure answer quality on SQuAD JSON (reqa/article/abstain) or the QA regression YAML.",
    )
    parser.add_argument("file", help="SQuAD v1.1/v2.0 JSON, or the project's QA regression YAML")
    parser.add_argument("--mode", choices=MODES, default="reqa", help="SQuAD evaluation mode (default reqa)")
    parser.add_argument("--baseline", action="store_true", help="also run plain rank-bm25, side by side")
    parser.add_argument("--json", action="store_true", help="end with one JSON object of the metrics")
    parser.add_argument("--corpus", default="corpus", help="corpus directory for the regression YAML (default corpus)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    progress = not args.no_progress
    try:
        if _is_regression_file(args.file):
            from .engine import Engine

            cases = load_regression(args.file)
            try:
                engine = Engine.load(args.corpus)
            except RetrievalError as exc:
                raise EvaluationDataError(str(exc)) from exc
            results = {"ours": run_regression(cases, engine)}
            if args.baseline:
                print("note: --baseline applies to SQuAD files only", file=sys.stderr)
        else:
            dataset = load_squad(read_json(args.file))
            if args.mode == "abstain" and not any(q.impossible for q in dataset.questions):
                print("note: no is_impossible question in this file (SQuAD 1.1?)", file=sys.stderr)
            results = {}
            if args.baseline:
                results["baseline"] = evaluate_squad(dataset, args.mode, BaselineRanker, progress)
            results["ours"] = evaluate_squad(dataset, args.mode, ProductRanker, progress)
    except EvaluationDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RetrievalError as exc:  # e.g. passages with no searchable word at all
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines = [_table(results)] + [f"FAILED: {q}" for q in results["ours"].get("failures", [])]
    if args.json:
        out = dict(results["ours"])
        if "baseline" in results:
            out["baseline"] = results["baseline"]
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
