"""Candidates: BM25 top-k plus the best candidates' paragraph neighbours."""

from __future__ import annotations

from retrieval import Article, SentenceIndex
from retrieval.analyze import analyze
from retrieval.candidates import candidate_positions
from retrieval.corpus import split_article
from retrieval.policy import Features

def build(text: str) -> SentenceIndex:
    return SentenceIndex.build(split_article(Article("doc", "Doc", text)))


def test_candidate_positions_add_the_best_paragraphs_other_sentences():
    from retrieval.answer import candidate_positions

    index = build("Mongke Khan ruled the empire. The ruler died in 1259.\nRain fell. Khan rode. Snow fell. Wind blew.\n")
    terms = analyze("Mongke Khan")
    text = lambda positions: [(index.sentence(s.position).text, s.score > 0) for s in positions]  # noqa: E731
    by_bm25 = index.score_terms(terms, 100)
    assert text(by_bm25) == [("Mongke Khan ruled the empire.", True), ("Khan rode.", True)]
    # then, in corpus order and with BM25 0, the other sentences of the best one's paragraph
    assert text(candidate_positions(index, terms, Features(paragraph_neighbours=1))) == text(by_bm25) + [
        ("The ruler died in 1259.", False)
    ]
    assert text(candidate_positions(index, terms, Features(paragraph_neighbours=2))) == text(by_bm25) + [
        ("The ruler died in 1259.", False),
        ("Rain fell.", False),
        ("Snow fell.", False),
        ("Wind blew.", False),
    ]
    assert candidate_positions(index, terms, Features(paragraph_neighbours=0)) == by_bm25
    # a window of 1 place around "Khan rode." keeps "Rain fell." and "Snow fell.", not "Wind blew."
    assert text(candidate_positions(index, terms, Features(paragraph_neighbours=2, neighbour_window=1))) == text(
        by_bm25
    ) + [("The ruler died in 1259.", False), ("Rain fell.", False), ("Snow fell.", False)]
    assert candidate_positions(index, terms, Features(paragraph_neighbours=2, neighbour_window=0)) == by_bm25
    assert candidate_positions(index, ["zzz"]) == []
