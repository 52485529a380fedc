"""WordNet-related terms (retrieval/related.py) and the three reranker features built on them."""

from __future__ import annotations

import lzma

import pytest

from retrieval import Article, RetrievalError, SentenceIndex, related
from retrieval.analyze import analyze
from retrieval.features import candidate_features
from retrieval.query import query_of
from retrieval.corpus import split_article
from retrieval.index import positive_idf
from retrieval.related import hypernym_terms, related_terms, two_step_terms
from retrieval.rerank import FEATURE_NAMES


def term(word: str) -> str:
    (t,) = analyze(word)
    return t


def test_synonyms_derived_and_irregular_forms_are_related():
    assert term("purchase") in related_terms(term("buy"))  # synonym
    assert term("inventor") in related_terms(term("invent"))  # derived form
    assert term("death") in related_terms(term("die"))
    assert term("win") in related_terms(term("won"))  # irregular inflection
    assert term("child") in related_terms(term("children"))


def test_relations_are_symmetric_and_never_contain_the_term():
    for word in ("buy", "invent", "king", "city", "die"):
        t = term(word)
        assert t not in related_terms(t) and t not in hypernym_terms(t) and t not in two_step_terms(t)
        assert all(t in related_terms(r) for r in related_terms(t))
        assert all(t in hypernym_terms(h) for h in hypernym_terms(t))


def test_one_hypernym_step_both_ways_with_instances():
    assert term("monarch") in hypernym_terms(term("king"))
    assert term("king") in hypernym_terms(term("monarch"))
    assert term("Chicago") in hypernym_terms(term("city"))  # an instance of a city


def test_two_steps_reach_further_and_exclude_the_first_step():
    # purchase -> buy (synonym) -> bought (irregular form)
    assert term("bought") not in related_terms(term("purchase"))
    assert term("bought") in two_step_terms(term("purchase"))
    assert two_step_terms(term("purchase")).isdisjoint(related_terms(term("purchase")))


def test_british_and_american_spellings_are_related():
    assert term("defense") in related_terms(term("defence"))
    assert term("traveled") in related_terms(term("travelled")) or term("traveled") == term("travelled")
    assert term("favor") in related_terms(term("favour"))


def test_demonyms_reach_their_country_also_through_a_multi_word_name():
    assert term("Russia") in related_terms(term("Russian"))  # a one-word pertainym
    assert term("Britain") in related_terms(term("British"))  # "Great Britain", by its last word


def test_phrasal_verbs_give_their_words_the_phrase_meaning():
    words = "who went with putin".split()
    assert related.phrase_related(words, set(analyze(" ".join(words)))) == {term("went"): frozenset({term("accompany")})}
    words = "when did he pass away".split()
    found = related.phrase_related(words, {term("pass")})
    assert set(found) == {term("pass")} and term("die") in found[term("pass")]


def test_phrases_credit_only_question_terms_and_need_a_phrase():
    assert related.phrase_related("who saw putin".split(), {term("saw"), "putin"}) == {}
    assert related.phrase_related("went with".split(), set()) == {}
    assert related.phrase_related([], {"go"}) == {}


def test_unknown_terms_have_no_relations():
    for t in ("zzqx", "2024", "belousov"):
        assert related_terms(t) == frozenset() == hypernym_terms(t) == two_step_terms(t)


def test_antonyms_reach_the_opposite_and_its_grades():
    assert related.antonym_terms(term("largest")) == frozenset({"small", "smaller", "smallest"})
    assert related.antonym_terms(term("win")) == frozenset({term("lose")})
    assert term("rise") in related.antonym_terms(term("fall")) and term("fall") in related.antonym_terms(term("rise"))
    assert related.antonym_terms("zzqx") == frozenset()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "No such file"),
        ("[1, 2]", "list indices must be integers"),
        ('{"antonym": {"win": ["lose"]}}', "not an object of strings"),
        ('{"other": {}}', "'antonym'"),
    ],
)
def test_damaged_antonym_table_is_named(tmp_path, monkeypatch, content, message):
    path = tmp_path / "wordnet_antonyms.json"
    if content is not None:
        path.write_text(content)
    _refused_naming(monkeypatch, "ANTONYM_PATH", related.load_antonyms, f"cannot read the antonym table {path}.*{message}", path)


def _xz_with_flipped_middle() -> bytes:
    data = bytearray(lzma.compress(b'{"related": {"a": "b c d e f g h"}, "hypernym": {}}' * 50))
    for i in range(20, 40):
        data[i] ^= 0xFF
    return bytes(data)


_corrupted_middle = _xz_with_flipped_middle()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "No such file"),
        (b"not xz", "Input format not supported"),
        (lzma.compress(b'{"related": {}, "hypernym": {}}'), 'not an object with "related", "hypernym" and "phrase" tables'),
        (lzma.compress(b"[1, 2]"), 'not an object with "related", "hypernym" and "phrase" tables'),
        (lzma.compress(b'{"related": {"buy": ["purchas"]}, "hypernym": {}, "phrase": {}}'), "not objects of strings"),
        (lzma.compress(b'{"related": {}, "hypernym": {}, "phrase": {}}')[:-6], "Compressed data ended before the end-of-stream marker"),  # truncated
        (_corrupted_middle, "Corrupt input data"),  # lzma.LZMAError
        (lzma.compress(b"[" * 100000 + b"]" * 100000), "maximum recursion depth"),
    ],
)
def test_damaged_table_is_named(tmp_path, monkeypatch, content, message):
    path = tmp_path / "wordnet_terms.json.xz"
    if content is not None:
        path.write_bytes(content)
    _refused_naming(monkeypatch, "TABLE_PATH", related.load_table, f"cannot read the related-term table {path}.*{message}", path)


def _refused_naming(monkeypatch, setting, loader, pattern, path):
    """``loader`` (a cached table loader of retrieval.related) pointed at ``path`` raises
    RetrievalError matching ``pattern``; its cache is cleared before and after."""
    monkeypatch.setattr(related, setting, path)
    loader.cache_clear()
    try:
        with pytest.raises(RetrievalError, match=pattern):
            loader()
    finally:
        loader.cache_clear()


def test_engine_load_reports_a_damaged_table_first(tmp_path, monkeypatch):
    from retrieval import Engine

    monkeypatch.setattr(related, "TABLE_PATH", tmp_path / "missing.json.xz")
    related.load_table.cache_clear()
    try:
        with pytest.raises(RetrievalError, match="related-term table"):
            Engine.load(tmp_path / "no-corpus-needed", index_dir=False)
    finally:
        related.load_table.cache_clear()


def features(text: str, question: str) -> tuple[list[dict[str, float]], dict[str, float]]:
    index = SentenceIndex.build(split_article(Article("doc", "Doc", text)))
    terms = analyze(question)
    X, found = candidate_features(index, query_of(question, terms), index.score_terms(terms, 100))
    rows = {index.sentence(c.position).text: dict(zip(FEATURE_NAMES, r)) for c, r in zip(found, X.tolist())}
    weights = {t: positive_idf(index, t) for t in dict.fromkeys(terms)}
    total = sum(weights.values())
    return rows, {t: w / total for t, w in weights.items()}


def test_related_features_weigh_the_absent_terms_they_explain():
    rows, share = features(
        "The company bought the mill in 1990.\nThe company purchased land.\nThe king of the company ruled.\n"
        "The company sold the mill.\n",
        "When did the company buy the mill?",
    )
    bought = rows["The company bought the mill in 1990."]
    # "buy" is absent, but "bought" is its irregular form: related, not two steps
    assert bought["related"] == pytest.approx(share["buy"])
    assert bought["related_two_steps"] == 0.0
    assert rows["The company purchased land."]["related"] == pytest.approx(share["buy"] + 0.0)
    assert rows["The company sold the mill."]["related"] == 0.0
    assert rows["The company sold the mill."]["hypernym"] == 0.0


def test_hypernym_feature():
    rows, share = features("The monarch visited the town.\nA town was visited.\n", "Which king visited the town?")
    assert rows["The monarch visited the town."]["hypernym"] == pytest.approx(share["king"])
    assert rows["A town was visited."]["hypernym"] == 0.0


def test_two_step_feature():
    rows, share = features("The company bought land.\nLand is cheap.\n", "Who purchased land?")
    # purchase -> buy -> bought: two steps, and not one
    assert rows["The company bought land."]["related_two_steps"] == pytest.approx(share[term("purchase")])
    assert rows["The company bought land."]["related"] == 0.0
    assert rows["Land is cheap."]["related_two_steps"] == 0.0


def test_related_matches_name_the_word_and_relation():
    from retrieval.related import related_matches

    present = [term("monarch"), term("bought"), term("accompanied"), term("land")]
    absent = [term("escort"), term("king"), term("purchase"), term("zzqx")]
    assert related_matches(absent, present) == [
        (term("escort"), term("accompanied"), "related"),
        (term("king"), term("monarch"), "hypernym"),
        (term("purchase"), term("bought"), "two steps"),
    ]
    assert related_matches([], present) == []


def test_explain_shows_the_related_words():
    from bot.render import render_explanation
    from retrieval.answer import explain

    index = SentenceIndex.build(split_article(Article("doc", "Doc", "Officials accompanied the president.\nRain fell.\n")))
    (first, *_) = explain("Who escorted the president?", index)
    assert first.related_words == ((term("escort"), term("accompanied"), "related"),)
    text = render_explanation("Who escorted the president?", [first])
    assert "   related words (question ~ sentence): escort ~ accompani (related)" in text.splitlines()
