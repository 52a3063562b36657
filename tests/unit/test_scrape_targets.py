"""The Prometheus targets file the worker writes: every process's address, in file_sd format."""

from __future__ import annotations

import json

from streams.config import load_settings
from streams.scrape_targets import write_targets


def test_every_process_port_is_listed_and_a_bind_all_host_is_scraped_on_loopback(tmp_path):
    path = tmp_path / "sd" / "targets.json"
    settings = load_settings(metrics_host="0.0.0.0", prometheus_targets_file=str(path), app_id="news")
    assert write_targets(settings, [9464, 9465]) == path
    assert json.loads(path.read_text()) == [{"targets": ["127.0.0.1:9464", "127.0.0.1:9465"],
                                             "labels": {"app_id": "news"}}]
    assert list(path.parent.iterdir()) == [path]  # written atomically, no partial file left


def test_no_file_no_ports_or_an_unwritable_place_never_stops_the_worker(tmp_path):
    assert write_targets(load_settings(prometheus_targets_file=""), [9464]) is None
    assert write_targets(load_settings(prometheus_targets_file=str(tmp_path / "t.json")), []) is None
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert write_targets(load_settings(prometheus_targets_file=str(blocker / "t.json")), [9464]) is None
