"""Engine settings: one frozen value passed to every stage that needs it.

The engine never reads the environment; ``bot.config`` builds a :class:`Settings`
from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .errors import SettingsError

ENGINES = ("auto", "rank_bm25", "sparse", "xapian")


@dataclass(frozen=True)
class Settings:
    """Retrieval and answering parameters.

    Attributes
    ----------
    k1 : float
        BM25 term-frequency saturation (rank-bm25 default 1.5). In (0, 1000]: at 0
        rank-bm25 divides 0 by 0 for sentences lacking a term; beyond, scores overflow.
    b : float
        BM25 length normalisation in [0, 1] (rank-bm25 default 0.75).
    epsilon : float
        rank-bm25's floor for negative IDF, as a fraction of the mean IDF (default 0.25).
    top_k : int
        How many hits a search returns, and ``explain`` shows, at most (>= 1).
    max_quotes : int
        How many sentences an answer quotes at most (>= 1).
    engine : str
        ``"auto"`` (rank-bm25 for small corpora, sparse above ``sparse_threshold``),
        ``"rank_bm25"``, ``"sparse"`` or ``"xapian"`` (shards built by
        ``python -m retrieval.build --engine xapian``; the optional ``xapian`` extra).
    sparse_threshold : int
        Sentence count from which ``"auto"`` picks the sparse engine.
    xapian : str or None
        The xapian engine's shards: a build directory, one database or a stub file.
    xapian_remote : tuple of str
        Or the ``host:port`` of each shard's ``xapian-tcpsrv``, in shard order.
    xapian_partial : bool
        Answer from the shards that answer when one is down (with a warning) instead
        of failing.
    xapian_timeout, xapian_connect_timeout : float
        Seconds allowed for each operation on a remote shard, and for connecting (> 0).
    semantic : str
        The optional semantic model: ``"off"`` (default), ``"on"`` (bundled), a fastembed
        model name or a model directory (see :func:`retrieval.semantic.parse_setting`).
    model_cache : str or None
        Where named semantic models are cached (None: fastembed's default).
    """

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    top_k: int = 3
    max_quotes: int = 2
    engine: str = "auto"
    sparse_threshold: int = 20_000
    xapian: str | None = None
    xapian_remote: tuple[str, ...] = ()
    xapian_partial: bool = False
    xapian_timeout: float = 5.0
    xapian_connect_timeout: float = 2.0
    semantic: str = "off"
    model_cache: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.k1) and 0 < self.k1 <= 1000):
            raise SettingsError(f"k1 must be a number > 0 and <= 1000, got {self.k1!r}")
        if not 0 <= self.b <= 1:
            raise SettingsError(f"b must be between 0 and 1, got {self.b!r}")
        if not (math.isfinite(self.epsilon) and 0 <= self.epsilon <= 1000):
            raise SettingsError(f"epsilon must be a number >= 0 and <= 1000, got {self.epsilon!r}")
        if not (isinstance(self.top_k, int) and self.top_k >= 1):
            raise SettingsError(f"top_k must be a whole number >= 1, got {self.top_k!r}")
        if not (isinstance(self.max_quotes, int) and self.max_quotes >= 1):
            raise SettingsError(f"max_quotes must be a whole number >= 1, got {self.max_quotes!r}")
        if self.engine not in ENGINES:
            raise SettingsError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        for name in ("xapian_timeout", "xapian_connect_timeout"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= 3600):
                raise SettingsError(f"{name} must be a number of seconds > 0 and <= 3600, got {value!r}")
        if self.semantic != "off":
            from .semantic import parse_setting  # raises SettingsError

            parse_setting(self.semantic)

    def with_(self, **changes: object) -> "Settings":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)
