"""Checks shared by the catalogue tests (core's texts, the reports'): every message id has
a Danish translation with its placeholders, and a catalogue compiles."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def assert_danish(
    ids: set[str], folder: Path, domain: str, translated: Callable[[str, str], bool]
) -> None:
    assert sorted(text for text in ids if not translated("da", text)) == []
    with (folder / "da" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        danish = {str(m.id): str(m.string) for m in read_po(po) if m.id}
    for text in ids:
        assert set(re.findall(r"{(\w+)", text)) == set(re.findall(r"{(\w+)", danish[text])), text


def assert_compiles(folder: Path, lang: str, domain: str) -> None:
    with (folder / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalog = read_po(po, locale=lang, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    assert compiled.getvalue() and not list(catalog.check())
