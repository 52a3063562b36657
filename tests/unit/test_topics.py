"""Failing fast where nothing can succeed: a broker address that refuses, or a host that does not resolve."""

from __future__ import annotations

import socket
import time

import pytest

from streams.config import load_settings
from streams.topics import BrokerUnreachable, check_reachable, ensure_topics


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_a_refused_connection_is_reported_within_seconds_naming_the_address_and_variable(tmp_path):
    port = _closed_port()
    settings = load_settings(broker=f"kafka://127.0.0.1:{port}", data_dir=str(tmp_path))
    started = time.monotonic()
    with pytest.raises(BrokerUnreachable) as caught:
        ensure_topics(settings, timeout=30)
    assert time.monotonic() - started < 6
    assert f"127.0.0.1:{port}: connection refused" in str(caught.value) and "NEWSSTREAM_BROKER" in str(caught.value)


def test_a_host_that_does_not_resolve_is_reported_at_once(tmp_path):
    settings = load_settings(broker="kafka://no-such-host.invalid:9092", data_dir=str(tmp_path))
    started = time.monotonic()
    with pytest.raises(BrokerUnreachable, match="does not resolve"):
        check_reachable(settings)
    assert time.monotonic() - started < 3


def test_a_listening_address_passes(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        settings = load_settings(broker=f"kafka://127.0.0.1:{server.getsockname()[1]}", data_dir=str(tmp_path))
        check_reachable(settings)
