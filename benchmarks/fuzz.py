"""The fuzzing campaign: the fuzz suite's properties, tried for a given time (not a test).

Usage::

    nice python benchmarks/fuzz.py --seconds 600 [--json] [--all] [--findings DIR]

Runs the properties of :mod:`tests.fuzz_properties` (the same strategies and checks as
``tests/test_fuzz.py``: questions, REPL input, corpora, settings and ``.env``, command
lines, damaged index files) with hypothesis, in rounds of :data:`BATCH` inputs per
property, new random inputs each round, until ``--seconds`` have passed (the round
running then is finished). ``--all`` also tries the inputs of
``tests.fuzz_properties.KNOWN_BUGS`` (failures the engine has a pending fix for).

Each failure is shrunk by hypothesis to a small input and saved, once per distinct
error (property, exception type, first line of the message), as a ready pytest file
under ``--findings`` (default ``benchmarks/fuzz-findings/``): a strict-xfail test that
calls the property with that input; move it to ``tests/test_fuzz_found.py``. A
strategy that fails before any input reaches its property is a bug of the fuzzer: its
traceback is saved as a ``.txt`` there, counted as a failure, and the campaign goes on.

Printed: one line per property (inputs, failures), the total, and with ``--json`` a
last line ``{"inputs": N, "failures": N, "inputs_per_second": X, "seconds": S,
"properties": {name: {"inputs": N, "failures": N}}}``. Exit 0 (also with failures:
they are findings, reported in the figures).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 40  # inputs per property per round


class Campaign:
    """Counts the inputs tried and keeps each distinct failure's smallest input."""

    def __init__(self, findings: Path):
        self.findings = findings
        self.inputs: dict[str, int] = {}
        self.failures: dict[str, dict] = {}  # key -> {"property", "args", "error"}
        self.stop_at = 0.0

    def wrap(self, name: str, prop, fx):
        """The hypothesis body for property ``name``: counts each input, remembers the
        last failing one (hypothesis replays the shrunk example last), and does nothing
        once the time is up so that a round ends quickly."""

        def body(args):
            if time.monotonic() >= self.stop_at:
                return
            self.inputs[name] = self.inputs.get(name, 0) + 1
            try:
                with contextlib.redirect_stderr(io.StringIO()):  # the engine's warnings
                    prop(fx, *args)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self.last = {"property": name, "args": args, "error": f"{type(exc).__name__}: {exc}",
                             "trace": traceback.format_exc()}
                raise

        return body

    def record(self, failure: dict) -> Path:
        """Save ``failure`` as a pytest reproducer (once per distinct error); returns its path."""
        first_line = failure["error"].splitlines()[0] if failure["error"] else ""
        key = f"{failure['property']}|{first_line[:120]}"
        digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        path = self.findings / f"test_found_{failure['property']}_{digest}.py"
        if key in self.failures:
            return path
        self.failures[key] = failure
        self.findings.mkdir(parents=True, exist_ok=True)
        if failure["args"] is None:  # the fuzzer itself failed: keep its traceback to fix it
            path = path.with_suffix(".txt")
            path.write_text(failure["trace"], encoding="utf-8", errors="backslashreplace")
            return path
        from tests import fuzz_properties as fp

        args = ", ".join(repr(a) for a in failure["args"])
        for name in ("REPEATED_65536",):  # a huge known input: named, not spelled out
            value = getattr(fp, name)
            args = args.replace(repr(value.encode()), f"fp.{name}.encode()").replace(repr(value), f"fp.{name}")
        reason = first_line.replace('"', "'")[:200]
        path.write_text(
            f'"""Found by benchmarks/fuzz.py (property {failure["property"]}).\n\n'
            + "".join(f"    {line}\n" for line in failure["trace"].splitlines()[-12:]).replace('"""', "'''")
            + '"""\n\n'
            "import pytest\n\n"
            "from tests import fuzz_properties as fp\n\n\n"
            f'@pytest.mark.xfail(strict=True, reason="""{reason}""")\n'
            f"def test_found_{failure['property']}_{digest}():\n"
            "    fx = fp.Fixtures()\n"
            "    try:\n"
            f"        fp.prop_{failure['property']}(fx, {args})\n"
            "    finally:\n"
            "        fx.close()\n",
            encoding="utf-8",
            errors="surrogateescape",
        )
        return path


def run(seconds: float, findings: Path, include_known: bool) -> dict:
    import warnings

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from tests import fuzz_properties as fp

    warnings.filterwarnings("ignore", message="Generating overly large repr")  # a shrunk huge input
    if include_known:
        fp.KNOWN_BUGS = frozenset()
    campaign = Campaign(findings)
    fx = fp.Fixtures()
    fx.reference()  # built once, before the clock starts
    fx.engine()
    start = time.monotonic()
    campaign.stop_at = start + seconds
    config = settings(
        max_examples=BATCH,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
        print_blob=False,
    )
    try:
        while time.monotonic() < campaign.stop_at:
            for name, (prop, strategies) in fp.PROPERTIES.items():
                if time.monotonic() >= campaign.stop_at:
                    break
                test = config(given(st.tuples(*strategies))(campaign.wrap(name, prop, fx)))
                campaign.last = None
                try:
                    with contextlib.redirect_stdout(io.StringIO()):  # hypothesis's report
                        test()
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # a failure, shrunk: its input is campaign.last
                    if campaign.last is None:  # no input reached the property: a strategy broke
                        campaign.last = {"property": name, "args": None, "error": f"harness: {exc!r}",
                                         "trace": traceback.format_exc()}
                    path = campaign.record(campaign.last)
                    print(f"FAILURE in {name}: {campaign.last['error'][:200]} -> {path}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted: figures so far", file=sys.stderr)
    finally:
        fx.close()
    elapsed = time.monotonic() - start
    per_property = {
        name: {
            "inputs": campaign.inputs.get(name, 0),
            "failures": sum(1 for f in campaign.failures.values() if f["property"] == name),
        }
        for name in fp.PROPERTIES
    }
    total = sum(campaign.inputs.values())
    return {
        "inputs": total,
        "failures": len(campaign.failures),
        "inputs_per_second": round(total / elapsed, 2) if elapsed > 0 else 0.0,
        "seconds": round(elapsed, 1),
        "properties": per_property,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (default 60)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--all", action="store_true", help="also try the inputs of known, pending bugs")
    parser.add_argument(
        "--findings", type=Path, default=ROOT / "benchmarks" / "fuzz-findings",
        help="where reproducers are saved (default benchmarks/fuzz-findings)",
    )
    args = parser.parse_args(argv)
    figures = run(args.seconds, args.findings, args.all)
    for name, counts in figures["properties"].items():
        print(f"{name:<12} {counts['inputs']:>8} inputs  {counts['failures']:>3} failures")
    print(
        f"total        {figures['inputs']:>8} inputs  {figures['failures']:>3} failures  "
        f"{figures['inputs_per_second']} inputs/s over {figures['seconds']} s"
    )
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
