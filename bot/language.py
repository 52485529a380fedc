"""A cheap guess whether a question is written in a language other than English.

The articles are read in English (English stemming, stopwords and WordNet), so a
question in another language almost always abstains; the front ends then add a hint
(:data:`bot.render.LANGUAGE_HINT`). The guess needs no model and no download: it
counts, among the question's words, those with a non-ASCII letter (Cyrillic, Greek,
CJK, accented Latin) and the hits in two short lists of function words, one English
and one of the commonest question and function words of German, French, Spanish,
Italian and Portuguese (words that are also English, such as "die", "war" or "a",
are left out). It only changes the wording of an abstention, never an answer.
"""

from __future__ import annotations

import re

ENGLISH_WORDS = frozenset(
    """
    the an of in on at to for with by from into about after before during is are was
    were be been being am do does did has have had who whom whose what when where which
    why how and or not no that this these those it its he she they we you his her their
    our my your many much there than then
    """.split()
)

# Function words of German, French, Spanish, Italian and Portuguese that English
# questions do not use (accented ones are caught by the non-ASCII count anyway).
OTHER_WORDS = frozenset(
    """
    wer wie wann warum welche welcher welches der das und ist nicht mit von den dem
    des ein eine einen wurde wurden sind nach auch
    qui que quoi quand pourquoi quel quelle quels les des est et une avec dans pour
    sont pas du au aux ont
    quien quienes cual cuales cuando donde como los las del una con fue por para
    y es muy pero
    chi che cosa quale quali dove perche il della delle degli gli sono una
    quem qual quais onde porque uma com foi nao da
    """.split()
)

_WORD = re.compile(r"[^\W\d_]+")  # runs of letters (any script)

NON_ASCII_SHARE = 0.5  # at least this share of the words with a non-ASCII letter: not English


def looks_non_english(question: str) -> bool:
    """Whether ``question`` looks written in a language other than English.

    True when at least :data:`NON_ASCII_SHARE` of its words hold a non-ASCII letter
    (``Кто сопровождал Путина?``, ``普京和谁一起去的？``), or when it has more words of
    :data:`OTHER_WORDS` than of :data:`ENGLISH_WORDS` (``Wer hat Putin begleitet?``).
    A question with no letters is not judged (False).
    """
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    non_ascii = sum(1 for w in words if not w.isascii())
    if non_ascii / len(words) >= NON_ASCII_SHARE:
        return True
    other = sum(1 for w in words if w in OTHER_WORDS)
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    return other > english
