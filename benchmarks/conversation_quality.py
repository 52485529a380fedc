"""Follow-up questions on the conversation file: how many are answered right, and
whether every stand-alone question is answered exactly as without a conversation.

Usage::

    python benchmarks/conversation_quality.py [--file tests/qa_conversation.yaml] [--corpus corpus]

Every exchange of the file is asked in order in one conversation
(:func:`retrieval.conversation.score_conversations`). Targets: >= 90% of follow-ups
right, 100% of stand-alone questions identical. The misses are listed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=ROOT / "tests" / "qa_conversation.yaml")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    args = parser.parse_args(argv)

    import yaml

    from retrieval import Engine
    from retrieval.conversation import score_conversations

    exchanges = yaml.safe_load(args.file.read_text("utf-8"))
    score = score_conversations(Engine.load(args.corpus, index_dir=False), exchanges)
    turns = sum(len(e["turns"]) for e in exchanges)
    print(f"{args.file.name}: {len(exchanges)} exchanges, {turns} questions")
    right = score.follow_ups_right / score.follow_ups
    alone = score.alone_identical / score.alone
    print(f"follow-ups right: {score.follow_ups_right}/{score.follow_ups} = {right:.1%} (target >= 90%)")
    print(f"stand-alone identical: {score.alone_identical}/{score.alone} = {alone:.1%} (target 100%)")
    for question, got, expect in score.misses:
        print(f"  miss: {question!r} -> {got} (right: {', '.join(map(str, expect))})")
    return 0 if right >= 0.9 and alone == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
