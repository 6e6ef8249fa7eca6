"""Plain-text tables for the benchmarks' output."""

from __future__ import annotations


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Left-aligned columns as wide as their widest cell, a rule under the header."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
