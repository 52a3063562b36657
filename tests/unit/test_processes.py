"""free_port: a base port for N processes' metrics, every one of them free."""

from __future__ import annotations

import socket

from streams import processes
from streams.processes import free_port


def test_free_port_for_several_processes_skips_a_base_whose_next_port_is_taken(monkeypatch):
    bindable, asked = processes._bindable, []

    def first_base_taken(host, port):
        asked.append(port)
        return bindable(host, port) and len(asked) > 1  # the first base's next port is "taken"

    monkeypatch.setattr(processes, "_bindable", first_base_taken)
    base = free_port(count=3)
    assert len(asked) == 3  # the first base was given up at its next port; the second one's both checked
    assert asked[1:] == [base + 1, base + 2]
    for port in range(base, base + 3):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", port))  # raises if taken


def test_free_port_for_one_process_checks_nothing_more(monkeypatch):
    monkeypatch.setattr(processes, "_bindable", lambda host, port: False)
    assert free_port() > 0
