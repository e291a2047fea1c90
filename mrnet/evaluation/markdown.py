"""Markdown tables: the one renderer behind every table the project writes (the evaluation
report, the training run's ``quality.md``, the benchmark summary).

No third-party imports: anything may use it cheaply.
"""
from __future__ import annotations

from typing import Any, Collection, Iterable, Sequence

__all__ = ["markdown_inline", "markdown_table", "frame_markdown"]


def markdown_inline(value: Any) -> str:
    """``str(value)`` safe on one markdown table line: ``|`` escaped, newlines as spaces."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Sequence[Any], rows: Iterable[Sequence[Any]],
                   right_aligned: Collection[int] = ()) -> str:
    """A GitHub markdown table: the header ``columns`` (C names), the alignment line (the column
    positions in ``right_aligned`` right-aligned, the rest left) and one line per row (C cells
    each); every cell goes through :func:`markdown_inline`.  Lines joined by ``\\n``, no final
    newline."""
    alignment = ["---:" if i in right_aligned else "---" for i in range(len(columns))]
    lines = [_line(columns), "|" + "|".join(alignment) + "|"]
    lines += [_line(row) for row in rows]
    return "\n".join(lines)


def frame_markdown(frame, max_chars: int | None = None) -> str:
    """:func:`markdown_table` of a pandas DataFrame ``(R, C)``: its columns as the header, one
    line per row (index left out); each cell's text cut to ``max_chars`` when given."""
    def cut(value) -> str:
        return str(value) if max_chars is None else str(value)[:max_chars]

    rows = ([cut(v) for v in row] for row in frame.itertuples(index=False))
    return markdown_table(list(frame.columns), rows)


def _line(cells: Iterable[Any]) -> str:
    return "| " + " | ".join(markdown_inline(c) for c in cells) + " |"
