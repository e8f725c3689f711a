"""An evidence source for spinerules: citations from a CSL-JSON bibliography.

CSL-JSON is what Zotero, Mendeley and most reference managers export: a JSON array of items
with ``id``, ``type``, ``title``, ``author`` (``[{"family": ..., "given": ...}]``), ``issued``
(``{"date-parts": [[2021, 9, 28]]}``), ``container-title``, ``volume``, ``issue``, ``page``,
``DOI`` and an optional free-text ``note``. Set ``SPINERULES_CSL_FILE`` to the file's path and
every item becomes a :class:`spinerules.rules.Evidence` that any rule of any plugin can cite by
its CSL ``id``. Without the variable the plugin registers nothing.

Two ``note`` lines are read, one per line, case-insensitively::

    grade: moderate            (a spinerules.levels.Grade; without it the grade is None)
    study_type: systematic review   (else the CSL type, "article-journal" -> "journal article")

A file that cannot be read, or an item that cannot be turned into evidence, raises a
``ValueError`` naming the file and the item; the plugin manager reports it (or, with
``SPINERULES_STRICT_PLUGINS=1``, raises) and the assessment runs on without this plugin.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from spinerules.hookspecs import hookimpl
from spinerules.levels import Grade
from spinerules.rules import Evidence

__all__ = ["ENV", "format_citation", "load_bibliography", "register_evidence", "to_evidence"]

ENV = "SPINERULES_CSL_FILE"
#: Up to this many authors are listed; more are shortened to the first one and "et al.".
MAX_AUTHORS = 3
_TYPES = {
    "article-journal": "journal article",
    "article-magazine": "magazine article",
    "article-newspaper": "newspaper article",
    "paper-conference": "conference paper",
    "webpage": "web page",
    "post-weblog": "blog post",
}
_NOTE = re.compile(r"^\s*(grade|study_type|grade_note)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


class _ItemError(ValueError):
    pass


def _text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _ItemError(f"{key!r} must be a string, got {type(value).__name__}")
    return str(value).strip() or None


def _initials(given: str) -> str:
    """ "Jill A." -> "JA"; "Wen-Dien" -> "W-D" (Vancouver style)."""
    parts = []
    for word in given.replace(".", " ").split():
        parts.append("-".join(piece[0].upper() for piece in word.split("-") if piece))
    return "".join(parts)


def _author(person: Any) -> str:
    if not isinstance(person, Mapping):
        raise _ItemError(f"an author must be an object, got {type(person).__name__}")
    literal = person.get("literal")
    if isinstance(literal, str) and literal.strip():
        return literal.strip()
    family = person.get("family")
    if not isinstance(family, str) or not family.strip():
        raise _ItemError(f"an author has no 'family' name: {dict(person)!r}")
    particle = person.get("non-dropping-particle")
    name = f"{particle} {family.strip()}" if isinstance(particle, str) and particle else family
    given = person.get("given")
    initials = _initials(given) if isinstance(given, str) else ""
    return f"{name.strip()} {initials}".strip()


def _authors(item: Mapping[str, Any]) -> str | None:
    people = item.get("author", [])
    if not isinstance(people, list):
        raise _ItemError("'author' must be a list of {family, given} objects")
    names = [_author(p) for p in people]
    if not names:
        return None
    if len(names) > MAX_AUTHORS:
        return f"{names[0]} et al"
    return ", ".join(names)


def _year(item: Mapping[str, Any]) -> str | None:
    issued = item.get("issued")
    if issued is None:
        return None
    if not isinstance(issued, Mapping):
        raise _ItemError("'issued' must be an object with 'date-parts'")
    parts = issued.get("date-parts")
    if parts is not None:
        first = parts[0] if isinstance(parts, list) and parts else None
        year = first[0] if isinstance(first, list) and first else None
        if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).strip():
            raise _ItemError(f"'issued.date-parts' must look like [[2021, 9, 28]], got {parts!r}")
        return str(year).strip()
    for key in ("raw", "literal"):
        found = re.search(r"\b(\d{4})\b", str(issued.get(key, "")))
        if found:
            return found.group(1)
    raise _ItemError("'issued' has neither 'date-parts' nor a year in 'raw'/'literal'")


def format_citation(item: Mapping[str, Any]) -> str:
    """Vancouver-like: ``Family GI et al. Title. Container Year;Vol(Issue):Pages``."""
    title = _text(item, "title")
    if title is None:
        raise _ItemError("no 'title'")
    head = [a for a in (_authors(item), title.rstrip(".")) if a]
    source = _text(item, "container-title") or _text(item, "publisher")
    year, volume = _year(item), _text(item, "volume")
    issue, pages = _text(item, "issue"), _text(item, "page")
    where = " ".join(x for x in (source, year) if x)
    locator = (volume or "") + (f"({issue})" if issue else "") + (f":{pages}" if pages else "")
    if locator:
        where = f"{where};{locator}" if where else locator
    return ". ".join([*head, where]) if where else ". ".join(head) + "."


def _notes(item: Mapping[str, Any]) -> dict[str, str]:
    note = _text(item, "note") or ""
    found: dict[str, str] = {}
    for line in note.splitlines():
        match = _NOTE.match(line)
        if match and match.group(2):
            found.setdefault(match.group(1).lower(), match.group(2))
    return found


def _grade(text: str | None) -> Grade | None:
    if text is None:
        return None
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Grade(value)
    except ValueError:
        allowed = ", ".join(g.value for g in Grade)
        raise _ItemError(
            f"note line 'grade: {text}' is not a grade; expected one of {allowed}"
        ) from None


def to_evidence(item: Any) -> Evidence:
    """One CSL-JSON item as spinerules Evidence (raises ValueError naming what is wrong)."""
    if not isinstance(item, Mapping):
        raise _ItemError(f"an item must be an object, got {type(item).__name__}")
    evidence_id = item.get("id")
    if isinstance(evidence_id, bool) or not isinstance(evidence_id, str | int):
        raise _ItemError("no 'id' (a string)")
    evidence_id = str(evidence_id).strip()
    if not evidence_id:
        raise _ItemError("an empty 'id'")
    notes = _notes(item)
    csl_type = _text(item, "type")
    study_type = notes.get("study_type") or _TYPES.get(
        csl_type or "", (csl_type or "").replace("-", " ")
    )
    doi = _text(item, "DOI")
    return Evidence(
        id=evidence_id,
        citation=format_citation(item),
        study_type=study_type or "unknown",
        grade=_grade(notes.get("grade")),
        doi=_DOI_PREFIX.sub("", doi) if doi else None,
        grade_note=notes.get("grade_note"),
    )


def load_bibliography(path: str | os.PathLike[str]) -> list[Evidence]:
    """Every item of a CSL-JSON file as Evidence, in file order."""
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(
            f"CSL-JSON file {str(source)!r}: cannot read it: {error.strerror}"
        ) from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"CSL-JSON file {str(source)!r} is not valid JSON: {error}") from error
    if not isinstance(data, list):
        raise ValueError(
            f"CSL-JSON file {str(source)!r} must hold a JSON array of items, got {type(data).__name__}"
        )
    result: list[Evidence] = []
    seen: set[str] = set()
    for number, item in enumerate(data, start=1):
        label = f"item {number}"
        if isinstance(item, Mapping) and isinstance(item.get("id"), str | int):
            label += f" (id {str(item['id'])!r})"
        try:
            evidence = to_evidence(item)
        except _ItemError as error:
            raise ValueError(f"CSL-JSON file {str(source)!r}, {label}: {error}") from None
        if evidence.id in seen:
            raise ValueError(f"CSL-JSON file {str(source)!r}, {label}: the id is used twice")
        seen.add(evidence.id)
        result.append(evidence)
    return result


@hookimpl
def register_evidence(register: Callable[[Any], None]) -> None:
    path = os.environ.get(ENV, "").strip()
    if not path:
        return
    for evidence in load_bibliography(path):
        register(evidence)
