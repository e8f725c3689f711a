"""The ``spinerules`` command line: ``spinerules assess PATIENT.json``.

Bad input exits with status 2 and one line naming the field; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .api import PROFILES, assess
from .engine import ENGINE_NAMES, durable_available, resolve_engine_name
from .errors import EngineUnavailable, InvalidPatientState
from .knowledge import KNOWLEDGE_VERSION, default_rule_base
from .text import render_text

FORMATS = ("json", "text")


def _version() -> str:
    engine = resolve_engine_name("auto")
    reason = (
        "durable-rules imports here"
        if durable_available()
        else "durable-rules does not import on this Python"
    )
    return (
        f"spinerules {__version__} (rules {KNOWLEDGE_VERSION}, {default_rule_base().hash}); "
        f"engine auto -> {engine} ({reason})"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spinerules", description="Low-back-pain decision support (not a diagnosis)."
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "assess", help="assess one person's answers (flat JSON; '-' reads stdin)"
    )
    run.add_argument("patient", help="a JSON file with the patient state, or '-' for stdin")
    run.add_argument("--format", choices=FORMATS, default="text")
    run.add_argument("--profile", choices=PROFILES, default="nice")
    run.add_argument("--engine", choices=ENGINE_NAMES, default="auto")
    return parser


def _load(path: str) -> Any:
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise InvalidPatientState(f"patient: cannot read {path!r}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise InvalidPatientState(f"patient: {path!r} is not valid JSON: {error}") from error


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        assessment = assess(_load(args.patient), profile=args.profile, engine=args.engine)
    except (InvalidPatientState, EngineUnavailable) as error:
        print(f"spinerules: error: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(assessment.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(assessment))
    return 0


if __name__ == "__main__":
    sys.exit(main())
