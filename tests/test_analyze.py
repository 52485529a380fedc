"""The one analyzer: normalise -> tokenize -> stopwords -> stem."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.analyze import analyze, normalize, stopwords, tokenize


@pytest.mark.parametrize(
    "left, right",
    [
        ("mayor’s", "mayor's"),
        ("acc\u200bompanied", "accompanied"),  # a zero-width space is removed, not a space
        ("co\u00adoperate", "cooperate"),
        ("accompanied", "Accompanying"),
        ("11,000", "11000"),
        ("“quoted”", '"quoted"'),
        ("ＦＵＬＬＷＩＤＴＨ", "fullwidth"),
    ],
)
def test_equivalent_forms_give_the_same_terms(left, right):
    assert analyze(left) == analyze(right)
    assert analyze(left) != []


def test_exact_terms_of_a_sentence():
    assert analyze("Prices rose 3.5 percent to $11,000 in the mayor’s city.") == [
        "price",
        "rose",
        "3.5",
        "percent",
        "11000",
        "mayor",
        "citi",
    ]


def test_numbers_stay_whole():
    assert tokenize("3.5 and 11,000 and 1,2,3") == ["3.5", "and", "11000", "and", "1,2,3"]


def test_hyphenated_words_split():
    assert analyze("Kim Hong-kyun") == ["kim", "hong", "kyun"]


def test_stopwords_removed_and_acronyms_kept():
    assert analyze("What is the capital of France?") == ["capit", "franc"]
    assert analyze("IT said it would") == ["it", "said"]


@pytest.mark.parametrize("text", ["", "?", "!!!", "🙂", "the", "  ", "— …", "\u200b"])
def test_questions_with_no_usable_words_have_no_terms(text):
    assert analyze(text) == []


def test_normalize_removes_invisible_characters():
    assert normalize("a\u00adb\u2060c\ufeffd\u200be") == "abcde"


def test_stopword_list_is_shipped():
    words = stopwords()
    assert {"the", "is", "what", "who", "many"} <= words
    assert "won" not in words and "us" not in words


def test_accents_of_latin_letters_are_folded():
    assert analyze("Céleron") == analyze("Celeron")
    assert tokenize("Pokémon naïve") == ["Pokemon", "naive"]
    assert analyze("नमस्ते") == ["नमस्ते"]  # other scripts keep their marks


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_engine_finds_what_regex_finds(text):
    from retrieval import analyze as module

    assert module._ASCII_TOKEN.findall(text) == module._tokenizer().findall(text)


def test_shouted_text_is_not_a_row_of_acronyms():
    assert analyze("WHAT DID THE ICC DO IN MARCH 2023?") == ["icc", "march", "2023"]
    assert analyze("PUTIN ACCOMPANIED BY WHOM") == analyze("putin accompanied by whom")
    assert analyze("The US and IT") == ["us", "it"]  # capitals inside ordinary text stay


def reference_tokenize(text):
    """tokenize() as it was before its matches were memoised: the reference."""
    from retrieval.analyze import _THOUSANDS, _tokenizer, fold_accents

    tokens = []
    for token in _tokenizer().findall(fold_accents(normalize(text))):
        if token[0].isdigit():
            if _THOUSANDS.match(token):
                token = token.replace(",", "")
        elif token.endswith("'s"):
            token = token[:-2]
        tokens.append(token)
    return tokens


TOKEN_PIECES = st.sampled_from(
    ["mayor", "Mayor's", "it's", "’s", "11", ",000", "3.5", "1,2", "Céleron", "ＦＵＬＬ", "Hong-kyun",
     "\u0663", "_", "x", " ", " ", "'", ",", ".", "\u200b", "\u00ad", "日本"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(TOKEN_PIECES, max_size=12).map("".join))
def test_tokenize_equals_the_unmemoised_definition(text):
    assert tokenize(text) == reference_tokenize(text)
    assert tokenize(text) == reference_tokenize(text)  # again, from the memo


def test_tokenize_examples():
    assert tokenize("The mayor's 11,000 cats, 3.5 kg, Céleron") == ["The", "mayor", "11000", "cats", "3.5", "kg", "Celeron"]


FOLD_PIECES = st.sampled_from(
    ["a", "É", " ", "\u2018", "\u2019", "\u201a", "\u201b", "\u2032", "\u02bc", "\u201c", "\u201d", "\u201e",
     "\u201f", "\u00ad", "\u2060", "\ufeff", "\u200c", "\u200d", "\u200b", "ﬁ", "①", "\u212b", "e\u0301", "-", "]", "\\"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(FOLD_PIECES, max_size=12).map("".join))
def test_normalize_equals_the_translate_definition(text):
    from retrieval.analyze import _FOLD

    assert normalize(text) == unicodedata.normalize("NFKC", text.translate(_FOLD)).translate(_FOLD)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Which lender ranks second?", ["lender", "rank", "2nd"]),
        ("It is No. 2 in the region", ["2nd", "region"]),
        ("no.12 and NO. 3", ["12th", "3rd"]),
        ("the 2nd round, the twenty-first", ["2nd", "round", "twenti", "1st"]),
        ("No. 3.5 is a size", ["3.5", "size"]),  # a decimal is no rank
        ("ranked no.2", ["rank", "2nd"]),
        ("two seconds", ["two", "second"]),  # the unit keeps its stem
    ],
)
def test_ordinals_share_one_term(text, terms):
    assert analyze(text) == terms


def test_ordinal_suffixes():
    from retrieval.analyze import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th", "112th"
    ]
