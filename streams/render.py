"""Human-readable views of enriched articles and dead letters (demo, consume)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

NAME_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT")


def article_panel(record: dict[str, Any], *, top: int = 10) -> Table:
    """Title, dateline, countries (focus first) and the top names of each kind in one enriched article."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold cyan", justify="right")
    table.add_column()
    table.add_row("article", Text(record.get("title") or record["text"][:80], style="bold"))
    table.add_row("id", record["id"])
    dateline = record.get("dateline")
    if dateline:
        parts = [dateline.get("location"), dateline.get("country"), dateline.get("date"), dateline.get("agency")]
        table.add_row("dateline", " · ".join(p for p in parts if p))
    table.add_row("language", f"{record['language']} ({record['language_score']:.2f})")
    countries = sorted(record["countries"], key=lambda c: (not c["focus"], -c["score"]))
    table.add_row(
        "countries",
        ", ".join(
            f"{'*' if c['focus'] else ''}{c['code']} {c['name']} ×{c['count']} ({c['score']:.2f})" for c in countries
        )
        or "-",
    )
    shown = False
    for label in NAME_LABELS:  # one row per kind of name, most mentioned first
        names = [e for e in record["entities"] if e["label"] == label][:top]
        if names:
            table.add_row(label, ", ".join(f"{e['text']} ×{e['count']}" for e in names))
            shown = True
    if not shown:
        table.add_row("entities", "-")
    return table


def dead_letter_line(record: dict[str, Any]) -> str:
    source = record.get("source_offset") or {}
    where = f"{source.get('topic')}[{source.get('partition')}]@{source.get('offset')}" if source else "?"
    return f"dead letter {where}: {record['error']['code']}: {record['error']['reason']}"


def print_article(console: Console, record: dict[str, Any]) -> None:
    console.print(article_panel(record))
    console.print()


def trend_table(status: str, body: dict[str, Any]) -> Table | Text:
    """One trend record (``newsstream trends``) as a table of its top keys, or why there is none."""
    if not status.startswith("200"):
        return Text(f"{status}: {body.get('error', '')}", style="yellow")
    window = body["window"]
    title = (f"{body['kind']} · {window['start']} - {window['end']} · {body['articles']} articles"
             f"{' · final' if body['final'] else ''} · updated {body['updated_at']}")
    table = Table(title=title)
    for name, justify in (("#", "right"), ("key", "left"), ("label", "left"), ("articles", "right")):
        table.add_column(name, justify=justify)
    for rank, row in enumerate(body["top"], 1):
        table.add_row(str(rank), Text(row["key"]), Text(row.get("label", "")), str(row["count"]))
    return table
