"""Run one ``xapian-tcpsrv`` per shard of a Xapian build (tests, benchmarks, trying it out).

Command line::

    python -m retrieval.xapian_servers DIR [--host 127.0.0.1] [--port P]

starts a server for each shard of the build ``DIR`` (ports P, P+1, ... or free ones),
prints the ``ASK_XAPIAN_REMOTE=...`` line to use, and stops them on Ctrl-C or SIGTERM
(exit 0). In
production run the servers under a service manager instead (``docs/scale.md``, 'Beyond one machine').

Each server runs in its own session (process group), so that stopping it by its PID
(:func:`os.killpg`) also stops the children it forks per connection.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .xapian_shards import STUB_NAME, read_stub

START_SECONDS = 10.0  # a server that does not accept connections by then has failed


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at the moment (the kernel's pick)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _accepting(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class ShardServers:
    """``xapian-tcpsrv`` processes serving the shards of one build, in shard order.

    Use as a context manager or call :meth:`stop`. ``addresses`` is the
    ``host:port`` list (for ``Settings.xapian_remote`` / ``ASK_XAPIAN_REMOTE``).

    Raises
    ------
    FileNotFoundError
        ``xapian-tcpsrv`` is not installed (Debian: ``apt-get install xapian-tools``).
    RuntimeError
        A server did not start (its exit status named).
    """

    def __init__(self, build_dir, host: str = "127.0.0.1", ports: list[int] | None = None,
                 timeout_ms: int = 60_000):
        program = shutil.which("xapian-tcpsrv")
        if program is None:
            raise FileNotFoundError("xapian-tcpsrv not found: apt-get install xapian-tools")
        self.program, self.host, self.timeout_ms = program, host, timeout_ms
        self.dirs = [s.path for s in read_stub(Path(build_dir) / STUB_NAME)]
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen | None] = []
        try:
            for i, directory in enumerate(self.dirs):
                port = ports[i] if ports else None
                self.processes.append(None)
                self.ports.append(0)
                self.start(i, port)
        except BaseException:
            self.stop()
            raise

    @property
    def addresses(self) -> list[str]:
        return [f"{self.host}:{p}" for p in self.ports]

    def start(self, i: int, port: int | None = None) -> None:
        """(Re)start the server of shard ``i`` (on its old port unless ``port`` is given)."""
        for attempt in range(5):  # a free port can be taken between the pick and the bind
            chosen = port or (self.ports[i] if self.ports[i] and attempt == 0 else free_port(self.host))
            process = subprocess.Popen(
                [self.program, "--interface", self.host, "--port", str(chosen), "--quiet",
                 "--timeout", str(self.timeout_ms), self.dirs[i]],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + START_SECONDS
            while time.monotonic() < deadline and process.poll() is None and not _accepting(self.host, chosen):
                time.sleep(0.02)
            if process.poll() is None and _accepting(self.host, chosen):
                self.processes[i], self.ports[i] = process, chosen
                return
            self._kill(process)
            if port:
                break
        raise RuntimeError(f"xapian-tcpsrv for {self.dirs[i]} did not start (exit status {process.poll()})")

    @staticmethod
    def _kill(process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()

    def kill(self, i: int) -> None:
        """Stop shard ``i``'s server and its connections (SIGKILL to its process group)."""
        if self.processes[i] is not None:
            self._kill(self.processes[i])
            self.processes[i] = None

    def pause(self, i: int) -> None:
        """Freeze shard ``i`` (SIGSTOP): it accepts connections but never answers."""
        os.killpg(self.processes[i].pid, signal.SIGSTOP)

    def resume(self, i: int) -> None:
        os.killpg(self.processes[i].pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop every server (by PID: its process group)."""
        for i, process in enumerate(self.processes):
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                self._kill(process)
                self.processes[i] = None

    def __enter__(self) -> "ShardServers":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m retrieval.xapian_servers", description=__doc__.split("\n")[0])
    parser.add_argument("build", metavar="DIR", help="a build of 'python -m retrieval.build --engine xapian'")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="first port (default: free ports)")
    args = parser.parse_args(argv)
    try:
        count = len(read_stub(Path(args.build) / STUB_NAME))
        ports = [args.port + i for i in range(count)] if args.port else None
        servers = ShardServers(args.build, args.host, ports)
    except Exception as exc:  # one line, no traceback
        print(f"xapian_servers: error: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stopped like Ctrl-C
    with servers:  # stopped on the way out, whatever ends the wait
        try:
            print(f"ASK_ENGINE=xapian ASK_XAPIAN_REMOTE={','.join(servers.addresses)}", flush=True)
            while True:
                signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
