"""Child processes: starting them so they die with us, stopping them, and worker processes.

The supervisor, the demo, the benchmark and the tests all run ``python -m streams worker``
in a subprocess and watch it through its metrics endpoint; the embedded broker runs a
binary. One way to do each, so a fix (say, to how a child is stopped) lands everywhere.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from streams.config import Settings, settings_environment
from streams.status import fetch, parse, total

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1", count: int = 1) -> int:
    """A TCP port nobody listens on right now (the OS picks it), and the ``count - 1`` after it too
    (``--processes N`` serves process i's metrics on that port + i)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if all(_bindable(host, port + i) for i in range(1, count)):
            return port
    raise RuntimeError(f"no {count} consecutive free ports on {host}")


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies.

    So a parent killed with SIGKILL leaves no orphan worker or broker behind. Signals the
    parent blocked (``newsstream broker`` waits for them with sigwait) must not stick either.
    """
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    with contextlib.suppress(Exception):  # best effort
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_process(command: list[str], *, env: dict[str, str] | None = None, output=None,
                  own_group: bool = False) -> subprocess.Popen:
    """``command`` in a child that dies with this process (Linux); stdout and stderr to ``output``
    (a file, ``subprocess.DEVNULL``, or None for ours).

    ``own_group``: in a process group of its own, so a Ctrl-C in the terminal reaches only us and
    we stop it when its clients are done (a broker stopped with them would strand their last writes).
    """
    return subprocess.Popen(
        command, env=env, stdout=output, stderr=None if output is None else subprocess.STDOUT,
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
        process_group=0 if own_group else None,
    )


def stop_process(process: subprocess.Popen, timeout: float, sig: int | None = signal.SIGTERM,
                 name: str = "process") -> int:
    """``sig`` (SIGTERM: stop gracefully; None: it was sent already), then SIGKILL if it has not
    exited after ``timeout`` seconds. Returns its exit status."""
    if process.poll() is None:
        if sig is not None:
            process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            if sig != signal.SIGKILL:
                log.error("%s (pid %d) did not stop within %.0f s: killing it", name, process.pid, timeout)
            process.kill()
            process.wait()
    return process.returncode


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


class WorkerProcess:
    """`newsstream worker --processes N` in a subprocess, seen through its metrics ports.

    Process i of a supervisor listens on the base port + i; ``ports`` lists them (empty when
    the base port is 0: the system picks, and nobody can ask).
    """

    def __init__(self, process: subprocess.Popen, ports: list[int], log_path: Path | None, log_file=None):
        self.process = process
        self.ports = ports
        self.log_path = log_path
        self._log_file = log_file

    @property
    def metrics_port(self) -> int:
        return self.ports[0]

    @property
    def pid(self) -> int:
        return self.process.pid

    def poll(self) -> int | None:
        return self.process.poll()

    def get(self, path: str, index: int = 0, timeout: float = 2.0) -> tuple[int, str] | None:
        """(status, text) of a GET on process ``index``'s endpoint, None when nothing answers."""
        answer = fetch(f"http://127.0.0.1:{self.ports[index]}{path}", timeout=timeout)
        return None if answer is None else (answer[0], answer[1].decode(errors="replace"))

    def ready(self) -> bool:
        """Every process answers /readyz with 200 (model loaded, group joined)."""
        return all((answer := self.get("/readyz", i, 1.0)) is not None and answer[0] == 200
                   for i in range(len(self.ports)))

    def wait_ready(self, timeout: float = 90.0) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            if self.ready():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in {timeout} s:\n{self.log()}")

    def metric(self, name: str, **labels: str) -> float:
        """A sample summed over its label sets that contain ``labels`` and over the processes answering
        (one restarting does not stop a count); an error when none answers: 0 would read as a figure."""
        answers = [answer for index in range(len(self.ports))
                   if (answer := self.get("/metrics", index)) is not None and answer[0] == 200]
        if not answers:
            raise RuntimeError(f"no worker answers /metrics on ports {self.ports}")
        return sum(total(parse(text), name, **labels) for _, text in answers)

    def log(self, chars: int = 6000) -> str:
        """The end of its output (when it goes to a file)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def children(self) -> list[int]:
        return child_pids(self.process.pid)

    def stop(self, timeout: float = 20.0, sig: int | None = signal.SIGTERM, name: str = "worker") -> int:
        """Stops it (SIGTERM: gracefully; SIGKILL after ``timeout``) and returns its exit status."""
        code = stop_process(self.process, timeout, sig, name)
        if self._log_file is not None:
            self._log_file.close()
        return code

    def kill(self) -> int:
        return self.stop(60, signal.SIGKILL)


def spawn_worker(
    settings: Settings,
    *,
    processes: int = 1,
    metrics_port: int | None = None,
    env_overrides: dict[str, str] | None = None,
    log: Path | None = None,
    own_group: bool = False,
) -> WorkerProcess:
    """Start ``python -m streams worker`` with ``settings`` (a free metrics port unless given).

    ``log``: a file its output is appended to; without it, it writes to ours. ``own_group``: as in
    ``start_process``, for a caller that stops it itself.
    """
    port = free_port(count=processes) if metrics_port is None else metrics_port
    env = settings_environment(settings) | {"NEWSSTREAM_METRICS_PORT": str(port)} | (env_overrides or {})
    log_file = open(log, "ab") if log is not None else None  # noqa: SIM115 - closed in WorkerProcess.stop
    process = start_process([sys.executable, "-m", "streams", "worker", "--processes", str(processes)],
                            env=env, output=log_file, own_group=own_group)
    return WorkerProcess(process, [port + i for i in range(processes)] if port else [], log, log_file)
