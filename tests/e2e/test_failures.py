"""Every failure a user can cause: one clear line, the documented exit status, in seconds.

Run through the real command line as a subprocess, as the README's "Failures" table says.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.e2e


def newsstream(*args: str, env: dict | None = None, timeout: float = 120) -> tuple[int, str, float]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSTREAM_")} | (env or {})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "streams", *args], env=environment, capture_output=True,
                          text=True, timeout=timeout)
    return done.returncode, done.stderr, time.monotonic() - started


def error_line(stderr: str) -> str:
    """The one line the command ends with; no traceback before it."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("newsstream: ")]
    assert len(lines) == 1, stderr
    return lines[0]


@contextlib.contextmanager
def port_in_use() -> Iterator[int]:
    """A loopback port something listens on, for as long as the block runs."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("NEWSSTREAM_BATCH_SIZE", "abc", "NEWSSTREAM_BATCH_SIZE: must be a whole number"),
    ("NEWSSTREAM_LOG_LEVEL", "verbose", "NEWSSTREAM_LOG_LEVEL: must be one of debug, info, warning, error"),
    ("NEWSSTREAM_SECURITY_PROTOCOL", "TLS", "NEWSSTREAM_SECURITY_PROTOCOL: must be one of"),
])
@pytest.mark.parametrize("command", [("worker", "--processes", "2"), ("consume",)])
def test_a_bad_setting_is_one_line_naming_the_variable_and_exit_1(variable, value, says, command):
    code, stderr, seconds = newsstream(*command, env={variable: value})
    assert code == 1 and says in error_line(stderr) and seconds < 15


def test_debug_shows_the_traceback_behind_the_line():
    code, stderr, _ = newsstream("consume", env={"NEWSSTREAM_BATCH_SIZE": "abc", "NEWSSTREAM_LOG_LEVEL": "debug"})
    assert code == 1 and "Traceback" in stderr and "NEWSSTREAM_BATCH_SIZE" in stderr


@pytest.mark.parametrize("command", [("worker", "--processes", "1"), ("worker", "--processes", "2"),
                                     ("produce", "SEED"), ("consume",)])
def test_a_broker_address_where_nothing_listens_is_reported_within_seconds_exit_75(command, tmp_path):
    from tests.conftest import SEED

    port = closed_port()
    args = [str(SEED) if part == "SEED" else part for part in command]
    code, stderr, seconds = newsstream(*args, env={"NEWSSTREAM_BROKER": f"kafka://127.0.0.1:{port}",
                                                   "NEWSSTREAM_METRICS_PORT": str(closed_port()),
                                                   "NEWSSTREAM_PROMETHEUS_TARGETS_FILE": str(tmp_path / "t.json")})
    line = error_line(stderr)
    assert code == 75, stderr
    assert f"127.0.0.1:{port}: connection refused" in line and "NEWSSTREAM_BROKER" in line
    assert seconds < 20  # the model loads first for the worker; the refusal itself takes 3 s


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_metrics_port_in_use_is_a_configuration_error_never_restarted(processes, tmp_path):
    with port_in_use() as port:
        code, stderr, seconds = newsstream("worker", "--processes", processes,
                                           env={"NEWSSTREAM_METRICS_PORT": str(port),
                                                "NEWSSTREAM_PROMETHEUS_TARGETS_FILE": str(tmp_path / "t.json")})
    assert code == 1, stderr
    assert f"port {port} on 127.0.0.1 is already in use" in stderr and "NEWSSTREAM_METRICS_PORT" in stderr
    assert "Traceback" not in stderr and "restarting in" not in stderr  # the supervisor does not loop
    assert seconds < 60


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_live_page_port_in_use_is_a_configuration_error_never_restarted(processes, tmp_path):
    with port_in_use() as port:
        code, stderr, _ = newsstream("worker", "--processes", processes,
                                     env={"NEWSSTREAM_WEB_PORT": str(port),
                                          "NEWSSTREAM_METRICS_PORT": str(closed_port()),
                                          "NEWSSTREAM_PROMETHEUS_TARGETS_FILE": str(tmp_path / "t.json")})
    assert code == 1, stderr
    line = error_line(stderr)
    assert f"cannot serve the live page on 127.0.0.1:{port} (it is in use)" in line and "NEWSSTREAM_WEB_PORT" in line
    assert "restarting in" not in stderr


def test_compressed_binary_and_empty_inputs_are_refused_in_one_line(tmp_path):
    env = {"NEWSSTREAM_BROKER": f"kafka://127.0.0.1:{closed_port()}"}  # refused before any connection
    packed = tmp_path / "articles.jsonl.gz"
    packed.write_bytes(gzip.compress(b'{"title": "a"}\n'))
    binary = tmp_path / "articles.json"
    binary.write_bytes(b"\x00\x01\x02 not text")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    for path, says in ((packed, "is gzip-compressed: decompress it first"), (binary, "is binary"),
                       (empty, "no articles in")):
        code, stderr, _ = newsstream("produce", str(path), env=env)
        assert code == 1 and says in error_line(stderr), stderr


def test_no_broker_configured_is_a_configuration_error():
    code, stderr, _ = newsstream("consume")
    assert code == 1 and "no broker configured: set NEWSSTREAM_BROKER" in error_line(stderr)
