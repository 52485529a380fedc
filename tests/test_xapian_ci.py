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


STUB_PYTHON3 = """#!/bin/sh
[ "$1 $2" = "-m venv" ] || exit 99
mkdir -p "$3/bin"
printf '#!/bin/sh\\necho "pip $*" >> "$LOG"\\n' > "$3/bin/pip"
printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/python"
chmod +x "$3/bin/pip" "$3/bin/python"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason=".ci/run is a bash script")
@pytest.mark.parametrize("has_server", [False, True])
def test_ci_installs_xapian_tools_only_when_missing_and_the_extra_always(tmp_path, has_server):
    import subprocess

    from .support import ROOT

    bin_dir = tmp_path / "bin"  # a PATH holding only what .ci/run needs, and stubs
    bin_dir.mkdir()
    for tool in ("bash", "mktemp", "rm", "dirname", "mkdir", "chmod", "printf", "cat"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    stubs = {"python3": STUB_PYTHON3, "id": "#!/bin/sh\necho 0\n", "apt-get": '#!/bin/sh\necho "apt-get $*" >> "$LOG"\n'}
    if has_server:
        stubs["xapian-tcpsrv"] = "#!/bin/sh\n"
    for name, text in stubs.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "log"
    log.touch()
    done = subprocess.run(
        [str(ROOT / ".ci" / "run")], capture_output=True, text=True, timeout=60,
        env={"PATH": str(bin_dir), "LOG": str(log), "TMPDIR": str(tmp_path), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    apt = [] if has_server else ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends xapian-tools"]
    assert log.read_text().splitlines() == apt + ["pip install --quiet --disable-pip-version-check -e .[test,xapian,semantic]"]


def test_shard_options_belong_to_the_xapian_engine(tmp_path, capsys):
    from retrieval.build import main

    from .support import CORPUS

    assert main([str(CORPUS), "--shards", "2"]) == 2
    assert capsys.readouterr().err == "build: error: --shards and --out are for --engine xapian (the sparse index: --index-dir)\n"
    assert main([str(CORPUS), "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
