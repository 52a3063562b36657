"""The live page: the enriched stream on a world map, in the browser (README: "Live page").

A page server in a process of its own beside the worker (``process``): it reads the enriched and
dead-letter topics with a group-less consumer (``follower``), keeps the page's state
(``streams.core.page``) and serves it read-only over HTTP, with Server-Sent Events (``server``).
"""
