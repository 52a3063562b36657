"""Creating the pipeline's topics with the configured partition count, and checking they are there.

Done explicitly before anything produces or consumes, so that a producer's auto-created
topic never ends up with the broker's default partition count.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, RetriableError, TopicAlreadyExistsError

from streams.config import Settings
from streams.errors import TransientError

log = logging.getLogger(__name__)


class BrokerUnreachable(TransientError):
    """The broker could not be reached or refused us. The message says how we tried, never with a secret."""


def describe_connection(settings: Settings) -> str:
    """The addresses and security settings in use, for error messages (the password is left out)."""
    how = [f"security protocol {settings.security_protocol}"]
    if settings.security_protocol.startswith("SASL_"):
        how.append(f"SASL {settings.sasl_mechanism} as user {settings.sasl_username!r}")
    if settings.ssl_cafile:
        how.append(f"CA file {settings.ssl_cafile}")
    return f"{', '.join(settings.bootstrap_servers)} ({'; '.join(how)})"


def check_tls(settings: Settings, timeout: float = 10.0) -> None:
    """Stop at once, saying why, when a broker's TLS certificate is not trusted.

    The Kafka clients retry a failed handshake like any lost connection until they time out;
    an untrusted certificate does not fix itself. An unreachable broker is left to them.
    """
    context = settings.ssl_context()
    if context is None:
        return
    for server in settings.bootstrap_servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout) as sock:
                context.wrap_socket(sock, server_hostname=host).close()
        except ssl.SSLCertVerificationError as exc:
            raise BrokerUnreachable(
                f"the TLS certificate of {server} is not trusted (certificate verify failed: {exc.verify_message}); "
                f"connecting to {describe_connection(settings)}: check NEWSSTREAM_SSL_CAFILE"
            ) from None
        except OSError:
            continue


#: Seconds a broker address may refuse connections before we say nothing listens there.
REFUSED_PATIENCE = 3.0


def check_reachable(settings: Settings, *, patience: float = REFUSED_PATIENCE) -> None:
    """Fail within seconds, saying why, when no bootstrap server can be reached at all.

    A host name that does not resolve, or addresses where nothing listens (connection
    refused, for ``patience`` seconds: a broker that is starting gets that long), will not
    fix themselves while the Kafka clients retry for their full timeout. Anything else
    (a slow network, a broker that accepts but does not answer yet) is left to the clients.
    """
    deadline = time.monotonic() + patience
    while True:
        reasons = []
        for server in settings.bootstrap_servers:
            host, _, port = server.rpartition(":")
            try:
                socket.create_connection((host, int(port)), timeout=2.0).close()
                return
            except socket.gaierror:
                reasons.append(f"{host}: the host name does not resolve")
            except ConnectionRefusedError:
                reasons.append(f"{server}: connection refused (nothing listens there)")
            except (OSError, ValueError):
                return  # unreachable for now, or not ours to judge: the clients retry
        if any("does not resolve" in reason for reason in reasons) or time.monotonic() >= deadline:
            raise BrokerUnreachable(
                f"cannot reach the Kafka broker: {'; '.join(reasons)}. Is the broker running, and is "
                f"NEWSSTREAM_BROKER ({settings.broker}) its address?"
            )
        time.sleep(0.5)


def _admin(settings: Settings, timeout: float) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=f"{settings.app_id}-admin",
        request_timeout_ms=10_000,
        bootstrap_timeout_ms=max(1000, int(timeout * 1000)),
        **settings.kafka_client_options(),
    )


def ensure_topics(settings: Settings, names: list[str] | None = None, *, timeout: float = 30.0) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are.

    Raises BrokerUnreachable when the broker cannot be reached within ``timeout`` seconds:
    at start-up a refused connection (wrong protocol, credentials or certificate) is a
    configuration error to report, not something to retry for ever.
    """
    names = names or settings.worker_topics()
    check_reachable(settings)
    check_tls(settings)
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = _admin(settings, deadline - time.monotonic())
            break
        except RetriableError as exc:  # broker not reachable (yet)
            if time.monotonic() > deadline:
                raise BrokerUnreachable(
                    f"could not connect to the Kafka broker at {describe_connection(settings)} within {timeout:.0f} s "
                    f"({exc}). If it requires TLS or authentication, check NEWSSTREAM_SECURITY_PROTOCOL, "
                    "NEWSSTREAM_SASL_* and NEWSSTREAM_SSL_*; the Kafka client's messages above say what failed"
                ) from None
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            new = [NewTopic(name, settings.topic_partitions, settings.topic_replication) for name in missing]
            with contextlib.suppress(TopicAlreadyExistsError):  # another process won the race
                admin.create_topics(new)
            log.info("created topics %s with %d partitions", missing, settings.topic_partitions)
    except KafkaError:
        log.exception("could not create topics %s", names)
        raise
    finally:
        admin.close()


def missing_topics(settings: Settings, timeout: float = 5.0) -> list[str]:
    """The pipeline topics the broker does not have; raises KafkaError if it cannot be asked."""
    admin = _admin(settings, timeout)
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    return [name for name in settings.worker_topics() if name not in existing]
