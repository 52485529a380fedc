"""Evaluation runs: the systems compared (the product and plain rank-bm25) and the
SQuAD modes (ReQA, within-article, abstention) and the regression file run over them.

``reqa`` follows ReQA (Ahmad et al. 2019): every sentence of every context in the file
forms one corpus. ``article`` and ``abstain`` index each article alone, the product's
use. The baseline is plain rank-bm25 (lowercase ``\\w+`` tokens, a small stoplist,
Porter stems, BM25Okapi defaults).
"""

from __future__ import annotations

import re
import sys
import time
from typing import Callable, Sequence

from .evaluate_data import Dataset, Question, RegressionCase
from .evaluate_metrics import (
    RANK_CUTOFF,
    RECALL_KS,
    abstain_scores,
    accuracy_at_1,
    calibration,
    first_gold_rank,
    mrr,
    recall_at_k,
)
from .types import Sentence


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

    def __init__(self, sentences: Sequence[Sentence], settings=None, features=None, semantic=None):
        from .answer import DEFAULT_FEATURES
        from .index import SentenceIndex
        from .settings import Settings

        self.settings = settings or Settings()
        self.features = features or DEFAULT_FEATURES
        self.index = SentenceIndex.build(list(sentences), self.settings)
        # semantic: index -> SemanticScorer (retrieval.semantic_eval), or None
        self.semantic = semantic(self.index) if semantic is not None else None

    def rank(self, question: str, k: int = RANK_CUTOFF) -> list[str]:
        """Ids of the ``k`` best sentences in the answer layer's order (no abstention)."""
        from .answer import rank

        return [h.id for h in rank(question, self.index, k, self.features, self.semantic)]

    def top(self, question: str) -> str | None:
        """The first quoted sentence's id, None when the product abstains."""
        from .answer import answer

        result = answer(question, self.index, self.settings, self.features, semantic=self.semantic)
        return result.quotes[0].hit.id if result.answered else None

    def quoted(self, question: str) -> list[str]:
        """Ids of every sentence the answer quotes, in order (empty when it abstains)."""
        return self.judged(question)[0]

    def judged(self, question: str) -> tuple[list[str], float | None, str | None]:
        """The quoted ids (empty when it abstains), the answer's ``confidence`` (None
        when no model decided) and the ranking's first sentence (what the confidence is
        about, also when the product refuses; None when nothing matches)."""
        from .answer import answer

        result = answer(question, self.index, self.settings, self.features, semantic=self.semantic)
        ids = [q.hit.id for q in result.quotes]
        first = ids[0] if ids else next(iter(self.rank(question, 1)), None)
        return ids, result.confidence, first


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
    judged = [_judged(ranker, q.text) for q, ranker in _per_article(dataset, make, questions, progress, "article")]
    quoted = [ids for ids, _, _ in judged]
    answered = [ids for ids in quoted if ids]
    out = {
        "accuracy@1": accuracy_at_1([bool(ids) and ids[0] in q.gold for q, ids in zip(questions, quoted)]),
        "gold_quoted": accuracy_at_1([any(i in q.gold for i in ids) for q, ids in zip(questions, quoted)]),
        "quotes_per_answer": sum(map(len, answered)) / len(answered) if answered else 0.0,
        "abstained": sum(1 for ids in quoted if not ids),
        "questions": len(questions),
        "sentences": len(dataset.sentences),
    }
    out.update(_calibrated(judged, [q.gold for q in questions]))
    return out


def _judged(ranker, question: str) -> tuple[list[str], float | None, str | None]:
    """``ranker.judged`` where the system has it (the product), else no confidence."""
    if hasattr(ranker, "judged"):
        return ranker.judged(question)
    ids = ranker.quoted(question)
    return ids, None, ids[0] if ids else None


def _calibrated(judged, golds) -> dict:
    """``ece`` and ``reliability`` (:func:`calibration`) of the confidences against the
    ranking's first sentence being gold; {} when the system gives no confidence."""
    pairs = [(p, first in gold) for (_, p, first), gold in zip(judged, golds) if p is not None]
    if not pairs:
        return {}
    ece, table = calibration([p for p, _ in pairs], [c for _, c in pairs])
    return {"ece": ece, "reliability": table}


def run_offtopic(dataset: Dataset, make: RankerFactory, progress: bool = False) -> dict:
    """Off-topic questions: for each article i, its own answerable questions and those of
    article i+1 (mod the article count), asked of article i's sentences alone.

    Nothing in article i answers article i+1's questions, so the product should refuse
    them (issue 12's cross-article test) while answering its own.

    Returns
    -------
    dict
        ``offtopic_abstain_recall`` (share of the next article's questions refused),
        ``answerable_abstain_rate`` (share of the article's own questions refused),
        ``questions`` (both kinds), ``sentences``; with a system that gives a
        confidence, ``ece`` and ``reliability`` over both kinds (an off-topic question's
        first sentence is never right) and ``ece_offtopic`` over the off-topic ones alone
        (each only where some question of its kind has a confidence: a question with no
        candidate has none).
    """
    own: dict[int, list[Question]] = {}
    for q in dataset.questions:
        if not q.impossible:
            own.setdefault(q.article, []).append(q)
    count = len(dataset.articles)
    pairs = [(i, q, False) for i in range(count) for q in own.get(i, [])]
    pairs += [(i, q, True) for i in range(count) for q in own.get((i + 1) % count, [])]
    pairs.sort(key=lambda item: item[0])  # one article indexed at a time
    refused = {False: 0, True: 0}
    asked = {False: 0, True: 0}
    ranker, current = None, None
    judged, golds = [], []
    for i, q, off in _progress(pairs, "offtopic", progress):
        if i != current:
            current, ranker = i, make(dataset.articles[i])
        asked[off] += 1
        if hasattr(ranker, "judged"):
            judged.append(ranker.judged(q.text))
        else:  # a system that only picks a sentence (or None): no confidence
            top = ranker.top(q.text)
            judged.append(([top] if top is not None else [], None, top))
        golds.append(frozenset() if off else q.gold)  # nothing in article i answers article i+1
        refused[off] += not judged[-1][0]
    out = {
        "offtopic_abstain_recall": refused[True] / asked[True] if asked[True] else 0.0,
        "answerable_abstain_rate": refused[False] / asked[False] if asked[False] else 0.0,
        "questions": len(pairs),
        "sentences": len(dataset.sentences),
    }
    out.update(_calibrated(judged, golds))
    offtopic = [k for k, (_, _, off) in enumerate(pairs) if off]
    alone = _calibrated([judged[k] for k in offtopic], [golds[k] for k in offtopic])
    if alone:
        out["ece_offtopic"] = alone["ece"]
    return out


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
    abstained, impossible, correct, never, judged = [], [], [], [], []
    for q, ranker in _per_article(dataset, make, questions, progress, "abstain"):
        if hasattr(ranker, "judged"):
            judged.append(ranker.judged(q.text))
        else:  # a system that only picks a sentence (or None): no confidence
            top = ranker.top(q.text)
            judged.append(([top] if top is not None else [], None, top))
        ids, _, first = judged[-1]
        top = ids[0] if ids else None
        abstained.append(top is None)
        impossible.append(q.impossible)
        if not q.impossible:
            correct.append(top in q.gold)
            never.append(first is not None and first in q.gold)
    precision, recall, f1 = abstain_scores(abstained, impossible)
    calibrated = _calibrated(judged, [frozenset() if q.impossible else q.gold for q in questions])
    return calibrated | {
        "answerable_accuracy@1": accuracy_at_1(correct),
        "never_abstain_accuracy@1": accuracy_at_1(never),
        "abstain_precision": precision,
        "abstain_recall": recall,
        "abstain_f1": f1,
        "abstained": sum(abstained),
        "questions": len(questions),
        "sentences": len(dataset.sentences),
    }


RUNS = {"reqa": run_reqa, "article": run_article, "abstain": run_abstain, "offtopic": run_offtopic}


def evaluate_squad(dataset: Dataset, mode: str, make: RankerFactory, progress: bool = False) -> dict:
    """Run one mode and time it (``seconds``); ``dropped`` reports the answerable
    questions the file lost for having no gold sentence (:class:`Dataset`)."""
    began = time.perf_counter()
    out = RUNS[mode](dataset, make, progress)
    out["dropped"] = dataset.dropped
    out["seconds"] = round(time.perf_counter() - began, 2)
    return out



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
        semantic = getattr(engine, "semantic", None)
        result = answer(case.question, engine.index, engine.settings, features, semantic=semantic)
        abstained += not result.answered
        if case.unanswerable:
            r = 1 if not result.answered else None
            abstained_right += not result.answered
        elif not result.answered:
            r = None
        else:
            texts = [h.text for h in result.hits]
            texts += [h.text for h in rank(case.question, engine.index, RANK_CUTOFF, features, semantic)]
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

