"""Memory held by the conversation state of many conversations.

Usage::

    python benchmarks/conversation_memory.py [--conversations 10000] [--corpus corpus]

Each conversation gets the most it can hold (``MAX_EXCHANGES`` exchanges), every
exchange recorded from a real answer: the questions of ``tests/qa_conversation.yaml``
asked of the corpus (cycled; a follow-up resolved against the exchange before it,
as the front ends do). The answers are computed once and shared, as a real
conversation's answers share the index's sentence objects. Measured with
``tracemalloc``: the bytes allocated while the conversations are recorded and still
held afterwards, against a reference in the same process -- the loaded engine's own
traced size is not included, only the state. Target: under 50 MiB for 10,000.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    args = parser.parse_args(argv)

    import yaml

    from retrieval import Engine
    from retrieval.conversation import MAX_EXCHANGES, Conversations

    engine = Engine.load(args.corpus, index_dir=False)
    turns = [t["ask"] for e in yaml.safe_load((ROOT / "tests" / "qa_conversation.yaml").read_text("utf-8")) for t in e["turns"]]
    answers = [engine.answer(q) for q in turns]  # shared: the state holds references to sentence ids only

    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    talks = Conversations(max_conversations=max(args.conversations, 1))
    clock_turn = 0
    for c in range(args.conversations):
        key = ("channel", c, "user", c)
        for _ in range(MAX_EXCHANGES):
            i = clock_turn % len(turns)
            clock_turn += 1
            follow_up = talks.resolve(key, turns[i])
            talks.record(key, answers[i], follow_up)
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = after - before
    exchanges = sum(len(talks.exchanges(("channel", c, "user", c))) for c in range(args.conversations))
    mib = held / 2**20
    print(f"{len(talks):,} conversations, {exchanges:,} exchanges kept ({MAX_EXCHANGES} each)")
    print(f"state held: {mib:.1f} MiB ({held / max(exchanges, 1):.0f} bytes per exchange); "
          f"peak while recording {(peak - before) / 2**20:.1f} MiB")
    target = 50 * args.conversations / 10_000
    print(f"target < {target:g} MiB: {'OK' if mib < target else 'MISSED'}")
    return 0 if mib < target else 1


if __name__ == "__main__":
    sys.exit(main())
