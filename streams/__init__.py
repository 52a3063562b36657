"""newsstream: a Kafka stream processor that enriches news articles with entities and country tags."""

__version__ = "0.1.0"
