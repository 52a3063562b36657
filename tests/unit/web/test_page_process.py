"""The page's own process: it answers, and it yields the CPU to the worker."""

from __future__ import annotations

import os

from streams.config import load_settings
from streams.web.process import NICENESS, spawn_page


def test_the_page_process_answers_and_runs_at_a_lower_priority(tmp_path):
    settings = load_settings(broker="127.0.0.1:9", data_dir=str(tmp_path))  # no broker: the page still answers
    page = spawn_page(settings, [], timeout=30.0)
    try:
        assert page.url.startswith("http://127.0.0.1:")
        assert os.getpriority(os.PRIO_PROCESS, page.process.pid) == os.getpriority(os.PRIO_PROCESS, 0) + NICENESS
    finally:
        assert page.stop() == 0
