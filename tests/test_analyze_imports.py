"""The analyzer's light imports give exactly what the normal nltk imports give."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import example, given, settings, strategies as st

from retrieval import analyze as A

TEXTS = [
    "Who accompanied Putin? The mayor's 11,000 voters were running 3.5 km.",
    "Naïve café owners' résumés — déjà vu; Straße, İstanbul, ǅemal, x\u0301y, ٣٤٥ and 12,34,567.",
    "e-mail, co-operate; O'Neill's rock'n'roll; under_score; ½ ² ﬁne.",
    "Αθήνα Москва 北京 東京 서울 עברית العربية हिन्दी",
]


def test_light_stemmer_matches_nltk_in_a_fresh_process():
    """In a clean interpreter: the analyzer imports no nltk/__init__; its stems and
    tokens equal nltk's own EnglishStemmer and RegexpTokenizer, imported normally."""
    code = f"""
import sys
from retrieval.analyze import analyze, stem, tokenize, _TOKEN_PATTERN, _tokenizer, normalize
words = "running generously happily accompanied ties dying sky news skis proceed exceed succeed cannot".split()
texts = {TEXTS!r}
ours = [stem(w) for w in words], [analyze(t) for t in texts], [_tokenizer().findall(normalize(t)) for t in texts]
assert "nltk" not in sys.modules, "the analyzer must not leave nltk (the package) imported"
import nltk  # the real package, now
from nltk.stem.snowball import EnglishStemmer
from nltk.tokenize.regexp import RegexpTokenizer
s, tok = EnglishStemmer(), RegexpTokenizer(_TOKEN_PATTERN)
theirs = [s.stem(w) for w in words], None, [tok.tokenize(normalize(t)) for t in texts]
assert ours[0] == theirs[0], (ours[0], theirs[0])
assert ours[2] == theirs[2], (ours[2], theirs[2])
print(ours[1][0])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['accompani', 'putin', 'mayor', '11000', 'voter', 'run', '3.5', 'km']"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_tokenizer_equals_nltk_regexp_tokenizer(text):
    from nltk.tokenize.regexp import RegexpTokenizer

    assert A._tokenizer().findall(text) == RegexpTokenizer(A._TOKEN_PATTERN).tokenize(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_ascii_fast_path_is_the_full_normalisation(text):
    import unicodedata

    full = unicodedata.normalize("NFKC", text.translate(A._FOLD)).translate(A._FOLD)
    assert A.normalize(text) == full


def test_stemmer_equals_nltk_on_a_vocabulary():
    from nltk.stem.snowball import EnglishStemmer

    reference = EnglishStemmer()
    words = set()
    for t in TEXTS:
        words.update(w.lower() for w in A.tokenize(t))
    words.update("generalization organizational agreed feed bled owned skies dying lying".split())
    for w in sorted(words):
        assert A.stem.__wrapped__(w) == reference.stem(w)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.sampled_from(TEXTS))
@example("\u00c0\u0300")  # a mark stacked on a folded letter: NFKC recomposed it after the fold
def test_memoised_analyze_equals_the_plain_pipeline(text):
    folded = A.fold_accents(A.normalize(text))
    plain = text.lower() if folded.isupper() else text  # shouted text is lowercased first
    assert A.analyze(text) == A.terms_of_tokens(A.tokenize(plain))
    assert A.analyze(text) == A.analyze(text)  # second call served from the memo
