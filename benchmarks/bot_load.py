"""Load benchmark for the Discord front end (not a test; prints figures).

Sends N concurrent questions through the bot's real handlers -- half as ``/ask`` slash
command callbacks, half as direct messages through ``on_message`` -- with fake Discord
objects and the real answer path (``Engine.answer`` over a real corpus), while a probe
task measures event-loop lag (how late a 5 ms sleep wakes up). Goal: max lag <= 50 ms.

Usage::

    PYTHONPATH=. python benchmarks/bot_load.py [--questions 100] [--concurrency 4]
                                               [--corpus corpus] [--copies 1]

``--copies K`` indexes K variants of every article (each body line prefixed with
"Variant i:" so the engine's de-duplication keeps them): a heavier index, slower answers.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.discord_app import AskBot  # noqa: E402
from retrieval import Engine  # noqa: E402

QUESTIONS = [
    "Who accompanied Putin?",
    "When did Putin last visit Pyongyang?",
    "Where will Putin travel after North Korea?",
    "What did the US State Department say?",
    "How many containers of munitions did North Korea provide?",
    "What did he mention about trade?",
    "Who issued an arrest warrant for Putin?",
    "What is the capital of France?",
    "Why is South Korea concerned?",
    "@everyone what did Kim Jong Un do in 2019?",
]


class LagProbe:
    """Sleeps ``interval`` seconds in a loop and records how late each wake-up is."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.lags: list[float] = []
        self._running = True

    async def run(self) -> None:
        while self._running:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(time.perf_counter() - start - self.interval)

    def stop(self) -> None:
        self._running = False


class _Recorder:
    """An awaitable stand-in for a Discord send: records the text, costs (almost) nothing.

    Plain objects rather than ``AsyncMock``: mocks cost ~1 ms per call on the event loop
    and would dominate the lag being measured.
    """

    def __init__(self, sink: list):
        self.sink = sink

    async def __call__(self, content: str | None = None, **kwargs) -> None:
        if content is not None:
            self.sink.append(content)


def fake_interaction(user_id: int, sink: list) -> SimpleNamespace:
    """What ``AskBot.handle_ask`` touches of a ``discord.Interaction``."""
    response = SimpleNamespace(
        defer=_Recorder([]), send_message=_Recorder(sink), is_done=lambda: True
    )
    return SimpleNamespace(
        user=SimpleNamespace(id=user_id, bot=False),
        response=response,
        followup=SimpleNamespace(send=_Recorder(sink)),
    )


def fake_dm(user_id: int, content: str, sink: list) -> SimpleNamespace:
    """What ``AskBot.on_message`` touches of a direct ``discord.Message``."""
    return SimpleNamespace(
        author=SimpleNamespace(id=user_id, bot=False),
        guild=None,
        content=content,
        mentions=[],
        role_mentions=[],
        reply=_Recorder(sink),
        channel=SimpleNamespace(send=_Recorder(sink)),
    )


def _split_front_matter(text: str) -> tuple[str, str]:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[: end + 5], text[end + 5 :]
    return "", text


def load_engine(corpus: Path, copies: int) -> Engine:
    if copies <= 1:
        return Engine.load(corpus)
    tmp = Path(tempfile.mkdtemp(prefix="bot_load_"))
    try:
        for path in sorted(corpus.iterdir()):
            if path.suffix in (".md", ".txt"):
                text = path.read_text(encoding="utf-8")
                head, body = _split_front_matter(text)
                for i in range(copies):
                    lines = [f"Variant {i}: {line}" if line.strip() else line for line in body.split("\n")]
                    (tmp / f"{path.stem}-{i}{path.suffix}").write_text(head + "\n".join(lines), encoding="utf-8")
        return Engine.load(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _LoggedInBot(AskBot):
    """The bot as if logged in (``on_message`` needs ``user``), without a gateway: the
    public ``user`` property overridden, no discord.py internals touched."""

    user = SimpleNamespace(id=1, name="Bot")


async def run(questions: int, concurrency: int, engine: Engine) -> dict:
    bot = _LoggedInBot.from_engine(engine, cooldown_seconds=0, max_concurrency=concurrency, sync_commands=False)
    ask = bot.tree.get_command("ask").callback
    engine.answer(QUESTIONS[0])  # warm-up outside the measurement

    sinks: list[list] = []
    latencies: list[float] = []
    jobs = []
    for i in range(questions):
        sink: list = []
        sinks.append(sink)
        question = QUESTIONS[i % len(QUESTIONS)]
        if i % 2 == 0:
            jobs.append((ask, (fake_interaction(1000 + i, sink), question), sink))
        else:
            jobs.append((bot.on_message, (fake_dm(1000 + i, question, sink),), sink))

    async def timed(handler, args):
        start = time.perf_counter()
        await handler(*args)
        latencies.append(time.perf_counter() - start)

    probe = LagProbe()
    probe_task = asyncio.create_task(probe.run())
    await asyncio.sleep(0.02)  # let the probe settle
    start = time.perf_counter()
    await asyncio.gather(*(timed(handler, args) for handler, args, _ in jobs))
    elapsed = time.perf_counter() - start
    probe.stop()
    await probe_task

    replies = sum(1 for sink in sinks if sink)
    errors = sum(1 for sink in sinks if any("something went wrong" in m for m in sink))
    return {
        "questions": questions,
        "replied": replies,
        "errors": errors,
        "elapsed": elapsed,
        "rate": questions / elapsed,
        "lag_max_ms": max(probe.lags) * 1000 if probe.lags else 0.0,
        "lag_mean_ms": statistics.fmean(probe.lags) * 1000 if probe.lags else 0.0,
        "probes": len(probe.lags),
        "latency_p50_ms": statistics.median(latencies) * 1000,
        "latency_max_ms": max(latencies) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4, help="AskBot max_concurrency (worker threads)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--copies", type=int, default=1, help="index this many copies of each article")
    args = parser.parse_args(argv)

    engine = load_engine(args.corpus, args.copies)
    sentences = len(engine.sentences)
    r = asyncio.run(run(args.questions, args.concurrency, engine))
    print(f"corpus: {len(engine.articles)} article(s), {sentences} sentences; concurrency {args.concurrency}")
    print(f"questions: {r['questions']} concurrent (half /ask, half DMs), replied {r['replied']}, errors {r['errors']}")
    print(f"wall time: {r['elapsed']:.3f} s -> {r['rate']:.1f} answers/s")
    print(f"latency per question: median {r['latency_p50_ms']:.1f} ms, max {r['latency_max_ms']:.1f} ms")
    verdict = "OK" if r["lag_max_ms"] <= 50 else "OVER GOAL"
    print(
        f"event-loop lag: max {r['lag_max_ms']:.1f} ms, mean {r['lag_mean_ms']:.1f} ms "
        f"over {r['probes']} probes (goal <= 50 ms: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
