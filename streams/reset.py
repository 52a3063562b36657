"""Moving the worker group's committed offsets on the raw topic, to enrich records again.

Like Kafka Streams' application reset tool: plan first (a dry run prints, per partition, where
the group is and where it would go), apply only when asked, and never while members of the
group are alive: a running worker would overwrite the new offsets with its next commit.
After a reset the workers, restarted, enrich from the new offsets on; the records they write
name the pipeline that made them (``pipeline`` in each record), so consumers tell new from old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata

from streams import kafka_io
from streams.config import Settings
from streams.errors import NewsstreamError


class ResetRefused(NewsstreamError, RuntimeError):
    """The group has live members, or the plan cannot be made (no such topic, a bad target)."""


@dataclass(frozen=True, slots=True)
class PartitionMove:
    """One partition of the plan: the committed offset (None: never committed), the target, the end."""

    partition: int
    committed: int | None
    target: int
    end: int

    @property
    def to_enrich(self) -> int:
        """Records the group will read from the target on (again, or for the first time)."""
        return self.end - self.target


@dataclass(frozen=True, slots=True)
class Target:
    """Where to move: exactly one of a time, an offset (per partition, clamped to what exists), the start."""

    to_datetime: datetime | None = None
    to_offset: int | None = None
    to_earliest: bool = False

    def __post_init__(self) -> None:
        chosen = sum([self.to_datetime is not None, self.to_offset is not None, self.to_earliest])
        if chosen != 1:
            raise ResetRefused("say where to move the offsets: "
                               "exactly one of --to-datetime, --to-offset, --to-earliest")
        if self.to_offset is not None and self.to_offset < 0:
            raise ResetRefused(f"--to-offset must be 0 or more, not {self.to_offset}")


class _GroupAdmin(KafkaAdminClient):
    """kafka-python decodes a described group's authorized operations and fails on a value it does not
    know (the embedded broker answers 15): the reset needs none of them."""

    def _process_acl_operations(self, obj: dict) -> dict:
        obj.pop("authorized_operations", None)
        return obj


def _admin(settings: Settings) -> KafkaAdminClient:
    return _GroupAdmin(bootstrap_servers=settings.bootstrap_servers, client_id=f"{settings.app_id}-reset",
                            **settings.kafka_client_options())


def live_members(settings: Settings, group: str) -> list[str]:
    """``client_id@host`` of each live member of ``group`` (empty when no worker runs)."""
    admin = _admin(settings)
    try:
        described = admin.describe_groups([group])
    finally:
        admin.close()
    members = described.get(group, {}).get("members") or []
    return [f"{member.get('client_id')}@{member.get('client_host')}".strip("/") for member in members]


def plan(settings: Settings, target: Target, *, group: str | None = None,
         topic: str | None = None) -> list[PartitionMove]:
    """Per partition of the raw topic: committed offset, target and end, nothing changed."""
    group, topic = group or settings.app_id, topic or settings.topic_raw
    reader = kafka_io.consumer(settings, [], from_beginning=True)
    try:
        try:
            partitions = [TopicPartition(topic, p) for p in sorted(kafka_io.wait_for_topic(reader, topic, timeout=5))]
        except kafka_io.TopicMissing as exc:
            raise ResetRefused(str(exc)) from None
        starts, ends = reader.beginning_offsets(partitions), reader.end_offsets(partitions)
        if target.to_datetime is not None:
            since_ms = round(target.to_datetime.astimezone(UTC).timestamp() * 1000)
            found = reader.offsets_for_times(dict.fromkeys(partitions, since_ms))
            targets = {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}
        elif target.to_offset is not None:
            targets = {tp: min(max(target.to_offset, starts[tp]), ends[tp]) for tp in partitions}
        else:
            targets = starts
    finally:
        reader.close()
    committed = _committed(settings, group, partitions)
    return [PartitionMove(tp.partition, committed.get(tp), targets[tp], ends[tp]) for tp in partitions]


def _committed(settings: Settings, group: str, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    admin = _admin(settings)
    try:  # partitions named: the embedded broker fails an OffsetFetch without them
        offsets = admin.list_group_offsets({group: partitions}).get(group, {})
    finally:
        admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset is not None and meta.offset >= 0}


def execute(settings: Settings, moves: list[PartitionMove], *, group: str | None = None,
            topic: str | None = None) -> None:
    """Commit the plan's targets for ``group``; refused while the group has live members."""
    group, topic = group or settings.app_id, topic or settings.topic_raw
    members = live_members(settings, group)
    if members:
        raise ResetRefused(f"group {group!r} has {len(members)} live member(s) ({', '.join(members)}): "
                           "stop its workers first, then run the reset again")
    admin = _admin(settings)
    try:
        errors = admin.alter_group_offsets(
            group, {TopicPartition(topic, move.partition): OffsetAndMetadata(move.target, "", -1) for move in moves})
    finally:
        admin.close()
    failed = {tp.partition: error for tp, error in (errors or {}).items() if error is not None and error.errno != 0}
    if failed:
        raise ResetRefused(f"the broker refused the new offsets of partitions {sorted(failed)}: "
                           f"{next(iter(failed.values())).__name__}")
