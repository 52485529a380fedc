"""Follow-up questions: a conversation's last exchanges, and what a follow-up carries over.

People ask "Who is the State Department spokesperson?" and then "What did he claim?".
The second question names no one; on its own it is a search for "claim". This module
decides whether a question leans on the exchange before it (:func:`follow_up_kind`)
and, if so, what it carries over (:class:`FollowUp`): the earlier question's words,
the phrase that answered it (:func:`retrieval.highlight.highlight`: "Matthew Miller"),
and what that exchange itself carried, to be searched with a lower weight than the
follow-up's own words; the article to prefer; and, for "Who else?" / "What else?", the
sentences not to quote again. A question that stands on its own is answered exactly as
without a conversation: nothing is carried into it.

A follow-up is (rules, not a model; the measure is ``tests/qa_conversation.yaml``):

* **else**: "who else", "what else", "where else" ... anywhere in the question;
* **pronoun**: a personal pronoun (he, she, him, her, his, they, them, their, it, its)
  with no name before it in the question ("What did he claim?", "Which of them ...");
  "Did Putin say he would return?" is about Putin, and stands on its own;
* **ellipsis**: a question opening with "and", "what about" or "how about" ("And
  when?", "And South Korea?"), or made only of question and function words ("Why?",
  "When?", "How many?").

The first question of a conversation, or the first after the previous exchange
expired, is never a follow-up.

State: :class:`Conversations` keeps, per conversation key (a REPL session, a
``--json`` stream, a Discord channel or thread *and* user), at most ``max_exchanges``
compact :class:`Exchange` records, forgotten ``ttl`` seconds after the conversation's
last question and, beyond ``max_conversations`` conversations, least recently used
first. The clock is injected, so tests never wait.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from typing import Callable, Hashable

from .analyze import analyze, stopwords
from .highlight import highlight

TTL_SECONDS = 600.0  # a conversation is forgotten ten minutes after its last question
MAX_EXCHANGES = 3  # exchanges kept per conversation
MAX_CONVERSATIONS = 100_000  # conversations kept at most (least recently used dropped)
MAX_CARRIED = 24  # words carried into a follow-up at most (the most recent kept)

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_ELSE = re.compile(r"\b(?:who|what|where|when|which|how|whom|whose|anyone|anything|anybody)\s+else\b", re.I)
_OPENS_ELLIPSIS = re.compile(r"^\s*(?:and\b|what about\b|how about\b)", re.I)
_PRONOUNS = frozenset("he she him her his hers they them their theirs it its".split())
_WH = frozenset("what which who whom whose when where why how".split())
# words that mark a question as a follow-up rather than say what it is about: never carried
_MARKERS = frozenset(["else"])


def follow_up_kind(question: str) -> str | None:
    """``"else"``, ``"pronoun"``, ``"ellipsis"`` or None (stands on its own): see the
    module docstring for the rules."""
    if _ELSE.search(question):
        return "else"
    if _OPENS_ELLIPSIS.match(question):
        return "ellipsis"
    words = _WORD.findall(question)
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in _PRONOUNS:
            named_before = any(w[0].isupper() and w.lower() not in _PRONOUNS and w != "I" for w in words[1:i])
            return None if named_before else "pronoun"
    if words and all(w.lower() in _WH or w.lower() in stopwords() for w in words):
        return "ellipsis"
    return None


def content_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` that are neither function words nor question words, as
    written, each once, in order (what a follow-up carries). The follow-up marker
    "else" is no content: "Who else?" asks again about the earlier topic, it adds none."""
    stop = stopwords()
    out: dict[str, None] = {}
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower not in stop and lower not in _WH and lower not in _PRONOUNS and lower not in _MARKERS:
            out.setdefault(word, None)
    return tuple(out)


@dataclass(frozen=True)
class FollowUp:
    """What a follow-up question carries over from the exchange before it.

    Attributes
    ----------
    kind : str
        ``"else"``, ``"pronoun"`` or ``"ellipsis"`` (:func:`follow_up_kind`).
    carried : tuple of str
        Words searched beside the question's own, with a lower weight: the earlier
        question's content words, the phrase that answered it, and what it carried.
    prefer : tuple of str
        Doc ids of the articles the earlier answer quoted (preferred).
    exclude : frozenset of str
        Sentence ids not to quote: for "else", every sentence quoted since the
        conversation's last stand-alone question; empty otherwise.
    again : tuple of (str, tuple of str), optional
        For a bare "else" (no content words of its own: "Who else?"): the question it
        asks again (the conversation's last question that was not itself a bare
        "else") and what that question carried. The answer path
        answers it without the excluded sentences, and abstains when that ordinary
        answer would (:func:`retrieval.answer.answer`): "Who else?" has an answer only
        if another sentence answers the earlier question. None otherwise.
    """

    kind: str
    carried: tuple[str, ...]
    prefer: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    again: tuple[str, tuple[str, ...]] | None = None


def carry(query, follow_up: FollowUp):
    """``query`` (a :class:`retrieval.query.Query`) with what ``follow_up`` carries.

    The search terms become the question's own terms counted twice, then the carried
    words' terms once (those the question lacks): BM25Okapi sums a repeated query
    term's contribution (as rank-bm25 does), so a carried term weighs half as much as
    one of the question's own. The question's own text still decides everything read
    from its wording (answer type, names, word pairs); ``carried``, ``prefer`` and
    ``exclude`` are set from ``follow_up`` (the decision stage reads the last two,
    :func:`retrieval.decide.follow_up_order`).
    """
    own = tuple(query.terms)
    mine = set(own)
    carried = tuple(t for t in dict.fromkeys(analyze(" ".join(follow_up.carried))) if t not in mine)
    terms = own + own + carried
    return replace(
        query,
        terms=terms,
        distinct=tuple(dict.fromkeys(terms)),
        carried=follow_up.carried,
        prefer=follow_up.prefer,
        exclude=follow_up.exclude,
    )


@dataclass(frozen=True, slots=True)
class Exchange:
    """One question and its answer, as a conversation remembers them (compactly:
    the sentence ids are the index's own strings, the words a few short ones).

    Attributes
    ----------
    topic : tuple of str
        The words a follow-up to it carries (:meth:`Conversations.record`).
    quoted : tuple of str
        Sentence ids quoted, with those excluded before it (for a chain of "else").
    docs : tuple of str
        Doc ids of the articles quoted.
    at : float
        When it was asked (the injected clock's seconds).
    asks : tuple of (str, tuple of str)
        The question an "else" after it asks again, and what that question carried:
        its own question for an exchange that was no "else", else the one its
        "else" asked again (:attr:`FollowUp.again`).
    """

    topic: tuple[str, ...]
    quoted: tuple[str, ...]
    docs: tuple[str, ...]
    at: float
    asks: tuple[str, tuple[str, ...]] = ("", ())


class Conversations:
    """The last exchanges of each conversation, bounded and expiring.

    Parameters
    ----------
    ttl : float
        Seconds after its last question that a conversation is forgotten.
    max_exchanges : int
        Exchanges kept per conversation (only the last is read today; the few before
        it bound a chain of follow-ups).
    max_conversations : int
        Conversations kept at most; the least recently active is dropped first.
    clock : callable
        Monotonic seconds (``time.monotonic``); tests pass a fake.
    """

    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        max_exchanges: int = MAX_EXCHANGES,
        max_conversations: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ):
        if ttl <= 0 or max_exchanges < 1 or max_conversations < 1:
            raise ValueError("ttl, max_exchanges and max_conversations must be positive")
        self.ttl = ttl
        self.max_exchanges = max_exchanges
        self.max_conversations = max_conversations
        self._clock = clock
        self._kept: OrderedDict[Hashable, deque[Exchange]] = OrderedDict()

    def __len__(self) -> int:
        self._expire(self._clock())
        return len(self._kept)

    def _expire(self, now: float) -> None:
        """Forget conversations whose last question is ``ttl`` old; the dict is kept in
        order of last activity, so only its front is looked at."""
        kept = self._kept
        while kept:
            key, exchanges = next(iter(kept.items()))
            if now - exchanges[-1].at < self.ttl:
                break
            del kept[key]

    def exchanges(self, key: Hashable) -> tuple[Exchange, ...]:
        """The conversation's kept exchanges, oldest first (empty when expired)."""
        self._expire(self._clock())
        return tuple(self._kept.get(key, ()))

    def last(self, key: Hashable) -> Exchange | None:
        """The conversation's last exchange, or None (none yet, or expired)."""
        self._expire(self._clock())
        exchanges = self._kept.get(key)
        return exchanges[-1] if exchanges else None

    def resolve(self, key: Hashable, question: str) -> FollowUp | None:
        """What ``question`` carries over in conversation ``key``: None when it stands
        on its own (:func:`follow_up_kind`) or the conversation has no live exchange."""
        kind = follow_up_kind(question)
        if kind is None:
            return None
        previous = self.last(key)
        if previous is None or not previous.topic:
            return None
        own = {w.lower() for w in content_words(question)}
        carried = tuple(w for w in previous.topic if w.lower() not in own)
        if not carried:
            return None
        if kind == "else":  # a bare "Who else?" asks the earlier question again
            again = None if own else previous.asks
            return FollowUp(kind, carried, previous.docs, frozenset(previous.quoted), again)
        return FollowUp(kind=kind, carried=carried, prefer=previous.docs)

    def record(self, key: Hashable, answer, follow_up: FollowUp | None = None) -> Exchange:
        """Remember ``answer`` (a :class:`~retrieval.types.Answer`) as the conversation's
        latest exchange; ``follow_up`` is what its question carried (None: stood alone).

        The exchange's topic is its question's content words, the phrase that answered
        it, and what it carried (most recent last, at most :data:`MAX_CARRIED`
        words); its quoted sentences include those excluded before it when it was an
        "else" follow-up, so that "Who else?" asked twice never repeats a quote.
        """
        now = self._clock()
        self._expire(now)
        topic: dict[str, None] = {}
        if follow_up is not None:
            topic.update(dict.fromkeys(follow_up.carried))
        topic.update(dict.fromkeys(content_words(answer.question)))
        if answer.quotes:
            found = highlight(answer.question, answer.quotes[0].hit.text)
            if found is not None:
                topic.update(dict.fromkeys(content_words(found.text)))
        words = tuple(topic)[-MAX_CARRIED:]
        quoted = tuple(q.hit.id for q in answer.quotes)
        if follow_up is not None and follow_up.kind == "else":
            quoted = tuple(follow_up.exclude) + quoted
        docs = tuple(dict.fromkeys(q.hit.citation.doc_id for q in answer.quotes))
        if follow_up is not None and follow_up.again is not None:
            asks = follow_up.again
        else:
            asks = (answer.question, follow_up.carried if follow_up is not None else ())
        exchange = Exchange(topic=words, quoted=quoted, docs=docs, at=now, asks=asks)
        exchanges = self._kept.pop(key, None)
        if exchanges is None:
            exchanges = deque(maxlen=self.max_exchanges)
        exchanges.append(exchange)
        self._kept[key] = exchanges  # now the most recently active
        while len(self._kept) > self.max_conversations:
            self._kept.popitem(last=False)
        return exchange


@dataclass(frozen=True)
class ConversationScore:
    """How a conversation file was answered (:func:`score_conversations`).

    Attributes
    ----------
    follow_ups, follow_ups_right : int
        Turns marked as follow-ups, and those whose first quote is one the file
        accepts.
    alone, alone_identical : int
        Turns marked as standing alone, and those answered exactly as without the
        conversation (same reason, quotes, scores and contexts) and carrying nothing.
    misses : tuple of (str, str or None, tuple of str)
        ``(question, first quote's sentence id, accepted ids)`` of each turn not right.
    """

    follow_ups: int
    follow_ups_right: int
    alone: int
    alone_identical: int
    misses: tuple


def score_conversations(engine, exchanges: list[dict]) -> ConversationScore:
    """Ask every exchange of ``exchanges`` in order, in ONE conversation (as in a
    channel), and score the answers.

    ``exchanges`` is the parsed ``tests/qa_conversation.yaml``: a list of
    ``{"turns": [{"ask": str, "follow_up": bool, "expect": [int, ...]}, ...]}``, each
    ``expect`` listing the sentence numbers of the first article (``doc:N``) that are
    right first quotes. ``engine`` answers ``answer(question, follow_up=...)``.
    """
    talks = Conversations(clock=lambda: 0.0)
    counts = [0, 0, 0, 0]
    misses = []

    def key(result):
        return (result.answered, result.reason,
                [(q.hit.id, q.hit.score, q.context and q.context.id) for q in result.quotes])

    for exchange in exchanges:
        for turn in exchange["turns"]:
            question = turn["ask"]
            follow_up = talks.resolve("file", question)
            result = engine.answer(question, follow_up=follow_up)
            talks.record("file", result, follow_up)
            first = result.quotes[0].hit.id if result.answered else None
            if turn["follow_up"]:
                ok = first is not None and int(first.rsplit(":", 1)[1]) in turn["expect"]
                counts[0] += 1
                counts[1] += ok
            else:
                ok = follow_up is None and key(result) == key(engine.answer(question))
                counts[2] += 1
                counts[3] += ok
            if not ok:
                misses.append((question, first, tuple(turn["expect"])))
    return ConversationScore(counts[0], counts[1], counts[2], counts[3], tuple(misses))
