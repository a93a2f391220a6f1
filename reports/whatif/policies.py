"""A policy file read for a what-if, refused whole with the file, the key and the reason
before anything is read from the database."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from core.policy import PolicyBook


class PolicyFileError(Exception):
    def __init__(self, path: Path, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path, self.key, self.reason = path, key, reason


def read_policy(path: Path) -> PolicyBook:
    """Every municipality's policy in the file, each checked as a case would take it."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as error:
        raise PolicyFileError(path, "<file>", error.strerror or str(error)) from error
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(path, "<toml>", str(error)) from error
    try:
        book = PolicyBook.model_validate(raw)
    except ValidationError as error:
        raise _refusal(path, "", error) from error
    for name in ("default", *book.municipalities):
        prefix = "default." if name == "default" else f'municipalities."{name}".'
        try:
            book.for_municipality(name)
        except ValidationError as error:
            raise _refusal(path, prefix, error) from error
    return book


def _refusal(path: Path, prefix: str, error: ValidationError) -> PolicyFileError:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "<top>"
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "is not a policy key"
    return PolicyFileError(path, prefix + key, reason)
