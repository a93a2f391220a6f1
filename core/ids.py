"""The one pattern every id of the contract follows: case, event and opening ids, staff ids.

An id is ASCII: a letter or digit, then letters, digits and ``. _ : -``, at most 64
characters (100 for an event id). It can hold no CPR number: the CPR detector reads it
strictly (core/cpr.py: letters separate digit groups too, and any ten digits made of whole
groups, or any ten of one longer run, whose first six are a real date are refused). So
``K-2026-000101`` is an id and ``K_010203_1234``, ``sb010203x1234`` are not. Ids reach the
workflow id, search attributes and every log line, where nothing can take them back.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from core.cpr import contains_cpr

ID_REASON = "holds a CPR-like number; ids must not carry personal identity numbers"


def _no_cpr(value: str) -> str:
    if contains_cpr(value, strict=True):
        raise ValueError(ID_REASON)
    return value


_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
_EVENT_ID = re.compile(_EVENT_ID_PATTERN)

StaffId = Annotated[str, StringConstraints(pattern=_ID), AfterValidator(_no_cpr)]
CaseId = StaffId
OpeningId = StaffId
EventId = Annotated[str, StringConstraints(pattern=_EVENT_ID_PATTERN), AfterValidator(_no_cpr)]


def is_id(value: str) -> bool:
    """The id pattern, checked outside pydantic (workflow ids a caller names)."""
    return bool(_EVENT_ID.fullmatch(value)) and not contains_cpr(value, strict=True)
