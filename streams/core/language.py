"""Language identification of article text.

CONTRACT (used by streams.core.enrich):

    detect_language(text: str) -> tuple[str, float]     ISO 639-1 code ("en") and confidence 0..1; ("und", 0.0) when unknown
"""
