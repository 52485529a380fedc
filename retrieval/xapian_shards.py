"""Where the Xapian engine's shards are and what each one holds: the parts of the
Xapian engine that need no server (shard lists, stub files, term and record formats).

A build (:mod:`retrieval.xapian_build`) writes N shard databases ``shard-0`` ...
``shard-{N-1}`` and a Xapian stub file ``shards.stub`` listing them in order. Shard i
holds a contiguous run of sentence positions (corpus order) starting at
``starts[i]``, whole articles only, so a paragraph's sentences are always on one
shard. Every shard carries the build's metadata (key ``newsqa``): build id, its own
number, the table of starts and counts of all shards, and the collection-wide IDF sum
that rank-bm25's epsilon floor needs.

Each sentence is one Xapian document:

* terms: the analyzed terms, one posting per occurrence (wdf = term frequency; the
  document length is the sentence's term count, as in BM25Okapi); terms longer than
  :data:`MAX_TERM_BYTES` are replaced by a digest (Xapian's limit is 245 bytes);
* boolean terms (wdf 0, not counted in the length): ``XP<position>`` and
  ``XD<doc_id>`` (digest when long), to fetch sentences by position or by article;
* value slot :data:`RECORD_SLOT` (no document data): ``<position>\\0`` + a JSON list
  ``[text, doc_id, title, section, paragraph, number, start, end, first, last, terms,
  previous]`` -- the citation, the paragraph's first and last positions, the terms in
  text order and the terms of the sentence just before it in its article (``null``
  when there is none), so that the answer layer needs no other sentence to describe
  a candidate; a ``ValueCountMatchSpy`` brings many records back from all shards in
  one round trip (fetching documents one by one costs a round trip each).

Besides the build metadata, every shard holds the collection-wide document frequency
of every term (key ``newsqa.df``, ``[[term, df], ...]`` in order of first occurrence),
so that a client weighs query terms without asking the shards.

Xapian (https://xapian.org) is GPL-2+; it is an optional extra (``pip install -e
'.[xapian]'``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .base import SentenceView
from .errors import IndexFileError, SettingsError

STUB_NAME = "shards.stub"
META_KEY = "newsqa"
DOCUMENTS_KEY = "newsqa.documents"
DF_KEY = "newsqa.df"
RECORD_SLOT = 0
FORMAT = 2  # 2: record in the value slot only, with the previous sentence's terms
MAX_TERM_BYTES = 200


def xapian_term(term: str) -> str:
    """The Xapian term of an analyzed term: itself, or ``XH`` + a 128-bit BLAKE2b
    digest when longer than :data:`MAX_TERM_BYTES` UTF-8 bytes (analyzed terms are
    lowercase, so no analyzed term starts with ``X``)."""
    raw = term.encode("utf-8")
    if len(raw) <= MAX_TERM_BYTES:
        return term
    return "XH" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def position_term(position: int) -> str:
    """The boolean term that names a sentence position."""
    return f"XP{position}"


def article_term(doc_id: str) -> str:
    """The boolean term shared by all sentences of article ``doc_id``."""
    raw = doc_id.encode("utf-8")
    if len(raw) > MAX_TERM_BYTES:
        return "XDH" + hashlib.blake2b(raw, digest_size=16).hexdigest()
    return "XD" + doc_id


@dataclass(frozen=True)
class Record:
    """One stored sentence, decoded from its record value."""

    text: str
    doc_id: str
    title: str
    section: str | None
    paragraph: int
    number: int
    start: int
    end: int
    first: int  # first position of its paragraph
    last: int  # last position of its paragraph
    terms: tuple[str, ...]
    previous: tuple[str, ...] | None = None  # terms of the sentence before it in its article

    def encode(self) -> bytes:
        values = [self.text, self.doc_id, self.title, self.section, self.paragraph, self.number,
                  self.start, self.end, self.first, self.last, list(self.terms),
                  None if self.previous is None else list(self.previous)]
        return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> "Record":
        v = json.loads(data)
        return cls(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], tuple(v[10]),
                   None if v[11] is None else tuple(v[11]))

    def value(self, position: int) -> bytes:
        """The record slot's value: ``<position>\\0`` + :meth:`encode`."""
        return b"%d\0" % position + self.encode()

    @classmethod
    def from_value(cls, value: bytes) -> tuple[int, "Record"]:
        """``(position, record)`` from a record slot's value."""
        position, _, data = value.partition(b"\0")
        return int(position), cls.decode(data)


@dataclass(frozen=True)
class Shard:
    """One shard: a local database directory or a remote ``xapian-tcpsrv``."""

    name: str  # what error messages call it: "127.0.0.1:7001" or the directory
    path: str | None = None
    host: str | None = None
    port: int | None = None

    def open(self, timeout: float, connect_timeout: float):
        """A read-only ``xapian.Database`` of this shard (remote: timeouts in seconds)."""
        import xapian

        if self.path is not None:
            return xapian.Database(self.path)
        return xapian.remote_open(self.host, self.port, int(timeout * 1000), int(connect_timeout * 1000))


def parse_address(text: str) -> Shard:
    """``host:port`` (or ``[v6-address]:port``) -> a remote :class:`Shard`.

    Raises
    ------
    SettingsError
        Not that shape, or the port is not 1-65535 (message quotes the value).
    """
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]") if host.startswith("[") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"a Xapian shard address must be host:port, got {text!r}")
    return Shard(name=f"{host}:{int(port)}", host=host, port=int(port))


def read_stub(path: str | os.PathLike) -> list[Shard]:
    """The shards a Xapian stub file lists, in order.

    Lines ``auto PATH`` / ``glass PATH`` (local; relative to the stub's directory) and
    ``remote :HOST:PORT`` (TCP); blank lines and ``#`` comments are skipped.

    Raises
    ------
    IndexFileError
        The file cannot be read, a line is none of those, or it lists no shard (the
        message names the file and line).
    """
    stub = Path(path)
    try:
        lines = stub.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"cannot read the Xapian stub file {stub}: {exc}") from None
    shards = []
    for number, line in enumerate(lines, start=1):
        words = line.split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        kind, rest = words[0], (words[1].strip() if len(words) > 1 else "")
        if kind in ("auto", "glass") and rest:
            local = stub.parent / rest
            shards.append(Shard(name=str(local), path=str(local)))
        elif kind == "remote" and rest.startswith(":"):
            try:
                shards.append(parse_address(rest[1:]))
            except SettingsError as exc:
                raise IndexFileError(f"{stub}, line {number}: {exc}") from None
        else:
            raise IndexFileError(
                f"{stub}, line {number}: expected 'auto PATH' or 'remote :HOST:PORT', got {line.strip()!r}"
            )
    if not shards:
        raise IndexFileError(f"the Xapian stub file {stub} lists no shard")
    return shards


def shards_of(settings) -> list[Shard]:
    """The shards ``settings`` name: ``xapian_remote`` addresses, or ``xapian`` (a build
    directory with a ``shards.stub``, one database directory, or a stub file).

    Raises
    ------
    SettingsError
        Neither or both are set.
    IndexFileError
        The path does not exist, or its stub file is unusable.
    """
    if bool(settings.xapian) == bool(settings.xapian_remote):
        raise SettingsError("the xapian engine needs one of a Xapian path (ASK_XAPIAN) or shard addresses (ASK_XAPIAN_REMOTE)")
    if settings.xapian_remote:
        return [parse_address(a) for a in settings.xapian_remote]
    path = Path(settings.xapian)
    if path.is_dir():
        if (path / STUB_NAME).is_file():
            return read_stub(path / STUB_NAME)
        return [Shard(name=str(path), path=str(path))]
    if path.is_file():
        return read_stub(path)
    raise IndexFileError(f"no Xapian database or stub file at {path}")


def read_meta(db, shard: Shard) -> dict:
    """The build metadata of one open shard database.

    Raises
    ------
    IndexFileError
        Missing or unreadable: not a shard written by ``retrieval.build --engine xapian``.
    """
    raw = db.get_metadata(META_KEY)
    try:
        meta = json.loads(raw)
        if meta.get("format") != FORMAT:
            raise ValueError
        return meta
    except (ValueError, AttributeError):
        raise IndexFileError(
            f"shard {shard.name} is not a shard built by 'python -m retrieval.build --engine xapian' "
            f"(format {FORMAT})"
        ) from None


class SentenceBlocks(SentenceView):
    """A read-only sequence of a Xapian index's sentences, fetched when accessed;
    iteration fetches blocks of ``BLOCK`` records at a time (``index._fetch``)."""

    BLOCK = 1000

    def __iter__(self):
        index = self._index
        for start in range(0, index.size, self.BLOCK):
            block = range(start, min(index.size, start + self.BLOCK))
            index._fetch(block)
            for position in block:
                yield index.sentence(position)
