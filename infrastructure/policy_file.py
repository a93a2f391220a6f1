"""Reading the operators' policy file, and the holidays a policy snapshot carries.

Outside the core: a file and a library whose answer can change with its version. What
they give is recorded in the case's history (the policy activity's result), so a running
case keeps its deadlines whatever either says later.
"""

import tomllib
from datetime import date
from pathlib import Path

import holidays

from core.calendar_dk import in_years
from core.policy import Policy, PolicyBook
from core.statutory_rules import WarningLog, log_exemptions

# The years a snapshot carries holidays for: those around its opening. A deadline beyond
# them (rare: a long pause, late after-care) uses core/calendar_dk's computed calendar.
YEARS_BEFORE, YEARS_AFTER = 1, 9


def load_policy_book(path: Path) -> PolicyBook:
    """Read and check a policy file: every municipality's policy must validate."""
    with path.open("rb") as handle:
        book = PolicyBook.model_validate(tomllib.load(handle))
    book.for_municipality("default")
    for municipality in book.municipalities:
        book.for_municipality(municipality)
    return book


def log_statutory_exemptions(book: PolicyBook, log: WarningLog) -> int:
    """One warning per statutory exemption in use, per policy in the book (the default's
    once, a municipality's where its table sets its own); how many were written."""
    default = book.for_municipality("default").statutory
    written = log_exemptions(log, "default", default)
    for municipality in book.municipalities:
        rules = book.for_municipality(municipality).statutory
        if rules != default:
            written += log_exemptions(log, municipality, rules)
    return written


def holiday_source(years: range) -> list[date]:
    """Denmark's public holidays in `years`, as the installed `holidays` knows them."""
    return list(holidays.country_holidays("DK", years=list(years)).keys())


def with_holidays(policy: Policy, today: date) -> Policy:
    """The snapshot a new case or opening keeps: the policy and the holidays of its years."""
    years = range(today.year - YEARS_BEFORE, today.year + YEARS_AFTER + 1)
    days = in_years(holiday_source(years), years)
    return policy.model_copy(update={"holidays": days, "holiday_years": tuple(years)})
