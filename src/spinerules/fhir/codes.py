"""The code tables: which SNOMED CT, LOINC, ICD-10 and ATC codes answer which field.

The table is data (``codes.tsv`` beside this module), one row per code with the source its
meaning was checked in, so a reviewer reads codes and sources without reading Python, and a
code whose meaning could not be established is simply not there (docs/fhir.md, "Codes").

This module also knows what a well-formed code of each system looks like (the SNOMED CT
Verhoeff check digit, the LOINC mod-10 check digit, the ICD-10 shape): a malformed code is a
data-quality issue for the reader, never an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

import attrs

__all__ = [
    "SYSTEMS",
    "SYSTEM_OIDS",
    "USES",
    "CodeRow",
    "canonical_system",
    "code_problem",
    "dotted_icd10",
    "loinc_check_ok",
    "lookup",
    "rows",
    "system_key",
    "verhoeff_ok",
]

#: Canonical system URIs by the short key the table uses.
SYSTEMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sct": ("http://snomed.info/sct",),
        "loinc": ("http://loinc.org",),
        "icd10": ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"),
        "atc": ("http://www.whocc.no/atc",),
    }
)
_KEY_BY_URI = {uri: key for key, uris in SYSTEMS.items() for uri in uris}
#: The HL7 OIDs of the same systems (FHIR R4 terminologies-systems.html lists each system's
#: OID): records converted from CDA or v2 often carry ``urn:oid:`` instead of the URI, and a
#: coding the reader does not recognise answers nothing, silently. Each maps to the URI it
#: stands for, and the reader says it read it so.
SYSTEM_OIDS: Mapping[str, str] = MappingProxyType(
    {
        "urn:oid:2.16.840.1.113883.6.96": "http://snomed.info/sct",
        "urn:oid:2.16.840.1.113883.6.1": "http://loinc.org",
        "urn:oid:2.16.840.1.113883.6.3": "http://hl7.org/fhir/sid/icd-10",
        "urn:oid:2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
        "urn:oid:2.16.840.1.113883.6.73": "http://www.whocc.no/atc",
    }
)
#: Systems whose table codes are prefixes ("E11" matches "E11.9").
PREFIX_SYSTEMS = frozenset({"icd10", "atc"})
USES = frozenset(
    {"current", "history", "recent", "episode", "alert", "exclude", "measure", "value", "known"}
)


@attrs.frozen
class CodeRow:
    """One row of ``codes.tsv``: a code, its meaning, the field it answers and how."""

    system: str = attrs.field(validator=attrs.validators.in_(tuple(SYSTEMS)))
    code: str
    display: str
    field: str | None
    use: str = attrs.field(validator=attrs.validators.in_(USES))
    source: str

    @property
    def coding(self) -> dict[str, str]:
        """The FHIR Coding of this row (the first URI of its system)."""
        return {"system": SYSTEMS[self.system][0], "code": self.code, "display": self.display}


@cache
def rows() -> tuple[CodeRow, ...]:
    """Every row of the table, in file order."""
    text = resources.files(__package__).joinpath("codes.tsv").read_text(encoding="utf-8")
    found: list[CodeRow] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 6:
            raise ValueError(f"codes.tsv line {number}: expected 6 tab-separated cells")
        system, code, display, field, use, source = cells
        found.append(CodeRow(system, code, display, None if field == "-" else field, use, source))
    return tuple(found)


@cache
def _index() -> Mapping[tuple[str, str], tuple[CodeRow, ...]]:
    index: dict[tuple[str, str], list[CodeRow]] = {}
    for row in rows():
        index.setdefault((row.system, _norm(row.system, row.code)), []).append(row)
    return MappingProxyType({key: tuple(value) for key, value in index.items()})


def _norm(system: str, code: str) -> str:
    return code.strip().upper() if system in PREFIX_SYSTEMS else code.strip()


def system_key(uri: object) -> str | None:
    """The table's key for a system URI (``sct``, ``loinc``, ``icd10``, ``atc``), or None."""
    return _KEY_BY_URI.get(uri) if isinstance(uri, str) else None


def canonical_system(uri: object) -> str | None:
    """The canonical URI a non-canonical spelling of a known system stands for (an HL7 OID,
    ``https``, a trailing slash, other letter case, surrounding spaces), or None when ``uri`` is
    canonical already or names no system of the table. The caller reports the spelling."""
    if not isinstance(uri, str) or uri in _KEY_BY_URI:
        return None
    plain = uri.strip()
    if plain.lower() in SYSTEM_OIDS:
        return SYSTEM_OIDS[plain.lower()]
    plain = plain.rstrip("/").lower()
    if plain.startswith("https://"):
        plain = "http://" + plain.removeprefix("https://")
    return next((known for known in _KEY_BY_URI if known.lower() == plain), None)


def _prefixes(code: str) -> Iterator[str]:
    """``E11.9`` -> ``E11.9``, ``E11.``, ``E11``, ``E1``, ``E``: longest first."""
    for end in range(len(code), 0, -1):
        yield code[:end]


def lookup(system: str, code: str) -> tuple[CodeRow, ...]:
    """The rows that a code matches: exact for SNOMED CT and LOINC; for ICD-10 and ATC the
    longest matching prefix, so an ``exclude`` row (C44 under C) wins over the broader one."""
    index = _index()
    code = _norm(system, code)
    if system not in PREFIX_SYSTEMS:
        return index.get((system, code), ())
    for prefix in _prefixes(code):
        found = index.get((system, prefix.rstrip(".")))
        if found:
            return found
    return ()


# --- check digits and shapes ---------------------------------------------------------------

# Verhoeff's dihedral-group multiplication table (Verhoeff 1969), as the SNOMED CT technical
# reference guide uses it for the last digit of every identifier.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
# The position permutation: _P[i] is Verhoeff's permutation (1 5 7 6 2 8 3 0 9 4) applied i
# times, built here rather than typed out, so no table row can be mistyped.
_PERMUTATION = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P: tuple[tuple[int, ...], ...] = (tuple(range(10)),)
for _ in range(7):
    _P = (*_P, tuple(_PERMUTATION[n] for n in _P[-1]))

_SCTID = re.compile(r"[1-9][0-9]{5,17}")
# SNOMED CT partition identifiers of concepts: 00 (core), 10 (extension).
_CONCEPT_PARTITIONS = ("00", "10")
_LOINC = re.compile(r"([0-9]{1,7})-([0-9])")
_LOINC_ANSWER = re.compile(r"LA[0-9]{1,8}-[0-9]")
_ICD10 = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?")
_ATC = re.compile(r"[A-Z](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?")


def verhoeff_ok(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit."""
    if not digits.isdigit() or not digits.isascii():
        return False
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def loinc_check_ok(code: str) -> bool:
    """True when a LOINC code's digit after the hyphen is its mod-10 check digit (LOINC
    Users' Guide: the Luhn scheme over the digits before the hyphen)."""
    match = _LOINC.fullmatch(code)
    if match is None:
        return False
    total = 0
    for position, digit in enumerate(reversed(match.group(1))):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(match.group(2))


_ICD10_DOTLESS = re.compile(r"([A-Z][0-9][0-9A-Z])([0-9A-Z]{1,4})")


def dotted_icd10(code: str) -> str | None:
    """``R33.9`` for ``R339`` or `` r33.9 ``: an ICD-10 code as claims and many exports write
    it (no dot, spaces, lower case), or None when ``code`` is already written as the table
    writes it or is no ICD-10 code at all. Read as written, ``R339`` matched no prefix and a
    coded urinary retention answered nothing."""
    plain = code.strip().upper()
    match = _ICD10_DOTLESS.fullmatch(plain)
    dotted = f"{match.group(1)}.{match.group(2)}" if match else plain
    return dotted if dotted != code and _ICD10.fullmatch(dotted) else None


def code_problem(system: str, code: str) -> str | None:
    """Why a code is not a well-formed code of its system, or None when it is."""
    if system == "sct":
        if _ICD10.fullmatch(code.upper()):
            return f"{code!r} looks like an ICD-10 code, not a SNOMED CT id"
        if not _SCTID.fullmatch(code):
            return f"{code!r} is not a SNOMED CT id (6 to 18 digits)"
        if not verhoeff_ok(code):
            return f"{code!r} fails the SNOMED CT Verhoeff check digit"
        return None
    if system == "loinc":
        if _LOINC_ANSWER.fullmatch(code):
            return None
        if _SCTID.fullmatch(code):
            return f"{code!r} looks like a SNOMED CT id, not a LOINC code"
        if not loinc_check_ok(code):
            return f"{code!r} is not a LOINC code with a valid check digit"
        return None
    if system == "icd10":
        if code.isdigit():
            return f"{code!r} looks like a SNOMED CT id, not an ICD-10 code"
        if not _ICD10.fullmatch(code.upper()):
            return f"{code!r} is not an ICD-10 code (a letter, two characters, then .subcode)"
        return None
    if system == "atc" and not _ATC.fullmatch(code.upper()):
        return f"{code!r} is not an ATC code"
    return None


def concept_partition_ok(sctid: str) -> bool:
    """True when a SNOMED CT id's partition identifier (its 2nd and 3rd digits from the
    right) says it is a concept id, not a description or relationship id."""
    return len(sctid) >= 3 and sctid[-3:-1] in _CONCEPT_PARTITIONS


# --- labels -----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
# Anchored at the end of a right-stripped label: a leading ``\s*`` made ``sub`` quadratic on a
# long run of spaces (a hostile display took seconds per 20,000 characters).
_SEMANTIC_TAG = re.compile(r"\([a-z /]+\)$")
# Words too common in clinical terms to show two labels mean the same thing.
_COMMON = frozenset(
    {
        "of", "the", "and", "or", "with", "without", "in", "on", "to", "a", "an", "by",
        "disorder", "finding", "situation", "disease", "syndrome", "other", "unspecified",
        "score", "reported", "total", "history", "type", "status", "mellitus", "patient",
    }
)  # fmt: skip
# Spelling families whose variants name one thing (British/American, lay/clinical).
_SAME = {
    "feces": "faec", "faeces": "faec", "fecal": "faec", "faecal": "faec", "stool": "faec",
    "anesthesia": "anaesth", "anaesthesia": "anaesth", "tumor": "neoplasm", "tumour": "neoplasm",
    "cancer": "neoplasm", "malignancy": "neoplasm", "malignant": "neoplasm", "carcinoma": "neoplasm",
    "diabetic": "diabetes", "hypertensive": "hypertension", "smoking": "smoke", "smoker": "smoke",
    "smoked": "smoke", "smokes": "smoke", "smokers": "smoke", "pregnancy": "pregnan",
    "pregnant": "pregnan", "urinary": "urine", "urination": "urine", "aortic": "aorta",
    "temperature": "temp", "immunocompromised": "immun", "immunosuppressed": "immun",
    "immunodeficiency": "immun", "immunosuppression": "immun", "hiv": "immun",
    "emphysema": "copd", "obstructive": "copd", "pyrexia": "fever", "febrile": "fever",
    "bmi": "mass", "injecting": "injection", "intravenous": "injection", "drugs": "drug",
}  # fmt: skip


def _words(label: str) -> set[str]:
    label = _SEMANTIC_TAG.sub("", label.lower().rstrip())
    return {_SAME.get(w, w) for w in _WORD.findall(label) if w not in _COMMON}


def label_contradicts(row: CodeRow, display: str) -> bool:
    """True when a coding's display shares no meaningful word with the table's meaning of
    its code: "Saddle anesthesia" on 271594007 (Syncope). Wording varies between releases
    and editions ("Never smoker" / "Never smoked tobacco"), so any shared word is agreement;
    this catches a label written for another code, not a paraphrase."""
    theirs = _words(display)
    ours = _words(row.display) | _words(row.field.replace("_", " ") if row.field else "")
    return bool(theirs) and not (theirs & ours)
