"""One article file -> its analyzed sentence rows, as every index build reads it.

Shared by the sparse build (:mod:`retrieval.build`) and the Xapian shard build
(:mod:`retrieval.xapian_build`), so both index the same sentences with the same terms
and the same de-duplication digests; it runs in build worker processes, so it takes
and returns plain picklable values.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .analyze import analyze
from .corpus import _dedupe_key, read_article, sentence_rows
from .errors import CorpusError


def _digest(text: str) -> int:
    key = _dedupe_key(text).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def analyze_article(path: str) -> tuple[tuple | None, list[tuple] | str]:
    """Read, segment and analyze one article file (runs in a worker process).

    Returns
    -------
    meta : tuple or None
        ``(doc_id, title, date, source, path)``; None when the file cannot be used.
    rows : list of tuple or str
        Per sentence in article order: ``(text, terms, section, paragraph, number,
        start, end, digest)``; when ``meta`` is None, why the file cannot be used
        (the :class:`~retrieval.errors.CorpusError` message).
    """
    try:
        article = read_article(Path(path))
    except CorpusError as exc:
        return None, str(exc)
    rows = [
        (text, analyze(text), section, paragraph, number, start, end, _digest(text))
        for text, section, paragraph, number, start, end in sentence_rows(article)
    ]
    meta = (article.doc_id, article.title, article.date, article.source, article.path)
    return meta, rows
