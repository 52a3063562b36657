"""Publishing a batch: every output acknowledged, refusals become dead letters, other failures fail the batch."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from aiokafka.errors import MessageSizeTooLargeError
from faust.exceptions import ProducerSendError

from streams import delivery as delivery_module
from streams.core.outcomes import BatchReport, Incoming, dead_outcome
from streams.core.records import ErrorCode
from streams.delivery import DeliveryFailed, deliver
from tests.unit.batches import FakeTopic, enriched, incoming, senders


def batch_with_a_dead_letter(items: list[Incoming]) -> BatchReport:
    report = enriched(items)
    report.outcomes[-1] = dead_outcome(items[-1], reason="bad input")
    return report


def test_every_output_is_sent_and_acknowledged():
    enriched_topic, dead_topic = FakeTopic(), FakeTopic()
    items = incoming(3)
    report = batch_with_a_dead_letter(items)
    published = asyncio.run(deliver(senders(enriched_topic.send, dead_topic.send), items, report))
    assert [key for key, _ in enriched_topic.sent] == [b"k0", b"k1"]
    assert [key for key, _ in dead_topic.sent] == [b"k2"]
    assert [o.ok for o in published.outcomes] == [True, True, False]


def test_an_outcome_that_cannot_be_serialized_becomes_a_dead_letter():
    enriched_topic, dead_topic = FakeTopic(), FakeTopic()
    items = incoming(2)
    report = enriched(items)
    report.outcomes[0].record["weird"] = {1: "a key orjson refuses"}
    published = asyncio.run(deliver(senders(enriched_topic.send, dead_topic.send), items, report))
    assert [key for key, _ in enriched_topic.sent] == [b"k1"]
    ((key, letter),) = dead_topic.sent
    assert key == b"k0" and "could not be serialized" in letter["error"]["reason"]
    assert [o.error for o in published.outcomes] == ["enrichment_failed", None]


@pytest.mark.parametrize("how", ["refuse_sync", "refuse_async"])
def test_an_enriched_article_the_broker_refuses_becomes_a_dead_letter(how):
    enriched_topic, dead_topic = FakeTopic(**{how: {b"k1"}}), FakeTopic()
    items = incoming(3)
    published = asyncio.run(deliver(senders(enriched_topic.send, dead_topic.send), items, enriched(items)))
    assert [key for key, _ in enriched_topic.sent] == [b"k0", b"k2"]
    ((key, letter),) = dead_topic.sent
    assert key == b"k1" and letter["error"]["code"] == "enrichment_failed"
    reason = letter["error"]["reason"]
    assert "enriched article was refused" in reason and "MessageSizeTooLarge" in reason
    assert [o.error for o in published.outcomes] == [None, "enrichment_failed", None]  # what the metrics count


def test_a_refused_dead_letter_is_sent_again_with_its_payload_cut_and_its_error_kept():
    item = Incoming(value=b"x" * 200_000, key=b"big", source=None)
    report = BatchReport(outcomes=[dead_outcome(item, ErrorCode.SCHEMA_VIOLATION, "bad input")])
    sent = []

    async def send(*, key, value, headers=()):
        sent.append(orjson.loads(value))
        if len(sent) == 1:
            raise ProducerSendError("Error while sending") from MessageSizeTooLargeError("too big")
        return await FakeTopic().send(key=key, value=value)

    published = asyncio.run(deliver(senders(FakeTopic().send, send), [item], report))
    first, second = sent
    assert not first["payload_truncated"] and len(first["payload"]) == 200_000
    assert second["payload_truncated"] and len(second["payload"]) == delivery_module.CUT_PAYLOAD_BYTES
    assert second["payload_bytes"] == 200_000 and second["payload_sha256"] == first["payload_sha256"]
    assert second["error"] == first["error"] == {"code": "schema_violation", "reason": "bad input"}
    assert published.outcomes[0].error == "schema_violation"


def test_outputs_that_are_not_acknowledged_fail_the_batch_instead_of_being_dead_lettered():
    items = incoming(2)
    with pytest.raises(DeliveryFailed, match="not acknowledged"):
        asyncio.run(deliver(senders(FakeTopic(fail={b"k1"}).send, FakeTopic().send), items, enriched(items)))


def test_a_refused_replacement_fails_the_batch_rather_than_retrying_for_ever():
    items = incoming(2)
    with pytest.raises(DeliveryFailed, match="dead letter"):
        asyncio.run(deliver(senders(FakeTopic(refuse_sync={b"k0"}).send, FakeTopic(refuse_all=True).send), items,
                            enriched(items)))
