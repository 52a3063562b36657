"""The process-wide gazetteer, shared by the country tagging tests."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.unit.core.geo.helpers")

from streams.core.geo import Gazetteer  # noqa: E402


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()
