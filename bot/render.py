"""Answers as text: the terminal form and the JSON form. Pure functions.

The Discord renderer builds on the same pieces (:func:`source_line`, the fixed
messages), so both front ends say the same thing.
"""

from __future__ import annotations

from typing import Iterable

from retrieval import MAX_QUESTION_CHARS, Answer, Citation, Explanation, Quote, Sentence, Source
from retrieval.answer import too_long

NOT_FOUND = "I couldn't find that in the article."
NOT_FOUND_MANY = "I couldn't find that in the articles."  # more than one article loaded
NO_TERMS = (
    "Please ask a question about the article in words: who, what, when, where, "
    "how many …?"
)
NO_TERMS_MANY = (  # more than one article loaded
    "Please ask a question about the articles in words: who, what, when, where, "
    "how many …?"
)


def not_found_text(*, articles: int = 1) -> str:
    """:data:`NOT_FOUND`, or :data:`NOT_FOUND_MANY` when more than one article is loaded.

    Parameters
    ----------
    articles : int
        How many articles are loaded (default 1: the singular wording).
    """
    return NOT_FOUND_MANY if articles > 1 else NOT_FOUND


def no_terms_text(*, articles: int = 1) -> str:
    """:data:`NO_TERMS`, or :data:`NO_TERMS_MANY` when more than one article is loaded.

    Parameters
    ----------
    articles : int
        How many articles are loaded (default 1: the singular wording).
    """
    return NO_TERMS_MANY if articles > 1 else NO_TERMS


def too_long_text(length: int) -> str:
    """The reply to a question of ``length`` characters, more than
    :data:`retrieval.MAX_QUESTION_CHARS` (``That question is too long (2,001
    characters; the limit is 2,000). Please ask it more briefly.``)."""
    return (
        f"That question is too long ({length:,} characters; the limit is "
        f"{MAX_QUESTION_CHARS:,}). Please ask it more briefly."
    )


def abstention_text(result: Answer, *, articles: int = 1) -> str:
    """The one-line message for an answer that quotes nothing.

    Parameters
    ----------
    result : Answer
        An answer that quotes nothing.
    articles : int
        How many articles are loaded: the message says "the articles" when more than
        one is (default 1: "the article").

    Returns
    -------
    str
        :func:`too_long_text` for a question that is too long, :func:`no_terms_text`
        for one with no usable word, else :func:`not_found_text`.
    """
    if result.reason == "too_long":
        return too_long_text(len(result.question))
    if result.reason == "no_terms":
        return no_terms_text(articles=articles)
    return not_found_text(articles=articles)


def terminal_text(text: str) -> str:
    """``text`` with every non-printable character (controls such as ESC, bidi
    overrides, tabs, no-break spaces) replaced by a plain space, one for one, so that
    text from an article can never move the cursor, recolour or reorder the terminal.
    Printable text, spacing included, is unchanged."""
    return text if text.isprintable() else "".join(c if c.isprintable() else " " for c in text)


def source_line(number: int, quote: Quote) -> str:
    """``[n] Title — section “…”, paragraph P, sentence S`` (plus the context's sentence);
    title and section through :func:`terminal_text`."""
    c: Citation = quote.hit.citation
    parts = []
    if c.section:
        parts.append(f"section “{terminal_text(c.section)}”")
    parts.append(f"paragraph {c.paragraph}")
    if quote.context is not None:
        before = quote.context.citation
        if before.paragraph != c.paragraph:
            parts.append(f"sentence {c.sentence} (context: paragraph {before.paragraph}, sentence {before.sentence})")
        else:
            parts.append(f"sentences {before.sentence}–{c.sentence}")
    else:
        parts.append(f"sentence {c.sentence}")
    return f"[{number}] {terminal_text(c.title)} — {', '.join(parts)}"


def render_terminal(result: Answer, *, articles: int = 1) -> str:
    """The answer as the terminal shows it.

    Each quote on its own line(s), ``“…” [n]``, a context sentence (if any) just
    before its quote marked ``(context)``; then a ``Sources:`` block with one
    :func:`source_line` per quote. Article text goes through :func:`terminal_text`.
    An abstention is one line (:func:`abstention_text`).

    Parameters
    ----------
    result : Answer
        What the engine returned.
    articles : int
        How many articles are loaded, for the abstention's wording (default 1).

    Returns
    -------
    str
        The text to print, without a final newline.
    """
    if not result.answered:
        return abstention_text(result, articles=articles)
    lines: list[str] = []
    for number, quote in enumerate(result.quotes, start=1):
        if quote.context is not None:
            lines.append(f"  (context) “{terminal_text(quote.context.text)}”")
        lines.append(f"“{terminal_text(quote.hit.text)}” [{number}]")
        lines.append("")
    lines.append("Sources:")
    lines.extend(source_line(n, q) for n, q in enumerate(result.quotes, start=1))
    return "\n".join(lines)


def citation_dict(c: Citation) -> dict:
    """A citation as a JSON-ready dict (doc_id, title, section, paragraph, sentence, start, end)."""
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "section": c.section,
        "paragraph": c.paragraph,
        "sentence": c.sentence,
        "start": c.start,
        "end": c.end,
    }


def answer_dict(result: Answer) -> dict:
    """The ``ask --json`` object.

    ``{"question", "answered", "reason", "answers": [{"text", "score", "citation",
    "context"}]}``; ``answers`` is empty when not answered; ``context`` is null or
    ``{"text", "citation"}`` for the sentence shown before a quote.
    """
    answers = []
    for quote in result.quotes:
        context = None
        if quote.context is not None:
            context = {"text": quote.context.text, "citation": citation_dict(quote.context.citation)}
        answers.append(
            {
                "text": quote.hit.text,
                "score": quote.hit.score,
                "citation": citation_dict(quote.hit.citation),
                "context": context,
            }
        )
    return {
        "question": result.question,
        "answered": result.answered,
        "reason": result.reason,
        "answers": answers,
    }


def sentence_dict(sentence: Sentence) -> dict:
    """One line of ``ask --sentences --json``: doc_id, paragraph, sentence, start, end, text."""
    c = sentence.citation
    return {
        "doc_id": c.doc_id,
        "paragraph": c.paragraph,
        "sentence": c.sentence,
        "start": c.start,
        "end": c.end,
        "text": sentence.text,
    }


def render_sentence(sentence: Sentence) -> str:
    """``doc_id ¶P sS  text`` for ``ask --sentences``."""
    return f"{terminal_text(sentence.citation.label)}\t{terminal_text(sentence.text)}"


def render_sources(sources: Iterable[Source]) -> str:
    """One line per loaded article: title, date, sentence count, id."""
    lines = []
    for s in sources:
        date = f", {s.date}" if s.date else ""
        noun = "sentence" if s.sentences == 1 else "sentences"
        lines.append(f"- {terminal_text(s.title)}{terminal_text(date)} — {s.sentences} {noun} ({terminal_text(s.doc_id)})")
    return "\n".join(lines) if lines else "No articles are loaded."


EXPLAIN_FEATURES = 4  # reranker features shown per sentence by render_explanation


def printable(text: str) -> str:
    """``text`` on one line with control and format characters (escape sequences,
    NUL, bidi overrides, line breaks) replaced by spaces and runs of spaces collapsed:
    safe to echo to a terminal."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def render_explanation(question: str, explanations: list[Explanation], *, articles: int = 1) -> str:
    """Per-term BM25 contributions of the top hits, their largest reranker features
    and the WordNet-related words that stood in for question terms, for ``:explain`` /
    ``--explain``. The question is echoed through
    :func:`printable`; a question that is too long gets :func:`too_long_text`, one
    with no searchable word :func:`no_terms_text`, one that no sentence shares a word
    with ``Nothing in the article(s) matches ...`` (``articles``: how many articles
    are loaded, default 1: "the article")."""
    from retrieval.analyze import analyze

    if not explanations:
        if too_long(question):  # checked first: such a question is never analyzed
            return too_long_text(len(question))
        if not analyze(question):
            return no_terms_text(articles=articles)
        where = "the articles" if articles > 1 else "the article"
        return f"Nothing in {where} matches the words of: {printable(question)}"
    lines = [f"Why these sentences rank first for: {printable(question)}"]
    for e in explanations:
        c = e.hit.citation
        lines.append(
            f"#{e.hit.rank} {terminal_text(c.label)}  BM25 {e.bm25:.3f}, term coverage {e.coverage:.0%}, "
            f"reranker score {e.score:.3f}"
        )
        lines.append(f"   “{terminal_text(e.hit.text)}”")
        for t in e.terms:
            lines.append(f"   {t.term:<16} {t.score:+.3f}")
        if e.features:
            shown = ", ".join(f"{name} {value:+.2f}" for name, value in e.features[:EXPLAIN_FEATURES])
            lines.append(f"   largest reranker features: {shown}")
        semantic = dict(e.features).get("semantic")
        if semantic is not None:  # the optional semantic scorer's share of the score
            lines.append(f"   semantic score (meaning): {semantic:+.3f}")
        if e.related_words:
            shown = ", ".join(f"{asked} ~ {held} ({relation})" for asked, held, relation in e.related_words)
            lines.append(f"   related words (question ~ sentence): {shown}")
    return "\n".join(lines)
