"""Sentence segmentation: Punkt with our own parameters, then join-only rules.

Pipeline, per line of the text (a line break is always a boundary):

1. nltk's ``PunktSentenceTokenizer`` (Kiss & Strunk 2006, "Unsupervised
   Multilingual Sentence Boundary Detection", Computational Linguistics 32(4))
   with the parameters in ``retrieval/data/punkt_params.json`` (curated news
   abbreviations + statistics learned by ``benchmarks/train_punkt.py``) proposes
   pieces with exact character spans.
2. Rules that only ever *join* adjacent pieces of the same line fix what Punkt
   gets wrong on news text (see ``_join_pieces``).  No rule ever splits.

Nothing is downloaded; nltk is imported lazily on the first call, because
importing it costs most of a second.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PARAMS_PATH = Path(__file__).resolve().parent / "data" / "punkt_params.json"
try:  # the installed nltk, read without importing it (pinned to 3.10.4 in pyproject.toml)
    NLTK_VERSION = version("nltk")
except PackageNotFoundError:  # pragma: no cover - nltk is a hard dependency
    NLTK_VERSION = "unknown"
RULES_VERSION = "4"  # bump whenever a join rule, the line rule or the paragraph count changes

_PARAMS_BYTES = PARAMS_PATH.read_bytes()
SEGMENTER_VERSION = (
    f"punkt-{NLTK_VERSION}+rules{RULES_VERSION}+{hashlib.sha256(_PARAMS_BYTES).hexdigest()[:12]}"
)

# A line is a maximal run of characters other than "\n" and "\r" (as the corpus reader
# cuts paragraphs: a form feed or U+2028 inside a line is whitespace, not a break).
_LINE = re.compile(r"[^\n\r]+")
# Closing marks that may trail a sentence: quotes, brackets, dots, other terminal punctuation.
_CLOSERS = "\"'”’»)]}.!?…"
_ONLY_CLOSERS = re.compile(rf"[{re.escape(_CLOSERS)}\s]+")
_ONLY_DOTS = re.compile(r"\.(?:\s*\.)*")
# An enumeration label on its own: "1.", "2.)", "a.", "iv.", "• 9.", "⁃10.".
_LABEL = r"[•⁃\-*]?\s*\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcdm]{1,5})[.)]{1,2}"
_LIST_LABEL = re.compile(_LABEL)
_STARTS_WITH_LABEL = re.compile(_LABEL + r"\s")
# The first word of a piece, after any opening quotes/brackets/dots.
_FIRST_WORD = re.compile(r"[\s\"'“‘«()\[\]{}.…]*(\w[\w'’-]*)?")
_OPEN, _CLOSE = "([{", ")]}"
# An open bracket joins at most this many following pieces: one left unclosed (a typo,
# or a list label "a)" closing it sentences later) never glues a whole paragraph.
MAX_BRACKET_JOIN = 2
# A piece ending in terminal punctuation inside closing quotes ("Is it safe?")...
_ENDS_IN_QUOTE = re.compile(r"[.!?…][\"'”’»]+\Z")
# ...followed by its attribution: up to three capitalised words and a speech verb
# ("Moreno asked.", "Prime Minister Vance said on Monday.").
_SPEECH_VERBS = (
    "said|says|asked|asks|told|tells|added|adds|replied|replies|answered|shouted|cried|"
    "wrote|writes|explained|recalled|insisted|warned|declared|noted|remarked|continued|"
    "exclaimed|whispered|tweeted|posted|argued|admitted|conceded|stressed|joked|demanded"
)
_ATTRIBUTION = re.compile(rf"(?:[A-Z][\w'’.-]*\s+){{1,3}}(?:{_SPEECH_VERBS})\b")

_tokenizer = None
_candidate = None  # the period-context regex's ``search``: a line without a match is one sentence


def _get_tokenizer():
    """Build the Punkt tokenizer once from the JSON parameters (lazy nltk import)."""
    global _tokenizer, _candidate
    if _tokenizer is None:
        from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

        data = json.loads(_PARAMS_BYTES)
        params = PunktParameters()
        params.abbrev_types = set(data["abbrev_types"])
        params.collocations = {tuple(pair) for pair in data["collocations"]}
        params.sent_starters = set(data["sent_starters"])
        params.ortho_context.update(data.get("ortho_context", {}))
        lang_vars = _untimed_language_vars()
        _candidate = lang_vars.period_context_re().search
        _tokenizer = PunktSentenceTokenizer(params, lang_vars=lang_vars, token_cls=_untimed_token_class())
    return _tokenizer


# ------------------------------------------------------------------ nltk adapter
# The only place that touches nltk's private names (``redos`` patterns' ``_timeout``,
# PunktLanguageVars' ``_re_period_context`` / ``_re_word_tokenizer`` caches and
# ``_word_tokenizer_re``, PunktToken's ``_RE_*`` class patterns). They are read for
# speed only -- the matches are nltk's own. ``check_nltk_adapter`` verifies them and
# is run by one test, so an nltk upgrade that moves them fails that test by name.
_PRIVATE_TOKEN_PATTERNS = ("_RE_ELLIPSIS", "_RE_NUMERIC", "_RE_INITIAL", "_RE_ALPHA")


def check_nltk_adapter() -> None:
    """Check that nltk's Punkt internals this module relies on are still where they were.

    Raises
    ------
    RuntimeError
        Naming the installed nltk version and each missing or changed internal, when
        the tokenizer would no longer use the untimed patterns (an nltk upgrade).
    """
    from nltk.tokenize.punkt import PunktLanguageVars, PunktToken

    problems = [
        f"PunktToken.{n}" for n in _PRIVATE_TOKEN_PATTERNS if not hasattr(getattr(PunktToken, n, None), "pattern")
    ]
    if not callable(getattr(PunktLanguageVars, "_word_tokenizer_re", None)):
        problems.append("PunktLanguageVars._word_tokenizer_re()")
    if not problems:
        tokenizer = _get_tokenizer()
        lang_vars, token_cls = tokenizer._lang_vars, tokenizer._Token
        checks = {
            "PunktLanguageVars._re_period_context (cache read by period_context_re)": (
                lang_vars.period_context_re() is getattr(lang_vars, "_re_period_context", None)
            ),
            "PunktLanguageVars._re_word_tokenizer (cache read by _word_tokenizer_re)": (
                lang_vars._word_tokenizer_re() is getattr(lang_vars, "_re_word_tokenizer", None)
            ),
            "redos pattern _timeout": all(
                getattr(p, "_timeout", 0) is None
                for p in (lang_vars.period_context_re(), *(getattr(token_cls, n) for n in _PRIVATE_TOKEN_PATTERNS))
            ),
        }
        problems = [name for name, ok in checks.items() if not ok]
    if problems:
        raise RuntimeError(
            f"nltk {NLTK_VERSION} changed Punkt internals that retrieval/segment.py relies on: "
            + ", ".join(problems)
            + "; pin nltk==3.10.4 or update the adapter in retrieval/segment.py"
        )


def _untimed(pattern):
    """``pattern`` (an nltk ``redos.TimedPattern``) without its per-match time limit.

    nltk 3.10 compiles Punkt's regexes with the ``regex`` engine and runs every match
    under a 5 s wall-clock limit (ReDoS guard); setting up that limit costs several
    microseconds per call, more than the match itself on a short line. The patterns
    are nltk's own, linear in the input (no nested quantifier over the same characters),
    so the same compiled pattern is used with ``timeout=None``: identical matches.
    """
    from nltk import redos

    return redos.compile(pattern, timeout=None)


def _untimed_language_vars():
    """English ``PunktLanguageVars`` whose regexes are untimed (nltk's class is left alone)."""
    from nltk.tokenize.punkt import PunktLanguageVars

    cls = type(
        "_PunktLanguageVars",
        (PunktLanguageVars,),
        {"__slots__": (), "re_boundary_realignment": _untimed(PunktLanguageVars.re_boundary_realignment)},
    )
    lang_vars = cls()
    lang_vars._re_period_context = _untimed(lang_vars.period_context_re())
    lang_vars._re_word_tokenizer = _untimed(lang_vars._word_tokenizer_re())
    return lang_vars


def _untimed_token_class():
    """A ``PunktToken`` subclass whose class-level regexes are untimed (nltk's own
    class is left alone)."""
    from nltk.tokenize.punkt import PunktToken

    return type(
        "_PunktToken",
        (PunktToken,),
        {
            "__slots__": (),
            **{
                name: _untimed(getattr(PunktToken, name))
                for name in _PRIVATE_TOKEN_PATTERNS
            },
        },
    )


def _starts_lowercase(piece: str) -> bool:
    """True when the first word begins lower-case and has no capital (not "iPhone"),
    and the piece does not open with a list label ("b. Buy eggs.")."""
    if _STARTS_WITH_LABEL.match(piece):
        return False
    m = _FIRST_WORD.match(piece)
    word = m.group(1) if m else None
    return bool(word) and word[0].islower() and not any(c.isupper() for c in word)


def _ends_with_spaced_ellipsis(piece: str) -> bool:
    """True for a piece ending in exactly three spaced dots, "word . . ." (omission, not an end)."""
    return re.search(r"(?:^|[^.\s])\s+\.\s\.\s\.$", piece) is not None


def _bracket_depth(piece: str) -> int:
    return sum(piece.count(c) for c in _OPEN) - sum(piece.count(c) for c in _CLOSE)


def _join_pieces(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join adjacent Punkt pieces of one line; never split one. (One function of three
    passes, dot runs -> joins with the previous piece -> joins with the next, because
    each pass needs the previous pass's pieces and the rules read best side by side.)

    Rules, in order of application:

    * dot run: a piece made only of dots (". . .") follows the piece before it,
      except after a word-final period with more text coming, where it is the
      leading ellipsis of the next sentence ("compounds. . . . The practice");
    * closers: a piece made only of closing quotes/brackets/punctuation, or
      starting with a closing bracket, joins the previous;
    * no space: a piece that starts where the previous one ends (Punkt cut inside
      ``!",``) joins it: a sentence boundary needs white space;
    * attribution: a piece opening with up to three capitalised words and a speech
      verb ("Moreno asked.") joins a previous piece that ends in terminal punctuation
      inside closing quotes ('"Is the bridge safe?"'), the quote's own sentence;
    * lower case: a piece whose first word starts lower-case joins the previous
      ("'This is great.' she said", "Jr.'s book", "Yahoo! in the"), unless the
      word has a capital ("iPhone") or the piece opens with a list label ("b. Buy");
    * list label: a bare enumeration label ("1.", "2.)", "a.") joins the next;
    * spaced ellipsis: a piece ending in exactly three spaced dots joins the next
      (standard style: three dots mark an omission, four end the sentence);
    * open bracket: a piece with an unclosed "(", "[" or "{" joins the following
      pieces up to the one that closes it, if one of the next ``MAX_BRACKET_JOIN``
      does (so an unclosed bracket never glues a paragraph into one sentence).
    """
    pieces = [list(s) for s in spans]
    text = lambda p: line[p[0] : p[1]]  # noqa: E731

    # Dot runs first, since they decide which side an ellipsis belongs to.
    out: list[list[int]] = []
    i = 0
    while i < len(pieces):
        j = i
        while j < len(pieces) and _ONLY_DOTS.fullmatch(text(pieces[j])):
            j += 1
        if j == i:
            out.append(pieces[i])
            i += 1
            continue
        prev = text(out[-1]) if out else ""
        start, end = pieces[i][0], pieces[j - 1][1]
        leading = j < len(pieces) and len(prev) > 1 and prev[-1] == "." and not prev[-2].isspace()
        if out and not leading:
            out[-1][1] = end
        elif j < len(pieces):
            pieces[j] = [start, pieces[j][1]]
        else:
            out.append([start, end])
        i = j
    pieces = out

    # Joins with the previous piece.
    out = []
    for p in pieces:
        s = text(p)
        if out and (
            _ONLY_CLOSERS.fullmatch(s)
            or s[0] in _CLOSE
            or _starts_lowercase(s)
            or p[0] == out[-1][1]  # no space between: '"Yes!", and left.' is one sentence
            or (_ENDS_IN_QUOTE.search(text(out[-1])) and _ATTRIBUTION.match(s))
        ):
            out[-1][1] = p[1]
        else:
            out.append(p)
    pieces = out

    # Joins with the next piece.
    out = []
    i = 0
    while i < len(pieces):
        cur = pieces[i]
        i += 1
        while i < len(pieces):
            s = text(cur)
            if _LIST_LABEL.fullmatch(s) or _ends_with_spaced_ellipsis(s):
                cur = [cur[0], pieces[i][1]]
                i += 1
                continue
            if _bracket_depth(s) > 0:
                depth, k = _bracket_depth(s), i
                while k < min(len(pieces), i + MAX_BRACKET_JOIN) and depth > 0:
                    depth += _bracket_depth(text(pieces[k]))
                    k += 1
                if depth <= 0:
                    cur = [cur[0], pieces[k - 1][1]]
                    i = k
                    continue
            break
        out.append(cur)
    return [(s, e) for s, e in out]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text``.

    Parameters
    ----------
    text : str
        Any text; it may hold several lines.  Every line break is a hard
        boundary: no sentence spans two lines (a headline never glues onto the
        paragraph below it).

    Returns
    -------
    list of tuple of (int, int)
        ``(start, end)`` character offsets, one per sentence, in text order,
        non-overlapping, each stripped of surrounding whitespace, so that
        ``text[start:end]`` is the sentence verbatim.  Empty for empty or
        whitespace-only text.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str``.

    Notes
    -----
    Candidate boundaries come from nltk's ``PunktSentenceTokenizer.span_tokenize``
    (Kiss & Strunk 2006, Punkt) with the parameters in
    ``retrieval/data/punkt_params.json``; join-only rules then merge pieces
    (closing punctuation, lower-case continuations, list labels, spaced
    ellipses, open brackets).  Deterministic; nothing is downloaded.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    tokenizer = None
    result: list[tuple[int, int]] = []
    for m in _LINE.finditer(text):
        line = m.group()
        if line.isspace():
            continue
        if tokenizer is None:
            tokenizer = _get_tokenizer()
        if _candidate(line) is None:
            # Fast path (most lines of news text hold one sentence): without a candidate
            # boundary, Punkt yields the one span (0, len(line.rstrip())) and no join rule
            # applies to a single piece, so the sentence is the stripped line.
            s, e = _strip(line, 0, len(line))
            result.append((m.start() + s, m.start() + e))
            continue
        spans = [_strip(line, s, e) for s, e in tokenizer.span_tokenize(line)]
        spans = [(s, e) for s, e in spans if s < e]
        for s, e in _join_pieces(line, spans):
            result.append((m.start() + s, m.start() + e))
    return result


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings.

    Parameters
    ----------
    text : str
        As for :func:`split_sentences`.

    Returns
    -------
    list of str
        ``[text[s:e] for s, e in split_sentences(text)]``, in text order.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str``.
    """
    return [text[s:e] for s, e in split_sentences(text)]
