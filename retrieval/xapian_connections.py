"""The Xapian engine's connections to its shards: opening and checking them, faults,
partial answers, and a rebuild of the shards noticed while running.

:class:`ShardSet` holds one ``xapian.Database`` per shard (local, or remote through
``xapian-tcpsrv``) and the combined database the queries run on; the index
(:mod:`retrieval.xapian_index`) asks it to :meth:`~ShardSet.run` each operation.

Faults: every operation on a shard has ``Settings.xapian_timeout`` seconds (connect:
``xapian_connect_timeout``). A shard that is down or too slow raises
:class:`ShardError`, one line naming it; the next call tries to reconnect, so the
engine recovers when the shard returns. With ``Settings.xapian_partial`` the other
shards answer instead and :attr:`ShardSet.warning` says which shard is missing; a
missing shard is retried after :data:`RETRY_SECONDS`.

Rebuilds: the shards' metadata names their build. When every connection has been
closed (servers restarted after ``python -m retrieval.build --engine xapian`` replaced
the shards) and the shards now hold a new build, the set adopts it -- new statistics,
the index's caches dropped (``on_rebuild``) -- and says so in one WARNING on the
``retrieval.xapian`` logger (front ends show it as their other notices). A shard from
another build than the shards still connected is refused, as at start.

Xapian (https://xapian.org) is GPL-2+; it is an optional extra.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
import threading
import time
from typing import Callable

from .errors import IndexFileError, RetrievalError
from .settings import Settings
from .xapian_shards import DF_KEY, Shard, read_meta

RETRY_SECONDS = 2.0  # with partial answers, a missing shard is tried again this often

log = logging.getLogger("retrieval.xapian")


class ShardError(RetrievalError):
    """A shard is down or too slow (the message names it: one line)."""


class Unavailable(ShardError):
    """A position on a shard that is down (partial mode only)."""


def why(exc: Exception) -> str:
    """Xapian's error message on one line, without its ``(context: ...)`` part."""
    text = " ".join(str(exc).split())
    return re.sub(r"\s*\(context: [^()]*(?:\([^()]*\))?[^()]*\)", "", text) or type(exc).__name__


class ShardSet:
    """The open shards of one build, in shard order, and the combined database.

    Parameters
    ----------
    shards : list of Shard
        In shard order (0 first).
    settings : Settings
        Timeouts and ``xapian_partial``.
    on_rebuild : callable
        Called (no arguments) when the set adopts a new build: cached sentences of
        the old build must go.

    Attributes
    ----------
    meta : dict
        The build's metadata (``sentences``, ``starts``, ``counts``, ``idf_sum``, ...).
    df : dict of str to int
        The build's document frequencies (read once per build).
    generation : int
        Incremented at each adopted rebuild.
    warning : str or None
        Set while answering from part of the shards.

    Raises
    ------
    ShardError
        A shard cannot be reached (all of them, with ``xapian_partial``).
    IndexFileError
        A shard is not one of ours, from another build, or listed out of order.
    """

    def __init__(self, shards: list[Shard], settings: Settings, on_rebuild: Callable[[], None]):
        import xapian

        self._x = xapian
        self.shards = shards
        self.settings = settings
        self.on_rebuild = on_rebuild
        self.lock = threading.RLock()
        self.conn: list = [None] * len(shards)
        self.down: dict[int, tuple[str, float]] = {}
        self.meta: dict | None = None
        self.df: dict[str, int] = {}
        self.db = None
        self.live: list[int] = []
        self.slot: dict[int, int] = {}
        self.generation = 0
        self.warning: str | None = None
        with self.lock:
            self.ensure()

    def _open(self, i: int) -> None:
        shard = self.shards[i]
        s = self.settings
        db = shard.open(s.xapian_timeout, s.xapian_connect_timeout)
        meta = read_meta(db, shard)
        if self.meta is not None and meta["build"] != self.meta["build"]:
            if any(c is not None for c in self.conn):
                raise IndexFileError(f"shard {shard.name} is from another build than the other shards")
            self._adopt(meta, db, shard)  # nothing open: the shards were rebuilt
        elif self.meta is None:
            self._adopt(meta, db, shard)
        if meta["shard"] != i:
            raise IndexFileError(f"shard {shard.name} holds shard {meta['shard']} but is listed as shard {i}: list the shards in order")
        self.conn[i] = db

    def _adopt(self, meta: dict, db, shard: Shard) -> None:
        """Take ``meta``'s build as the set's (at start, or a rebuild: said once)."""
        if meta["shards"] != len(self.shards):
            raise IndexFileError(f"shard {shard.name} is one of {meta['shards']} shards, but {len(self.shards)} are listed")
        old = self.meta
        self.meta = meta
        self.df = dict(json.loads(db.get_metadata(DF_KEY) or b"[]"))
        if old is not None:
            self.generation += 1
            self.on_rebuild()
            log.warning("the Xapian shards were rebuilt (build %s, %d sentences); reopened them",
                        meta["build"][:8], meta["sentences"])

    def ensure(self) -> None:
        """Connect the missing shards; rebuild the combined database when the live set changes."""
        now = time.monotonic()
        partial = self.settings.xapian_partial
        for i, conn in enumerate(self.conn):
            if conn is not None or (partial and i in self.down and now - self.down[i][1] < RETRY_SECONDS):
                continue
            try:
                self._open(i)
                self.down.pop(i, None)
            except self._x.Error as exc:
                self.down[i] = (why(exc), now)
        live = [i for i, c in enumerate(self.conn) if c is not None]
        if self.down and (not partial or not live):
            raise ShardError(self.down_text())
        if live != self.live or self.db is None:
            db = self._x.Database()
            for i in live:
                db.add_database(self.conn[i])
            self.db, self.live = db, live
            self.slot = {s: j for j, s in enumerate(live)}
        self.warning = None
        if self.down:
            self.warning = f"answered from {len(live)} of {len(self.shards)} shards: {self.down_text()}"

    def down_text(self) -> str:
        parts = [f"shard {i} ({self.shards[i].name}) is not answering: {w}" for i, (w, _) in sorted(self.down.items())]
        return "; ".join(parts)

    def run(self, op, positions: bool = True):
        """``op(db)`` on the combined database, turning shard failures into :class:`ShardError`.

        After a failure every connection is closed (a shard that failed mid-match leaves
        the others' replies unread, so their connections cannot be reused), the shard
        the error names is marked down, and ``op`` is tried once more on fresh
        connections: without ``xapian_partial`` reconnecting raises if a shard is still
        down; with it, the shards that answer are used. An operation on ``positions``
        known before it started raises :class:`ShardError` if reconnecting found a new
        build (its positions are another build's: the question is to be asked again).
        """
        with self.lock:
            generation = self.generation
            failure = None
            for attempt in range(2):
                self.ensure()
                if positions and self.generation != generation:
                    raise ShardError("the Xapian shards were rebuilt while answering: please ask again")
                try:
                    return op(self.db)
                except (self._x.NetworkError, self._x.DatabaseError) as exc:
                    failure = exc
                    self.reset(exc)
            raise ShardError(self.down_text() or f"the shards are not answering: {why(failure)}")

    def reset(self, exc: Exception) -> None:
        """Close every connection; mark the shard ``exc`` names (``remote:tcp(host:port)``) down."""
        now = time.monotonic()
        for i in self.live:
            if f"({self.shards[i].name})" in str(exc):
                self.down[i] = (why(exc), now)
        for i, conn in enumerate(self.conn):
            if conn is not None:
                try:
                    conn.close()
                except self._x.Error:
                    pass
            self.conn[i] = None
        self.db = None

    # ------------------------------------------------------------ positions and docids
    def shard_of(self, position: int) -> int:
        """The shard holding a sentence position."""
        return bisect.bisect_right(self.meta["starts"], position) - 1

    def docid(self, position: int) -> int:
        """The combined database's docid of a sentence position.

        Raises
        ------
        Unavailable
            The position is on a shard that is not answering (partial answers).
        """
        shard = self.shard_of(position)
        slot = self.slot.get(shard)
        if slot is None:
            raise Unavailable(f"sentence {position} is on shard {shard} ({self.shards[shard].name}), which is not answering")
        return (position - self.meta["starts"][shard]) * len(self.live) + slot + 1

    def position_of(self, docid: int) -> int:
        """The sentence position of a combined database's docid."""
        m = len(self.live)
        return self.meta["starts"][self.live[(docid - 1) % m]] + (docid - 1) // m
