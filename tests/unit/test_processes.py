"""free_port: a base port for N processes' metrics, every one of them free."""

from __future__ import annotations

import socket

from streams.processes import free_port


def test_free_port_for_several_processes_skips_a_base_whose_next_port_is_taken():
    listeners = []
    try:
        for _ in range(20):  # taken ports scattered over the ephemeral range
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sock.listen()
            listeners.append(sock)
        base = free_port(count=3)
        for port in range(base, base + 3):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind(("127.0.0.1", port))  # raises if taken
    finally:
        for sock in listeners:
            sock.close()
