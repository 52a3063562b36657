"""The consumer and operator commands as a user runs them: bad input is one line and exit 1."""

from __future__ import annotations

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
