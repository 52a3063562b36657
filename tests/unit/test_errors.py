"""One root for the project's own errors, each keeping the built-in base callers catch."""

from __future__ import annotations

import pytest

from streams.core.nlp import ModelError
from streams.core.records import RecordError
from streams.delivery import DeliveryFailed
from streams.errors import NewsstreamError
from streams.topics import BrokerUnreachable


@pytest.mark.parametrize(("error", "builtin"), [(ModelError, RuntimeError), (RecordError, ValueError),
                                                (DeliveryFailed, RuntimeError), (BrokerUnreachable, RuntimeError)])
def test_every_named_failure_is_a_newsstream_error_and_keeps_its_builtin_base(error, builtin):
    assert issubclass(error, NewsstreamError) and issubclass(error, builtin)
