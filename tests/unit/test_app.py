"""The Faust shell without a broker: security settings reach the Kafka clients unchanged and
secrets stay secret; a batch whose enrichment raises or whose outputs are refused is
dead-lettered, never lost, and never retried for ever."""

from __future__ import annotations

import asyncio
import ssl

import orjson
import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from faust.auth import SASLCredentials, SSLCredentials
from faust.exceptions import ProducerSendError
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from streams import app as app_module
from streams.app import DeliveryFailed, broker_credentials, create_app, deliver, enrich_safely
from streams.config import load_settings
from streams.core.enrich import BatchReport, Incoming, Outcome
from streams.core.records import ErrorCode, SourceOffset

SECRET = "pw-9f3c1e7a-never-print-me"

# A self-signed CA (EC P-256, valid until 2126) that only has to load into an SSL context.
CA_PEM = """-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIURMqvoX2uRvLMO9BTC1VkqqCvMQ8wCgYIKoZIzj0EAwIw
IjEgMB4GA1UEAwwXbmV3c3N0cmVhbSB1bml0LXRlc3QgQ0EwIBcNMjYxMTI4MDY1
MzI0WhgPMjEyNjExMDQwNjUzMjRaMCIxIDAeBgNVBAMMF25ld3NzdHJlYW0gdW5p
dC10ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERHpayx8J3qwLZtbE
o25KqrZQqj23EH87ScMP/eadzivT1oaz/jSJtAMe5EfXSbQj7KG69VXwTibGVLRi
DCEu66NTMFEwHQYDVR0OBBYEFLNyD0pm0a+sXUPxgNINUB3CLjsjMB8GA1UdIwQY
MBaAFLNyD0pm0a+sXUPxgNINUB3CLjsjMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
zj0EAwIDSQAwRgIhAM2TH0RQKY/AdUXW3ZEqroSU+UF6pGTGcdHe3jtIbKIuAiEA
qmZ/0zOpas13SRKV+1/Hoo43DZNJ8HfR4c1FdMRo+10=
-----END CERTIFICATE-----
"""


@pytest.fixture(autouse=True)
def _no_security_environment(monkeypatch):
    for name in ("SECURITY_PROTOCOL", "SASL_MECHANISM", "SASL_USERNAME", "SASL_PASSWORD", "SASL_PASSWORD_FILE",
                 "SSL_CAFILE", "SSL_CERTFILE", "SSL_KEYFILE"):
        monkeypatch.delenv(f"NEWSSTREAM_{name}", raising=False)


@pytest.fixture
def ca_file(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_text(CA_PEM)
    return str(path)


# --- security settings -------------------------------------------------------------------------


def _client_security(client) -> dict:
    """What an aiokafka client will authenticate with."""
    return {
        "security_protocol": client._security_protocol,  # noqa: SLF001 - what aiokafka really uses
        "sasl_mechanism": client._sasl_mechanism,  # noqa: SLF001
        "sasl_plain_username": client._sasl_plain_username,  # noqa: SLF001
        "sasl_plain_password": client._sasl_plain_password,  # noqa: SLF001
    }


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_every_sasl_setting_reaches_faust_aiokafka_and_kafka_python_unchanged(protocol, mechanism, ca_file, tmp_path):
    settings = load_settings(
        broker="kafka://127.0.0.1:9", security_protocol=protocol, sasl_mechanism=mechanism, sasl_username="svc-news",
        sasl_password=SECRET, ssl_cafile=ca_file if protocol == "SASL_SSL" else None, data_dir=str(tmp_path),
    )
    expected = {"security_protocol": protocol, "sasl_mechanism": mechanism, "sasl_plain_username": "svc-news",
                "sasl_plain_password": SECRET}

    credentials = broker_credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    auth = credentials_to_aiokafka_auth(credentials)
    assert {k: auth[k] for k in expected} == expected
    if protocol == "SASL_SSL":
        assert auth["ssl_context"].verify_mode == ssl.CERT_REQUIRED and auth["ssl_context"].check_hostname
        subjects = [ca["subject"] for ca in auth["ssl_context"].get_ca_certs()]
        assert ((("commonName", "newsstream unit-test CA"),),) in subjects
    else:
        assert auth["ssl_context"] is None

    # the clients Faust builds from it: the worker's consumer and its producer
    faust_app = create_app(settings, enricher=object())

    async def built_clients() -> tuple[dict, dict]:
        consumer = faust_app.consumer._thread._create_worker_consumer(faust_app.transport)  # noqa: SLF001
        producer = faust_app.producer._new_producer()  # noqa: SLF001
        try:
            return _client_security(consumer._client), _client_security(producer.client)  # noqa: SLF001
        finally:
            await consumer.stop()
            await producer.stop()

    consumer_security, producer_security = asyncio.run(built_clients())
    assert consumer_security == expected
    assert producer_security == expected

    # kafka-python (the CLI and the admin client)
    options = settings.kafka_client_options()
    assert {k: options[k] for k in expected} == expected
    assert options.get("ssl_cafile") == (ca_file if protocol == "SASL_SSL" else None)


def test_tls_alone_maps_onto_an_ssl_context_that_verifies_the_broker(ca_file):
    settings = load_settings(security_protocol="ssl", ssl_cafile=ca_file)
    credentials = broker_credentials(settings)
    assert isinstance(credentials, SSLCredentials)
    auth = credentials_to_aiokafka_auth(credentials)
    assert auth["security_protocol"] == "SSL"
    assert auth["ssl_context"].verify_mode == ssl.CERT_REQUIRED and auth["ssl_context"].check_hostname
    assert settings.kafka_client_options() == {"security_protocol": "SSL", "ssl_cafile": ca_file}


def test_sasl_without_a_mechanism_is_plain_for_every_client():
    settings = load_settings(security_protocol="SASL_PLAINTEXT", sasl_username="u", sasl_password=SECRET)
    assert credentials_to_aiokafka_auth(broker_credentials(settings))["sasl_mechanism"] == "PLAIN"
    assert settings.kafka_client_options()["sasl_mechanism"] == "PLAIN"


def test_plaintext_has_no_credentials():
    assert broker_credentials(load_settings()) is None
    assert load_settings().kafka_client_options() == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("name, value", [("security_protocol", "TLS"), ("security_protocol", "SASL-SSL"),
                                         ("sasl_mechanism", "GSSAPI"), ("sasl_mechanism", "SCRAM-SHA-1")])
def test_an_unknown_security_option_is_an_error_not_plaintext(name, value):
    with pytest.raises(ValidationError, match="must be one of"):
        load_settings(**{name: value})


def test_the_password_can_come_from_a_file(tmp_path, monkeypatch):
    path = tmp_path / "kafka-password"
    path.write_text(SECRET + "\n")  # as `echo` or a secret mount leaves it
    monkeypatch.setenv("NEWSSTREAM_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("NEWSSTREAM_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("NEWSSTREAM_SASL_USERNAME", "svc")
    monkeypatch.setenv("NEWSSTREAM_SASL_PASSWORD_FILE", str(path))
    settings = load_settings()
    assert settings.sasl_password.get_secret_value() == SECRET
    assert settings.kafka_client_options()["sasl_plain_password"] == SECRET


def test_secrets_never_appear_in_settings_output_or_errors(tmp_path):
    settings = load_settings(security_protocol="SASL_SSL", sasl_username="svc", sasl_password=SECRET)
    for shown in (repr(settings), str(settings), settings.model_dump_json(), repr(broker_credentials(settings))):
        assert SECRET not in shown
    path = tmp_path / "kafka-password"
    path.write_text(SECRET)
    failures = [
        dict(sasl_password=SECRET, sasl_password_file=str(path)),  # both: which one?
        dict(sasl_password=SECRET, security_protocol="SASL_TLS"),  # another field is wrong
        dict(sasl_password=SECRET, metrics_port="not a port"),
        dict(sasl_password_file=str(tmp_path / "missing")),
    ]
    for kwargs in failures:
        with pytest.raises(ValidationError) as caught:
            load_settings(**kwargs)
        assert SECRET not in str(caught.value) and SECRET[:8] not in str(caught.value), kwargs
    assert str(tmp_path / "missing") in str(caught.value)  # says which file


# --- enrichment that raises --------------------------------------------------------------------------


def incoming(count: int, poison: set[int] = frozenset()) -> list[Incoming]:
    return [
        Incoming(value=orjson.dumps({"title": "POISON" if i in poison else f"article {i}"}), key=f"k{i}".encode(),
                 source=SourceOffset(topic="raw", partition=0, offset=i, timestamp_ms=None))
        for i in range(count)
    ]


def enriched(items: list[Incoming]) -> BatchReport:
    return BatchReport(outcomes=[Outcome(key=item.key.decode(), record={"id": item.key.decode()}) for item in items])


class FlakyEnricher:
    """Raises for every batch that holds a poison record, and for the first ``transient`` calls."""

    def __init__(self, transient: int = 0):
        self.calls: list[int] = []
        self.transient = transient

    async def __call__(self, items: list[Incoming]) -> BatchReport:
        self.calls.append(len(items))
        if len(self.calls) <= self.transient or any(b"POISON" in item.value for item in items):
            raise RuntimeError("boom")
        return enriched(items)


def test_a_transient_failure_is_retried_and_nothing_is_dead_lettered():
    enrich = FlakyEnricher(transient=1)
    report = asyncio.run(enrich_safely(enrich, incoming(5), delay=0))
    assert enrich.calls == [5, 5]
    assert [o.ok for o in report.outcomes] == [True] * 5


def test_a_poison_record_is_isolated_after_bounded_retries_and_dead_lettered_alone():
    enrich = FlakyEnricher()
    items = incoming(5, poison={2})
    report = asyncio.run(enrich_safely(enrich, items, attempts=3, delay=0))
    assert enrich.calls == [5, 5, 5, 1, 1, 1, 1, 1]  # 3 tries, then each record alone, once
    assert [o.ok for o in report.outcomes] == [True, True, False, True, True]
    letter = report.outcomes[2]
    assert letter.error == "enrichment_failed"
    assert letter.record["key"] == "k2" and letter.record["source_offset"]["offset"] == 2
    assert "RuntimeError('boom')" in letter.record["error"]["reason"]
    assert orjson.loads(letter.record["payload"]) == {"title": "POISON"}  # the whole record, for a replay


def test_an_enricher_that_always_raises_dead_letters_the_whole_batch():
    report = asyncio.run(enrich_safely(FlakyEnricher(transient=10**6), incoming(3), delay=0))
    assert [o.error for o in report.outcomes] == ["enrichment_failed"] * 3


# --- publishing ---------------------------------------------------------------------------------


class FakeTopic:
    """topic.send: records what was sent; refuses or fails the records it is told to."""

    def __init__(self, refuse_sync: set[bytes] = frozenset(), refuse_async: set[bytes] = frozenset(),
                 fail: set[bytes] = frozenset(), refuse_all: bool = False):
        self.sent: list[tuple[bytes | None, dict]] = []
        self.refuse_sync, self.refuse_async, self.fail, self.refuse_all = refuse_sync, refuse_async, fail, refuse_all

    async def send(self, *, key, value):
        if key in self.refuse_sync or self.refuse_all:  # as Faust raises it: aiokafka's error as the cause
            raise ProducerSendError("Error while sending") from MessageSizeTooLargeError("too big")
        future = asyncio.get_running_loop().create_future()
        if key in self.refuse_async:
            future.set_exception(MessageSizeTooLargeError("too big"))
        elif key in self.fail:
            future.set_exception(KafkaTimeoutError("no answer"))
        else:
            self.sent.append((key, orjson.loads(value)))
            future.set_result("metadata")
        return future


def batch_with_a_dead_letter(items: list[Incoming]) -> BatchReport:
    report = enriched(items)
    report.outcomes[-1] = app_module.failure_letter(items[-1], "bad input")
    return report


def test_every_output_is_sent_and_acknowledged():
    enriched_topic, dead_topic = FakeTopic(), FakeTopic()
    items = incoming(3)
    published = asyncio.run(deliver(enriched_topic.send, dead_topic.send, items, batch_with_a_dead_letter(items)))
    assert [key for key, _ in enriched_topic.sent] == [b"k0", b"k1"]
    assert [key for key, _ in dead_topic.sent] == [b"k2"]
    assert [o.ok for o in published.outcomes] == [True, True, False]


def test_an_outcome_that_cannot_be_serialized_becomes_a_dead_letter():
    enriched_topic, dead_topic = FakeTopic(), FakeTopic()
    items = incoming(2)
    report = enriched(items)
    report.outcomes[0].record["weird"] = {1: "a key orjson refuses"}
    published = asyncio.run(deliver(enriched_topic.send, dead_topic.send, items, report))
    assert [key for key, _ in enriched_topic.sent] == [b"k1"]
    ((key, letter),) = dead_topic.sent
    assert key == b"k0" and "could not be serialized" in letter["error"]["reason"]
    assert [o.error for o in published.outcomes] == ["enrichment_failed", None]


@pytest.mark.parametrize("how", ["refuse_sync", "refuse_async"])
def test_an_enriched_article_the_broker_refuses_becomes_a_dead_letter(how):
    enriched_topic, dead_topic = FakeTopic(**{how: {b"k1"}}), FakeTopic()
    items = incoming(3)
    published = asyncio.run(deliver(enriched_topic.send, dead_topic.send, items, enriched(items)))
    assert [key for key, _ in enriched_topic.sent] == [b"k0", b"k2"]
    ((key, letter),) = dead_topic.sent
    assert key == b"k1" and letter["error"]["code"] == "enrichment_failed"
    reason = letter["error"]["reason"]
    assert "enriched article was refused" in reason and "MessageSizeTooLarge" in reason
    assert [o.error for o in published.outcomes] == [None, "enrichment_failed", None]  # what the metrics count


def test_a_refused_dead_letter_is_sent_again_with_its_payload_cut_and_its_error_kept():
    item = Incoming(value=b"x" * 200_000, key=b"big", source=None)
    report = BatchReport(outcomes=[app_module.failure_letter(item, "bad input", code=ErrorCode.SCHEMA_VIOLATION)])
    sent = []

    async def send(*, key, value):
        sent.append(orjson.loads(value))
        if len(sent) == 1:
            raise ProducerSendError("Error while sending") from MessageSizeTooLargeError("too big")
        return await FakeTopic().send(key=key, value=value)

    published = asyncio.run(deliver(FakeTopic().send, send, [item], report))
    first, second = sent
    assert not first["payload_truncated"] and len(first["payload"]) == 200_000
    assert second["payload_truncated"] and len(second["payload"]) == app_module.CUT_PAYLOAD_BYTES
    assert second["payload_bytes"] == 200_000 and second["payload_sha256"] == first["payload_sha256"]
    assert second["error"] == first["error"] == {"code": "schema_violation", "reason": "bad input"}
    assert published.outcomes[0].error == "schema_violation"


def test_outputs_that_are_not_acknowledged_fail_the_batch_instead_of_being_dead_lettered():
    items = incoming(2)
    with pytest.raises(DeliveryFailed, match="not acknowledged"):
        asyncio.run(deliver(FakeTopic(fail={b"k1"}).send, FakeTopic().send, items, enriched(items)))


def test_a_refused_replacement_fails_the_batch_rather_than_retrying_for_ever():
    items = incoming(2)
    with pytest.raises(DeliveryFailed, match="dead letter"):
        asyncio.run(deliver(FakeTopic(refuse_sync={b"k0"}).send, FakeTopic(refuse_all=True).send, items,
                            enriched(items)))
