"""The live page: the enriched stream on a world map, in the browser (README: "Live page").

A page server of its own beside the worker's hot path: it reads the enriched and dead-letter
topics with a group-less consumer, keeps the page's state (``streams.core.page``) and serves
it read-only over HTTP, with Server-Sent Events for live updates.
"""
