"""CPR numbers written every way the detector must catch: each separator class, each digit
script, invisible characters inside. Shared by the tests and scripts/hostile_*.py."""

from __future__ import annotations

import random
from datetime import date, timedelta

# One of each class of what may stand between the digit groups.
SEPARATORS = {
    "none": "",
    "hyphen": "-",
    "space": " ",
    "two spaces": "  ",
    "spaced hyphen": " - ",
    "dot": ".",
    "underscore": "_",
    "slash": "/",
    "colon": ":",
    "comma": ",",
    "tab": "\t",
    "newline": "\n",
    "en dash": "\u2013",
    "em dash": "\u2014",
    "minus sign": "\u2212",
    "non-breaking hyphen": "\u2011",
    "fullwidth hyphen": "\uff0d",
    "non-breaking space": "\u00a0",
    "narrow no-break space": "\u202f",
    "ideographic space": "\u3000",
    "zero-width space": "\u200b",
    "soft hyphen": "\u00ad",
    "word joiner": "\u2060",
}
# Zero for each script whose ten digits follow it in Unicode.
DIGIT_SCRIPTS = {
    "ascii": "0",
    "fullwidth": "\uff10",
    "arabic-indic": "\u0660",
    "extended arabic-indic": "\u06f0",
    "devanagari": "\u0966",
    "bengali": "\u09e6",
    "thai": "\u0e50",
    "mathematical bold": "\U0001d7ce",
}
# Where the separators go: (date groups, serial groups).
LAYOUTS = {
    "DDMMYY-SSSS": ((6,), (4,)),
    "DD-MM-YY-SSSS": ((2, 2, 2), (4,)),
    "DD-MM-YY-SS-SS": ((2, 2, 2), (2, 2)),
    "DDMMYY-SS-SS": ((6,), (2, 2)),
}


def cpr_digits(rng: random.Random) -> str:
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 90))
    return f"{born:%d%m%y}{rng.randrange(10000):04d}"


def in_script(digits: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in digits)


def written(digits: str, layout: str, separator: str, zero: str = "0") -> str:
    date_groups, serial_groups = LAYOUTS[layout]
    text, at, parts = in_script(digits, zero), 0, []
    for size in (*date_groups, *serial_groups):
        parts.append(text[at : at + size])
        at += size
    return separator.join(parts)


def every_form(digits: str) -> dict[str, str]:
    """The number in each layout x separator, and in each digit script: name -> text."""
    forms = {
        f"{layout} / {name}": written(digits, layout, sep)
        for layout in LAYOUTS
        for name, sep in SEPARATORS.items()
        # Colons between the groups of the date read as a time (core/cpr.py): 08:01:00.
        if name != "colon" or layout == "DDMMYY-SSSS"
    }
    for script, zero in DIGIT_SCRIPTS.items():
        forms[f"{script} digits"] = written(digits, "DDMMYY-SSSS", "-", zero)
    forms["zero-width inside a group"] = digits[:3] + "\u200b" + digits[3:]
    forms["mixed scripts"] = in_script(digits[:5], "\uff10") + in_script(digits[5:], "\u0660")
    return forms


def random_form(rng: random.Random) -> str:
    forms = every_form(cpr_digits(rng))
    return forms[rng.choice(sorted(forms))]


# Ids an attacker might try: each must fail the id rule (core/ids.py).
def id_forms(digits: str) -> list[str]:
    d, s = digits[:6], digits[6:]
    return [
        f"K_{d}_{s}",
        f"K.{d}.{s}",
        f"K-{d}-{s}",
        f"{d}:{s}",
        f"sb_{d}_{s}",
        f"K{digits}",
        f"x{d}y{s}",
        f"K-{digits[:2]}-{digits[2:4]}-{digits[4:6]}-{s}",
        f"K-{digits[:5]}-{digits[5:]}",
        f"K-{digits}7",
    ]
