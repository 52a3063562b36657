"""The consumer and operator commands as a user runs them: bad input is one line and exit 1."""

from __future__ import annotations

import re

import pytest

from streams.config import settings_environment as settings_env
from tests.e2e.test_cli import newsstream

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("args", "message"), [
    (["--country", "XX"], "unknown country 'XX': use an ISO 3166-1 code"),
    (["--since", "yesterday"], "--since 'yesterday' is not an ISO 8601 time"),
])
def test_consume_refuses_bad_filters_in_one_line(settings, args, message):
    result = newsstream("consume", *args, "--idle-timeout", "1", env=settings_env(settings), timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert message in stderr and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_enrich_and_produce_end_with_a_one_line_summary_unless_quiet(tmp_path, settings):
    lines = b'{"title": "Floods in Bangladesh"}\nnot json\n'
    enriched = newsstream("enrich", stdin=lines)
    assert enriched.returncode == 3
    assert re.fullmatch(r"enriched 1, dead-lettered 1 in [0-9.]+ s", enriched.stderr.decode().splitlines()[-1])
    path = tmp_path / "articles.jsonl"
    path.write_text('{"title": "one"}\n{"title": "two"}\n')
    produced = newsstream("produce", str(path), env=settings_env(settings))
    assert produced.returncode == 0
    summary = produced.stderr.decode().strip()
    assert re.fullmatch(rf"sent 2 records to {re.escape(settings.topic_raw)} in [0-9.]+ s", summary)
    quiet = newsstream("produce", "--quiet", str(path), env=settings_env(settings))
    assert quiet.returncode == 0 and quiet.stderr == b""
