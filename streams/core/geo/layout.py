"""Where the title and paragraphs are in a cleaned article (``clean_article``'s layout)."""

from __future__ import annotations


def title_end(text: str) -> int:
    """Where the title ends (0: no title). ``clean_article`` joins title and body with a
    blank line; a first block that is long or ends like a sentence is a paragraph."""
    cut = text.find("\n\n")
    if cut <= 0 or cut > 250 or "\n" in text[:cut] or text[:cut].rstrip().endswith((".", "!", "?", ":")):
        return 0
    return cut
