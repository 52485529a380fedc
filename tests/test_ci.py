"""``.ci/run``: its exit code is pytest's (no tests collected counts as a failure), and the
virtualenv it makes is removed afterwards, whatever happened.

``python3`` is a stub here (the real run installs some 300 MB): ``python3 -m venv DIR``
makes ``DIR/bin/pip`` and ``DIR/bin/python``, which exit with ``$PIP_RC`` and
``$PYTEST_RC``; ``PYTEST_SIGNAL`` makes the stub pytest signal the script instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess

import pytest

from .support import ROOT

STUB_PYTHON3 = """#!/bin/sh
[ "$1 $2" = "-m venv" ] || exit 99
mkdir -p "$3/bin"
printf '#!/bin/sh\\nexit ${PIP_RC:-0}\\n' > "$3/bin/pip"
printf '#!/bin/sh\\n[ -n "$PYTEST_SIGNAL" ] && kill -$PYTEST_SIGNAL $PPID\\nexit ${PYTEST_RC:-0}\\n' > "$3/bin/python"
chmod +x "$3/bin/pip" "$3/bin/python"
"""

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason=".ci/run is a bash script")


def ci_run(tmp_path, **env) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run ``.ci/run`` with the stub ``python3``; returns the process and what is left
    in its temporary directory."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "python3").write_text(STUB_PYTHON3, encoding="utf-8")
    (stubs / "python3").chmod(0o755)
    (stubs / "xapian-tcpsrv").write_text("#!/bin/sh\n", encoding="utf-8")  # present: no apt-get
    (stubs / "xapian-tcpsrv").chmod(0o755)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}", "TMPDIR": str(temporary), **env}
    done = subprocess.run(
        [str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=environment, timeout=60
    )
    return done, sorted(os.listdir(temporary))


@pytest.mark.parametrize(("pytest_rc", "rc"), [("0", 0), ("1", 1), ("2", 2)])
def test_exit_code_is_pytests_and_the_venv_is_removed(tmp_path, pytest_rc, rc):
    done, left = ci_run(tmp_path, PYTEST_RC=pytest_rc)
    assert (done.returncode, done.stdout, done.stderr, left) == (rc, "", "", [])


def test_no_tests_collected_is_a_failure_and_the_venv_is_removed(tmp_path):
    done, left = ci_run(tmp_path, PYTEST_RC="5")
    assert (done.returncode, done.stderr, left) == (1, "pytest collected no tests: treating as a failure\n", [])


def test_a_failed_install_fails_and_the_venv_is_removed(tmp_path):
    done, left = ci_run(tmp_path, PIP_RC="1")
    assert (done.returncode, left) == (1, [])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_killed_run_removes_the_venv(tmp_path, signum):
    done, left = ci_run(tmp_path, PYTEST_SIGNAL=signum.name[3:])
    assert (done.returncode, left) == (-signum, [])  # the script died of the signal
