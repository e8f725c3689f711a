"""The ``spinerules`` command line.

``assess`` screens one person; ``checkin``, ``course`` and ``export`` follow a person over
weekly check-ins (a SQLite store); ``plugins``, ``rules``, ``formats`` and ``schema`` describe the
installation. Bad input exits with status 2 and one line naming the field; no traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from . import __version__, jsonio
from .api import assess, render
from .catalogue import catalogue_markdown
from .engine import ENGINE_NAMES, durable_available, resolve_engine_name
from .errors import EngineUnavailable, InvalidPatientState, SpinerulesError
from .fhir import reading as fhir_reading
from .output_schema import assessment_schema
from .patient import patient_state_schema
from .registry import current_formats, current_rule_base, get_plugins


def _version() -> str:
    engine = resolve_engine_name("auto")
    why = (
        "durable-rules imports here"
        if durable_available()
        else "durable-rules does not import on this Python"
    )
    rb = current_rule_base()
    return (
        f"spinerules {__version__} (rules {rb.version}, {rb.hash}); engine auto -> {engine} ({why})"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spinerules", description="Low-back-pain decision support (not a diagnosis)."
    )
    parser.add_argument("--version", action="version", version="%(prog)s")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "assess", help="assess one person's answers (flat JSON; '-' reads stdin)"
    )
    run.add_argument("patient", help="a JSON file with the patient state, or '-' for stdin")
    run.add_argument("--format", default="text", help="an output format (see: spinerules formats)")
    run.add_argument(
        "--profile", default="nice", help="guideline profile: nice, acp, or one a plugin adds"
    )
    run.add_argument("--engine", choices=ENGINE_NAMES, default="auto")
    run.add_argument(
        "--reference-date",
        metavar="YYYY-MM-DD",
        help="FHIR input: the day the record is read for (age, recent records); default today",
    )
    commands.add_parser(
        "plugins", help="list loaded plugins, their versions, hooks and contributions"
    )
    rules = commands.add_parser("rules", help="the rule catalogue, generated from the rules")
    rules.add_argument("--family", help="only this red-flag family (e.g. cauda_equina)")
    screen = commands.add_parser("screen", help="screen a population table (CSV or Parquet)")
    screen.add_argument(
        "input", help="patients.csv or patients.parquet (columns: the patient fields)"
    )
    screen.add_argument("-o", "--output", required=True, help="results.parquet or results.csv")
    screen.add_argument(
        "--chunk",
        default="100000",
        metavar="ROWS",
        help="rows screened per batch (memory is bounded by the batch, not the file)",
    )
    screen.add_argument(
        "--dask",
        nargs="?",
        const="",
        default=None,
        metavar="SCHEDULER",
        help="screen on a Dask cluster (tcp://host:8786), or on 2 local worker processes "
        "when no address is given; INPUT may be a directory of .parquet parts",
    )
    commands.add_parser("formats", help="list output formats")
    serve = commands.add_parser(
        "serve",
        help="the CDS Hooks service and web questionnaire (pip install 'spinerules[serve]')",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port", type=int, default=8080, help="port; 0 picks a free one (the URL is printed first)"
    )
    serve.add_argument("--db", help="SQLite file for CDS Hooks feedback (default: in memory)")
    serve.add_argument(
        "--trust",
        metavar="FILE",
        help="JSON: trusted JWT issuers (iss, jku, jwks) and fhir_servers",
    )
    serve.add_argument(
        "--public-url", help="the base URL EHRs call (the JWT aud); default the bound URL"
    )
    serve.add_argument("--engine", choices=ENGINE_NAMES, default="auto")
    serve.add_argument(
        "--insecure-dev", action="store_true", help="turn JWT verification off (development only)"
    )
    form = commands.add_parser("questionnaire", help="the published questionnaire of the fields")
    form.add_argument(
        "--format", choices=("fhir",), default="fhir", help="fhir: a FHIR R4 Questionnaire"
    )
    week = commands.add_parser(
        "checkin", help="store one weekly check-in and print the week's result"
    )
    week.add_argument("checkin", help="a JSON file with the check-in, or '-' for stdin")
    course = commands.add_parser("course", help="a person's course, re-evaluated from the store")
    for sub in (week, course):
        sub.add_argument("--db", default="journeys.sqlite", help="the check-in store (SQLite)")
        sub.add_argument("--person", required=True, help="the person's pseudonymous id")
        sub.add_argument("--format", default="text", help="an output format")
        sub.add_argument("--profile", default="nice", help="guideline profile")
        sub.add_argument("--engine", choices=ENGINE_NAMES, default="auto")
        sub.add_argument("--today", metavar="YYYY-MM-DD", help="the day it is (default: today)")
    dump = commands.add_parser("export", help="every stored check-in (CSV or JSON)")
    dump.add_argument("--db", default="journeys.sqlite", help="the check-in store (SQLite)")
    dump.add_argument("--format", choices=("csv", "json"), default="csv")
    schema = commands.add_parser("schema", help="the patient-state JSON Schema")
    schema.add_argument(
        "--output", action="store_true", help="the Assessment (output) JSON Schema instead"
    )
    return parser


def _load(path: str) -> Any:
    """The patient JSON object, read through ``jsonio`` (size, depth, duplicate keys, UTF-8).

    A FHIR resource (an object with ``resourceType``) may be as large and deep as
    ``fhir.reading`` allows; anything else keeps the patient document's limits."""
    source = "patient (stdin)" if path == "-" else f"patient {jsonio.quote(path, 160)}"
    limit = fhir_reading.MAX_BYTES
    try:
        if path == "-":
            raw = getattr(sys.stdin, "buffer", sys.stdin).read(limit + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(limit + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InvalidPatientState(f"{source}: cannot read: {reason}") from error
    try:
        data = jsonio.loads(raw, source=source)  # the patient document's limits
    except InvalidPatientState:
        if ('"resourceType"' if isinstance(raw, str) else b'"resourceType"') not in raw:
            raise
        data = jsonio.loads(raw, source=source, max_bytes=limit, max_depth=fhir_reading.MAX_DEPTH)
        if not (isinstance(data, dict) and "resourceType" in data):
            raise
    if not isinstance(data, dict):
        kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
        kind = kinds.get(type(data), "a number")
        raise InvalidPatientState(f"{source}: {kind} is not allowed; expected a JSON object")
    return data


def _assess(args: argparse.Namespace) -> None:
    formats = current_formats()
    if args.format not in formats:
        raise InvalidPatientState(
            f"--format: {args.format!r} is not a format; expected one of {', '.join(sorted(formats))}"
        )
    data = _load(args.patient)
    options: dict[str, Any] = {"color": sys.stdout.isatty()} if args.format == "text" else {}
    if "resourceType" in data:  # FHIR: map it, say what could not be mapped, then assess
        reading = fhir_reading.read(data, reference_date=_reference_date(args.reference_date))
        _print_issues(reading.issues)
        data = reading.require_state()
        if args.format == "fhir":
            options.update(patient_ref=reading.patient_ref, reading=reading)
    assessment = assess(data, profile=args.profile, engine=args.engine)
    text = render(assessment, args.format, **options)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _course(args: argparse.Namespace) -> None:
    """``checkin``, ``course`` and ``export`` (spinerules.course); the store is opened only
    after the arguments and the check-in are valid, so bad input writes nothing."""
    from . import course
    from .course import model

    if args.command == "export":
        if not os.path.exists(args.db):
            raise InvalidPatientState(f"--db: {jsonio.quote(args.db, 160)} does not exist")
        sys.stdout.write(course.export(args.db, args.format))
        return
    formats = current_formats()
    if args.format not in formats:
        raise InvalidPatientState(
            f"--format: {args.format!r} is not a format; expected one of {', '.join(sorted(formats))}"
        )
    today = None if args.today is None else model.parse_date(args.today, "--today")
    model.check_person(args.person)
    options: dict[str, Any] = {"color": sys.stdout.isatty()} if args.format == "text" else {}
    if args.command == "checkin":
        data = _load(args.checkin)
        item = course.CheckIn.from_dict(data, today=today or dt.date.today())
        week = course.checkin(
            args.db, args.person, item, engine=args.engine, profile=args.profile, today=today
        )
        text = course.render_week(week, args.format, **options)
    else:
        if not os.path.exists(args.db):
            raise InvalidPatientState(f"--db: {jsonio.quote(args.db, 160)} does not exist")
        result = course.course(
            args.db, args.person, engine=args.engine, profile=args.profile, today=today
        )
        text = course.render_course(result, args.format, **options)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _reference_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidPatientState(
            f"--reference-date: {text[:40]!r} is not allowed; expected a date YYYY-MM-DD",
            fields=("--reference-date",),
        ) from None


#: At most this many mapping issues are printed; the rest are counted.
MAX_ISSUES_SHOWN = 50


def _print_issues(found: Sequence[Any]) -> None:
    """One line per FHIR mapping issue on stderr, so a partly mapped record is never silent."""
    issues = [i for i in found if i.severity != "error"]  # errors end in the error line
    for issue in issues[:MAX_ISSUES_SHOWN]:
        print(
            _one_line(f"spinerules: fhir {issue.severity}: {issue.path}: {issue.message}"),
            file=sys.stderr,
        )
    if len(issues) > MAX_ISSUES_SHOWN:
        print(
            f"spinerules: fhir: ... and {len(issues) - MAX_ISSUES_SHOWN} more issues",
            file=sys.stderr,
        )


def _chunk_rows(text: str) -> int:
    """``--chunk``: a whole number of rows, 1 or more (0 would never finish a batch)."""
    try:
        rows = int(text.strip().replace("_", ""))
    except ValueError:
        rows = 0
    if rows < 1:
        raise InvalidPatientState(
            f"--chunk: {text[:40]!r} is not allowed; expected a whole number of rows, 1 or more",
            fields=("--chunk",),
        )
    return rows


def _screen(args: argparse.Namespace) -> None:
    rows = _chunk_rows(args.chunk)
    try:
        from . import columnar
    except ImportError as error:
        raise InvalidPatientState(
            f"screen needs polars: pip install 'spinerules[batch]' ({error})"
        ) from error

    def progress(done: int, fraction: float) -> None:
        filled = int(30 * fraction)
        total = f"{done:,}" if fraction >= 1 else "?"
        print(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total} rows",
            end="",
            file=sys.stderr,
        )

    try:
        if args.dask is None:
            counts = columnar.screen_file(args.input, args.output, rows=rows, progress=progress)
        else:  # the same screen, its slices run on a Dask cluster (dask_client says if absent)
            from . import dask_screen

            with dask_screen.dask_client(args.dask or None) as client:
                counts = dask_screen.screen_dask(
                    args.input, args.output, client=client, rows=rows, progress=progress
                )
    finally:
        print(file=sys.stderr)
    width = max(len(name) for name, _ in counts)
    print(f"{'':{width}}  {'rows':>10}")
    for name, count in counts:
        print(f"{name:{width}}  {count:>10,}")
    print(f"results: {args.output}")


def _serve(args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        raise InvalidPatientState(f"--port: {args.port} is not allowed; expected 0..65535")
    try:
        from .serve import load_trust
        from .serve.run import serve
    except ImportError as error:
        raise InvalidPatientState(
            f"serve needs its extra: pip install 'spinerules[serve]' ({error})"
        ) from error
    trusted, servers = load_trust(args.trust) if args.trust else ((), ())
    serve(
        args.host,
        args.port,
        db=args.db,
        insecure_dev=args.insecure_dev,
        trusted=trusted,
        fhir_servers=servers,
        public_url=args.public_url,
        engine=args.engine,
    )


def _plugins() -> None:
    plugins = get_plugins()
    current_rule_base()  # building records what each plugin contributed
    current_formats()
    hooks: dict[str, set[str]] = {}
    versions: dict[str, str] = {}
    for info in plugins.info():
        name = plugins.display_name(info.name)
        hooks.setdefault(name, set()).update(info.hooks)
        versions[name] = __version__ if info.builtin else (info.version or "?")
    for name in sorted(hooks, key=lambda n: (n != "spinerules", n)):
        items = plugins.contributions.get(name, [])
        builtin = " (built-in)" if name == "spinerules" else ""
        print(f"{name} {versions[name]}{builtin}")
        print(f"  hooks: {', '.join(sorted(hooks[name]))}")
        print(f"  contributes ({len(items)}): {', '.join(items) or '-'}")
    for failure in plugins.failures:
        print(f"FAILED {failure.plugin} ({failure.stage}): {failure.error}")


def _one_line(text: str, limit: int = 300) -> str:
    """Errors are one line a person can read: no traceback, no screenful of echoed input."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _warn_dropped_plugins() -> None:
    """One line per plugin that was skipped: a result without it must not look complete."""
    for failure in get_plugins().failures:
        print(
            _one_line(
                f"spinerules: warning: plugin {failure.plugin} was dropped ({failure.stage}): "
                f"{failure.error}"
            ),
            file=sys.stderr,
        )


def _run(args: argparse.Namespace) -> None:
    if args.command == "assess":
        _assess(args)
    elif args.command == "plugins":
        _plugins()
    elif args.command == "screen":
        _screen(args)
    elif args.command == "rules":
        rb = current_rule_base()
        families = {f.family for f in rb.red_flags}
        if args.family and args.family not in families:
            raise InvalidPatientState(
                f"--family: {args.family!r} is not a family; expected one of {', '.join(sorted(families))}"
            )
        sys.stdout.write(catalogue_markdown(rb, args.family))
    elif args.command == "serve":
        _serve(args)
    elif args.command in ("checkin", "course", "export"):
        _course(args)
    elif args.command == "formats":
        for fmt in current_formats().values():
            print(f"{fmt.name}\t{fmt.media_type}\t{fmt.plugin}\t{fmt.description}")
    elif args.command == "questionnaire":
        from .fhir.questionnaire import questionnaire

        print(json.dumps(questionnaire(), indent=2, ensure_ascii=False))
    elif args.command == "schema":
        schema = assessment_schema() if args.output else patient_state_schema()
        print(json.dumps(schema, indent=2, ensure_ascii=False))
    sys.stdout.flush()  # a closed or full stdout fails here, inside the error handling


class _OutputError(Exception):
    """Writing the result failed (stdout closed, the reader gone, the disk full)."""


class _Stdout:
    """stdout for one command: a failed write is told apart from a failure in the work itself."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def write(self, text: str) -> int:
        try:
            return int(self._raw.write(text))
        except (OSError, ValueError) as error:
            raise _OutputError(getattr(error, "strerror", None) or str(error)) from error

    def flush(self) -> None:
        try:
            self._raw.flush()
        except (OSError, ValueError) as error:
            raise _OutputError(getattr(error, "strerror", None) or str(error)) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status: 0 with the result written, 2 for bad input, 1 for anything else.

    The CLI never exits 0 without having written its result: a ``SystemExit`` or any other
    exception raised from plugin code, a format or a closed stdout becomes one line on stderr
    and status 1 (``SPINERULES_DEBUG=1`` shows the traceback instead).
    """
    parser = _parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if "--version" in args_list:
        print(_version())
        return 0
    args = parser.parse_args(args_list)
    raw = sys.stdout
    status = 0
    try:
        if raw is None or raw.closed:
            raise _OutputError("stdout is closed")
        sys.stdout = _Stdout(raw)
        _run(args)
    except KeyboardInterrupt:
        raise
    except (InvalidPatientState, EngineUnavailable) as error:
        print("spinerules: error: " + _one_line(str(error)), file=sys.stderr)
        status = 2
    except SpinerulesError as error:
        if os.environ.get("SPINERULES_DEBUG") and error.__cause__ is not None:
            traceback.print_exc(file=sys.stderr)  # a plugin's failure, wrapped: show where
        print("spinerules: error: " + _one_line(str(error)), file=sys.stderr)
        status = 1
    except _OutputError as error:
        print(
            f"spinerules: error: cannot write the result: {_one_line(str(error))}", file=sys.stderr
        )
        _silence_stdout(raw)
        status = 1
    except BaseException as error:  # SystemExit from plugin code included: never a silent 0
        if os.environ.get("SPINERULES_DEBUG"):  # the traceback, but still not a silent 0
            traceback.print_exc(file=sys.stderr)
        name = type(error).__name__
        print(
            f"spinerules: internal error: {name}: {_one_line(str(error))} "
            "(set SPINERULES_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        status = 1
    finally:
        if isinstance(sys.stdout, _Stdout):
            sys.stdout = raw
    if args.command in ("assess", "screen", "checkin", "course"):
        _warn_dropped_plugins()
    return status


def _silence_stdout(raw: Any) -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, raw.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
