"""FHIR primitive values read from plain JSON: dates, ids, references, quantities.

Each reader returns the value or None and never raises: a malformed primitive is a data-quality
issue for the caller to report with its element path, not a crash (docs/fhir.md).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["ID", "age_on", "parse_date", "read_number"]

#: FHIR R4 ``id``: 1 to 64 of A-Z a-z 0-9 - . (http://hl7.org/fhir/R4/datatypes.html#id).
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# FHIR R4 date / dateTime / instant (datatypes.html#dateTime), day precision kept.
_DATE = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>0[1-9]|1[0-2])(?:-(?P<d>0[1-9]|[12][0-9]|3[01])"
    r"(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]|\+14:00))?)?)?"
)


def parse_date(value: object) -> tuple[dt.date, str] | None:
    """A FHIR date or dateTime as (the earliest day it can mean, its precision: ``year``,
    ``month`` or ``day``); None when it is not one. The day is taken as written (the time
    zone does not move it): the mapping counts whole days."""
    if not isinstance(value, str):
        return None
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = match.group("y", "m", "d")
    try:
        parsed = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:  # 2023-02-30
        return None
    return parsed, "day" if day else "month" if month else "year"


def age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years between ``birth`` and ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def read_number(value: Any) -> int | float | None:
    """A JSON number (not a bool, not NaN), or None."""
    if type(value) is int or (type(value) is float and value == value):
        return value
    return None
