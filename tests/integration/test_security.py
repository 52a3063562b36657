"""TLS and SASL, configured through NEWSSTREAM_* variables, against the real broker.

TLS: the embedded broker speaks plain Kafka only (its ``--cert`` did not handshake here),
so a TLS terminator (``socat``, Debian package ``socat``) sits in front of it with a CA and
a server certificate that the test makes with ``openssl`` (Debian package ``openssl``).
The broker advertises the terminator's address, so every connection of the clients,
bootstrap and after, goes through TLS. Without those tools the tests are skipped (and the
reason printed) on a developer's machine, and fail under CI (``CI`` set).

SASL: ``--authentication`` makes the broker refuse unauthenticated clients, but its
in-memory build cannot create users, so a successful SASL login (PLAIN or SCRAM) cannot
be tested here: only the refusal, end to end, and (tests/unit/test_app.py) that every SASL
setting reaches Faust, aiokafka and kafka-python unchanged.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pytest

from streams.app import EXIT_RESTART
from streams.broker import EmbeddedBroker
from streams.config import Settings, settings_environment
from streams.processes import free_port, start_process, stop_process
from tests.conftest import isolated_settings, worker_process

pytestmark = pytest.mark.integration

SECRET = f"pw-{uuid.uuid4().hex}"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(binary: str, package: str) -> str:
    """The path of ``binary``; skips (printing why) without it, or fails under CI, which must install it."""
    path = shutil.which(binary)
    if path is None:
        reason = f"`{binary}` is not on PATH; install it with: apt-get install {package}"
        if in_ci():
            pytest.fail(f"{reason} (CI is set, so this is an error: CI must install it)")
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return path


def make_settings(broker_url: str, tmp_path: Path, **security) -> Settings:
    return isolated_settings(broker_url, tmp_path / "data", partitions=2, **security)


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses with a listening TCP socket on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, local_port = local.split(":")
        if int(local_port, 16) == port and state == "0A":  # LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


# --- TLS -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1 it signs, and a second CA that signs nothing here."""
    openssl = require("openssl", "openssl")
    d = tmp_path_factory.mktemp("tls")
    ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"),
        "-days", "2", "-subj", "/CN=newsstream test CA", *ca_ext)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "other-ca.key"), "-out",
        str(d / "other-ca.pem"), "-days", "2", "-subj", "/CN=some other CA", *ca_ext)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "server.key"), "-out", str(d / "server.csr"),
        "-subj", "/CN=localhost")
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    run("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
        "-CAcreateserial", "-out", str(d / "server.pem"), "-days", "2", "-extfile", str(d / "server.ext"))
    return {name: d / f"{name}.pem" for name in ("ca", "other-ca", "server")} | {"key": d / "server.key"}


@pytest.fixture(scope="module")
def tls_broker(certificates, tmp_path_factory):
    """kafka://127.0.0.1:<port> of a TLS endpoint in front of an embedded broker that advertises it."""
    socat = require("socat", "socat")
    logs = tmp_path_factory.mktemp("tls-broker")
    tls_port = free_port()
    broker = EmbeddedBroker(log_path=logs / "broker.log", advertised=f"127.0.0.1:{tls_port}").start()
    with open(logs / "socat.log", "ab") as log:
        proxy = start_process(
            [socat, f"OPENSSL-LISTEN:{tls_port},bind=127.0.0.1,reuseaddr,fork,cert={certificates['server']},"
                    f"key={certificates['key']},verify=0", f"TCP:127.0.0.1:{broker.port}"],
            output=log,
        )
    try:
        wait_listening(tls_port)
        yield f"kafka://127.0.0.1:{tls_port}"
    finally:
        stop_process(proxy, 10, name="socat")
        broker.stop()


def cli(settings: Settings, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams", *args], env=settings_environment(settings),
                          capture_output=True,
                          text=True, timeout=timeout)


def test_the_worker_and_the_cli_speak_tls_and_verify_the_brokers_certificate(tls_broker, certificates, tmp_path):
    settings = make_settings(tls_broker, tmp_path, security_protocol="SSL", ssl_cafile=str(certificates["ca"]))
    source = tmp_path / "article.json"
    source.write_bytes(orjson.dumps({"id": "tls-1", "title": "Talks in Nairobi", "body": "Kenya and Uganda met."}))
    produced = cli(settings, "produce", str(source))
    assert produced.returncode == 0, produced.stdout + produced.stderr

    worker = worker_process(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        consumed = cli(settings, "consume", "--json", "--from-beginning", "--max", "1", "--idle-timeout", "60")
        assert consumed.returncode == 0, consumed.stdout + consumed.stderr
        (line,) = consumed.stdout.splitlines()
        record = orjson.loads(line)
        assert record["id"] == "tls-1" and {c["code"] for c in record["countries"]} >= {"KE"}
        # the metrics endpoint binds to loopback by default
        assert listening_addresses(worker.metrics_port) == {"127.0.0.1"}
    finally:
        worker.stop()


def test_a_worker_refuses_an_untrusted_certificate_at_once_and_says_why(tls_broker, certificates, tmp_path):
    settings = make_settings(tls_broker, tmp_path, security_protocol="SSL", ssl_cafile=str(certificates["other-ca"]))
    started = time.monotonic()
    worker = worker_process(settings, tmp_path / "worker.log")
    try:
        code = worker.process.wait(60)
    finally:
        worker.stop()
    took = time.monotonic() - started
    log = worker.log()
    assert code == EXIT_RESTART, log
    assert "is not trusted" in log and "certificate verify failed" in log and "NEWSSTREAM_SSL_CAFILE" in log
    print(f"\nuntrusted certificate: the worker exited with status {code} after {took:.1f} s (model loading included)")


# --- SASL --------------------------------------------------------------------------------------


def test_a_broker_that_requires_authentication_refuses_the_worker_which_says_so_and_stops(tmp_path):
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log", authentication=True).start()
    password_file = tmp_path / "kafka-password"
    password_file.write_text(SECRET + "\n")
    anonymous = make_settings(broker.url, tmp_path)
    sasl = make_settings(broker.url, tmp_path, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                         sasl_username="svc-news")
    started = time.monotonic()
    workers = [
        worker_process(anonymous, tmp_path / "anonymous.log"),
        worker_process(sasl, tmp_path / "sasl.log", NEWSSTREAM_SASL_PASSWORD_FILE=str(password_file)),
    ]
    try:
        # the CLI, with the password in its environment this time, meets the same refusal
        produced = subprocess.run(
            [sys.executable, "-m", "streams", "produce", "-"], input='{"title": "t"}',
            env=settings_environment(sasl) | {"NEWSSTREAM_SASL_PASSWORD": SECRET}, capture_output=True, text=True,
            timeout=90,
        )
        assert produced.returncode != 0
        assert SECRET not in produced.stdout + produced.stderr
        # the secret is nowhere in the metrics of the SASL worker, scraped while it tries
        assert workers[1].process.poll() is None
        assert SECRET not in workers[1].get("/metrics")[1]
        codes = [worker.process.wait(60) for worker in workers]
    finally:
        for worker in workers:
            worker.stop()
        broker.stop()
    took = time.monotonic() - started
    logs = [worker.log() for worker in workers]
    assert codes == [EXIT_RESTART, EXIT_RESTART], logs
    assert "could not connect to the Kafka broker" in logs[0] and "security protocol PLAINTEXT" in logs[0]
    assert "could not connect to the Kafka broker" in logs[1]
    assert "security protocol SASL_PLAINTEXT; SASL PLAIN as user 'svc-news'" in logs[1]
    for log in logs:
        assert SECRET not in log
    print(f"\nrefused authentication: both workers exited with status {EXIT_RESTART} within {took:.0f} s, "
          "naming the broker, protocol, mechanism and user")
