"""The sparse engine ranks and scores exactly as rank_bm25.BM25Okapi (and SentenceIndex)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from rank_bm25 import BM25Okapi

from retrieval import Engine, Settings
from retrieval.analyze import analyze
from retrieval.corpus import load_articles, split_corpus
from retrieval.index import SentenceIndex, build_index, choose_engine, positive_idf
from retrieval.sparse import SparseSentenceIndex
from retrieval.types import Citation, Sentence

from .support import CORPUS

WORDS = "alpha bravo delta echo golf hotel kilo lima".split()  # analyze(w) == [w]


def make_sentences(docs: list[list[str]]) -> list[Sentence]:
    """One sentence per token list; the tokens are their own index terms."""
    out = []
    for i, tokens in enumerate(docs):
        text = " ".join(tokens) + "."
        assert analyze(text) == tokens
        c = Citation("d", "D", None, 1, i + 1, 0, len(text))
        out.append(Sentence(f"d:{i + 1}", text, c))
    return out


def reference_ranking(docs, query, k, s: Settings):
    bm25 = BM25Okapi(docs, k1=s.k1, b=s.b, epsilon=s.epsilon)
    scores = bm25.get_scores(query)
    matching = [i for i, d in enumerate(docs) if set(d) & set(query)]
    order = sorted(matching, key=lambda i: (-scores[i], i))
    if k is not None:
        order = order[:k]
    return [(i, float(scores[i])) for i in order]


corpora = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=12)
queries = st.lists(st.sampled_from(WORDS + ["zulu"]), min_size=1, max_size=5)  # zulu: never in a corpus


@hsettings(max_examples=300, deadline=None)
@given(
    docs=corpora,
    query=queries,
    k=st.one_of(st.none(), st.integers(1, 6)),
    k1=st.sampled_from([0.5, 1.2, 1.5, 2.0]),
    b=st.sampled_from([0.0, 0.5, 0.75, 1.0]),
    epsilon=st.sampled_from([0.0, 0.25, 0.5]),
)
def test_sparse_equals_rank_bm25(docs, query, k, k1, b, epsilon):
    s = Settings(k1=k1, b=b, epsilon=epsilon)
    index = SparseSentenceIndex.build(make_sentences(docs), s)
    assert [index.sentence_terms(i) for i in range(len(docs))] == [
        sorted(d, key=d.index) for d in docs
    ]
    got = [(r.position, r.score) for r in index.score_terms(query, k)]
    want = reference_ranking(docs, query, k, s)
    assert [p for p, _ in got] == [p for p, _ in want]
    for (_, a), (_, b_) in zip(got, want):
        assert a == pytest.approx(b_, rel=1e-6, abs=0) or a == b_
    bm25 = BM25Okapi(docs, k1=k1, b=b, epsilon=epsilon)
    for term in set(query):
        assert index.idf(term) == (bm25.idf.get(term) or 0.0)


def test_one_and_two_sentence_corpora_and_epsilon_floor():
    # 1 sentence: idf = log(0.5) - log(1.5) < 0 -> epsilon * mean idf, negative
    for docs in ([["alpha", "bravo"]], [["alpha", "bravo"], ["alpha", "delta"]], [["alpha"], ["alpha"], ["alpha", "bravo"]]):
        sparse = SparseSentenceIndex.build(make_sentences(docs))
        for query in (["alpha"], ["alpha", "alpha"], ["bravo", "alpha"], ["delta", "zulu"], ["zulu"]):
            got = [(r.position, r.score) for r in sparse.score_terms(query)]
            assert got == reference_ranking(docs, query, None, Settings())
    one = SparseSentenceIndex.build(make_sentences([["alpha", "bravo"]]))
    idf = math.log(0.5) - math.log(1.5)
    assert one.idf("alpha") == 0.25 * idf
    assert one.score_terms(["alpha"])[0].score < 0  # still returned: it contains the term
    assert positive_idf(one, "alpha") == pytest.approx(math.log(1 + 0.5 / 1.5))
    assert positive_idf(one, "zulu") == pytest.approx(math.log(1 + 1.5 / 0.5))


def test_bundled_article_engines_agree():
    sentences = split_corpus(load_articles(CORPUS))
    reference = SentenceIndex.build(sentences)
    sparse = SparseSentenceIndex.build(sentences)
    assert reference.size == sparse.size == len(list(sparse.sentences))
    assert list(sparse.sentences) == reference.sentences
    assert sparse.average_length == reference.average_length
    for i in range(reference.size):
        assert sorted(sparse.sentence_terms(i)) == sorted(reference.sentence_terms(i))
        assert sparse.previous(reference.sentence(i)) == reference.previous(reference.sentence(i))
    import yaml

    cases = yaml.safe_load((CORPUS.parent / "tests" / "qa_regression.yaml").read_text("utf-8"))
    for case in cases:
        terms = analyze(case["question"])
        assert sparse.score_terms(terms) == reference.score_terms(terms), case["question"]
        assert sparse.score_terms(terms, 3) == reference.score_terms(terms, 3)
        assert sparse.matching(terms) == reference.matching(terms)
        for t in terms:
            assert sparse.idf(t) == reference.idf(t)
            assert sparse.document_frequency(t) == reference.document_frequency(t)
        top = reference.score_terms(terms, 1)
        if top:
            assert sparse.contributions(terms, top[0].position) == reference.contributions(
                terms, top[0].position
            )
        assert sparse.search(case["question"], 2) == reference.search(case["question"], 2)


def test_answers_identical_with_either_engine():
    a = Engine.load(CORPUS, Settings(engine="rank_bm25"), index_dir=False)
    b = Engine.load(CORPUS, Settings(engine="sparse"), index_dir=False)
    assert a.index.engine_name == "rank_bm25" and b.index.engine_name == "sparse"
    questions = ["Who accompanied Putin?", "How many containers of munitions?", "asdf"]
    import yaml

    cases = yaml.safe_load((CORPUS.parent / "tests" / "qa_regression.yaml").read_text("utf-8"))
    questions += [case["question"] for case in cases]  # paraphrases: WordNet and paragraph neighbours
    for q in questions:
        assert a.answer(q) == b.answer(q)
        assert a.explain(q) == b.explain(q)
    assert a.sources() == b.sources()


def test_engine_choice_by_size_and_setting():
    s = Settings(sparse_threshold=3)
    assert choose_engine(2, s) == "rank_bm25"
    assert choose_engine(3, s) == "sparse"
    assert choose_engine(10**6, Settings(engine="rank_bm25")) == "rank_bm25"
    assert choose_engine(1, Settings(engine="sparse")) == "sparse"
    small = make_sentences([["alpha"], ["bravo"]])
    big = make_sentences([["alpha"], ["bravo"], ["delta"]])
    assert build_index(small, s).engine_name == "rank_bm25"
    assert build_index(big, s).engine_name == "sparse"
    assert build_index(iter(small), s).engine_name == "rank_bm25"  # streamed, converted
    assert build_index(big, s.with_(engine="rank_bm25")).engine_name == "rank_bm25"
    assert build_index(small, Settings(engine="sparse")).engine_name == "sparse"


def test_sentence_access_and_lazy_sequence():
    sparse = SparseSentenceIndex.build(make_sentences([["alpha", "bravo", "alpha"], ["delta"]]))
    assert len(sparse) == 2 and sparse.sentence(-1) == sparse.sentences[1]
    assert sparse.sentences[0:1] == [sparse.sentence(0)]
    assert sparse.sentence_terms(0) == ["alpha", "alpha", "bravo"]
    with pytest.raises(IndexError):
        sparse.sentence(2)


def test_a_term_repeated_65536_times_widens_the_frequencies_without_duplicates():
    from retrieval.sparse import SparseBuilder

    builder = SparseBuilder()
    doc = builder.add_document("d", "D")
    builder.add("alpha bravo.", ["alpha", "bravo"], doc, None, 1, 1, 0, 12)
    builder.add("long.", ["kilo", "lima"] + ["echo"] * 70_000, doc, None, 1, 2, 13, 20)
    index = SparseSentenceIndex.from_parts(builder.finish())
    assert index.arrays["row_tf"].tolist() == [1, 1, 1, 1, 70_000]
    assert index.arrays["row_tf"].dtype.name == "int32"
    assert index.sentence_terms(1).count("echo") == 70_000
    assert [s.position for s in index.score_terms(["echo"])] == [1]


def test_a_corpus_with_a_word_repeated_70000_times_answers(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "repeat.txt").write_text("Kim met " + "Putin " * 70_000 + "at home.\nLavrov accompanied Putin.\n")
    engine = Engine.load(corpus, index_dir=tmp_path / "idx")
    assert engine.answer("Who accompanied Putin?").quotes[0].hit.text == "Lavrov accompanied Putin."
