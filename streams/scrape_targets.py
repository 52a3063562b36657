"""The worker's metrics addresses as a Prometheus file_sd targets file.

`newsstream worker` starts one process per core by default, each on its own port
(base + index): a static scrape list cannot know how many. The worker writes the list
here and the shipped ``deploy/prometheus/prometheus.yml`` reads it, so every process is
scraped; a process that then stops stays listed and its target goes down (alerted).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from streams.config import Settings, loopback_if_any

log = logging.getLogger(__name__)


def write_targets(settings: Settings, ports: list[int]) -> Path | None:
    """Write ``ports`` on ``settings.metrics_host`` to ``settings.prometheus_targets_file`` (atomically)."""
    if not settings.prometheus_targets_file or not ports:
        return None
    host = loopback_if_any(settings.metrics_host)
    path = Path(settings.prometheus_targets_file)
    groups = [{"targets": [f"{host}:{port}" for port in ports], "labels": {"app_id": settings.app_id}}]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(groups, indent=2) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError as exc:  # monitoring must not stop the worker: say so and go on
        log.warning("could not write the Prometheus targets file %s (%s): NEWSSTREAM_PROMETHEUS_TARGETS_FILE",
                    path, exc.strerror)
        return None
    log.info("Prometheus targets %s written to %s", groups[0]["targets"], path)
    return path
