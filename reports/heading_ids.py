"""Babel's extractor for reports/headings.toml (reports/babel.cfg): every title, note and
column header in it is a message id of the reports' catalogue."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any


def extract_toml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    for table in tomllib.load(fileobj).values():
        for text in (table["title"], table["note"], *table["headers"]):
            if text:
                yield 0, "", text, []
