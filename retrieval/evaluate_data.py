"""Evaluation data: SQuAD JSON cut into sentences with gold sentence ids, and the
project's QA regression YAML.

SQuAD (Rajpurkar et al. 2016, 2018): contexts are cut by the product's segmenter
(:func:`retrieval.segment.split_sentences`); each context is one paragraph
(``Citation.paragraph``) of its article, and a question's gold sentences are those
whose character span contains one of its ``answer_start`` offsets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .types import Citation, Sentence


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
    except yaml.YAMLError as exc:
        raise EvaluationDataError(f"{path} is not valid YAML: {exc}") from exc
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

