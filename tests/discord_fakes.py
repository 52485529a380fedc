"""Helpers shared by the Discord tests: synthetic answers, a fake clock, the expected message."""

from __future__ import annotations

from retrieval import Answer, Citation, Hit, Quote, Sentence


def sentence(text: str, number: int = 1, section: str | None = None, title: str = "T") -> Sentence:
    """A citable sentence of article ``a`` titled ``title``, paragraph = sentence = ``number``."""
    citation = Citation("a", title, section, paragraph=number, sentence=number, start=0, end=len(text))
    return Sentence(id=f"a:{number}", text=text, citation=citation)


def answer_of(*texts: str, question: str = "q?", context: str | None = None) -> Answer:
    """An answered Answer quoting ``texts`` (numbered 1..n); ``context`` goes before the first."""
    quotes = []
    for i, text in enumerate(texts, start=1):
        ctx = sentence(context, 99) if (context is not None and i == 1) else None
        quotes.append(Quote(hit=Hit(sentence(text, i), score=1.0, rank=i), context=ctx))
    return Answer(question=question, answered=True, quotes=tuple(quotes))


class FakeClock:
    """A monotonic clock the test moves by hand (``clock.now += 2``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# The Discord message answering "Who accompanied Putin?" on the bundled article.
BELOUSOV_MESSAGE = (
    "**Q:** Who accompanied Putin?\n"
    "> Accompanying Putin on this trip are several key officials, including **Defence Minister "
    "Andrei Belousov, Foreign Minister Sergei Lavrov, and Deputy Prime Minister Alexander "
    "Novak**, who oversees energy matters. [1]\n"
    "**Sources:**\n"
    "[1] Putin arrives in North Korea for first visit in 24 years — paragraph 4, sentence 5"
)
