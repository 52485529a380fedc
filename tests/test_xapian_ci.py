"""The xapian engine's tests must run in CI: there, a missing ``xapian`` extra or
``xapian-tcpsrv`` is a failure, not a skip (``.ci/run`` installs both). Elsewhere the
README's test command passes without them, reporting those tests as skipped. Also:
without the extra, choosing the engine is one clear line."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

import pytest

from retrieval import RetrievalError, Settings
from retrieval.index import open_xapian

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.mark.skipif(not IN_CI, reason="only in CI (CI=true), where the xapian tests must not be skipped")
def test_ci_has_what_the_xapian_tests_need():
    assert importlib.util.find_spec("xapian") is not None, "the xapian extra is not installed: pip install -e '.[xapian]'"
    assert shutil.which("xapian-tcpsrv") is not None, "xapian-tcpsrv is not installed: apt-get install xapian-tools"


def test_without_the_extra_the_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "xapian", None)  # import xapian -> ImportError
    with pytest.raises(RetrievalError) as caught:
        open_xapian(Settings(engine="xapian", xapian_remote=("127.0.0.1:1",)))
    assert str(caught.value) == (
        "the xapian engine needs the optional xapian extra: pip install -e '.[xapian]' (Xapian is GPL-2+)"
    )
