"""The Faust shell without a broker: security settings reach the Kafka clients unchanged and
secrets stay secret."""

from __future__ import annotations

import asyncio
import ssl

import pytest
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from streams.app import STREAM_BUFFER_BATCHES, broker_credentials, create_app, new_faust_app
from streams.config import Settings, load_settings

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
        "security_protocol": client._security_protocol,  # what aiokafka really uses
        "sasl_mechanism": client._sasl_mechanism,
        "sasl_plain_username": client._sasl_plain_username,
        "sasl_plain_password": client._sasl_plain_password,
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
        consumer = faust_app.consumer._thread._create_worker_consumer(faust_app.transport)
        producer = faust_app.producer._new_producer()
        try:
            return _client_security(consumer._client), _client_security(producer.client)
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



def test_a_worker_reads_at_most_a_few_batches_ahead():
    """Faust's default read-ahead is 4,096 records, whatever their size."""
    for batch_size in (32, 500):
        app = new_faust_app(Settings(broker="kafka://127.0.0.1:1", batch_size=batch_size))
        assert app.conf.stream_buffer_maxsize == STREAM_BUFFER_BATCHES * batch_size


def test_every_destination_has_a_topic_a_sender_and_is_created(tmp_path):
    """The output table: a destination of the core's outcomes is published to its configured topic."""
    from streams.app import senders
    from streams.core.outcomes import Destination

    settings = load_settings(broker="kafka://127.0.0.1:9", data_dir=str(tmp_path), topic_enriched="out.e",
                             topic_deadletter="out.d")
    assert settings.output_topics() == {Destination.ENRICHED: "out.e", Destination.DEAD_LETTER: "out.d"}
    assert settings.pipeline_topics() == [settings.topic_raw, "out.e", "out.d"]
    assert set(senders(new_faust_app(settings), settings)) == set(Destination)
    renamed = settings.with_topics(lambda field, name: f"{name}.x")
    assert renamed.pipeline_topics() == [f"{settings.topic_raw}.x", "out.e.x", "out.d.x"]
