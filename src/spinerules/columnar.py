"""Population screening, columnar: a whole table at once.

``screen_table(table)`` compiles the same condition trees to polars expressions (vectorised, in
Rust) and makes the decisions of ``spinerules.principles`` as column operations (the same
functions ``assess()`` runs, on polars values: ``columnar_policy``). Per row it returns
the urgency, the red-flag ids, the STarT Back risk and the recommendation ids, identical to
``assess()`` (a differential test over generated populations holds it to that). Bad rows get
an ``error`` naming the field, the cell and what is allowed, for exactly the rows ``assess()``
rejects (tests/test_tables.py); the others are screened. ``screen_file`` streams a CSV or
Parquet file through the screen in batches, so memory is bounded by the batch.

polars is an optional dependency: ``pip install 'spinerules[batch]'``.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs
import polars as pl

from .columnar_policy import PolarsAlgebra, apply_policy, ordered_ids
from .conditions import (
    FLAG_PREFIX,
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Condition,
    Is,
    IsNot,
    Known,
    Unknown,
    translator,
)
from .errors import InvalidPatientState
from .facts import count_key, member_key
from .field_rules import CROSS_FIELD_RULES, DERIVED_MEMBERS, DerivedMember, NotAbove
from .fields import (
    ACTIVITY_ID_PATTERN,
    FIELDS,
    STARTBACK_ITEMS,
    FieldSpec,
)
from .knowledge import startback
from .levels import Urgency
from .patient import PatientState
from .registry import current_rule_base
from .rules import RuleBase
from .thresholds import Thresholds

#: Table columns for the nested and list fields of the flat JSON form.
STARTBACK_COLUMNS = tuple(f"startback_item{n}" for n in range(1, 10))
LIST_FIELDS = (
    "axspa_features",
    "preferred_activities",
    "avoid_activities",
    "clinician_cleared_flags",
)
_RANK = {u.value: u.rank for u in Urgency}
_URGENCY_BY_RANK = [u.value for u in Urgency]


def _col(key: str) -> str:
    return key.replace(".", "__")


def _compare(c: Compare) -> pl.Expr:
    column = pl.col(_col(c.key))
    ops = {"<": column.__lt__, "<=": column.__le__, ">": column.__gt__, ">=": column.__ge__}
    return ops[c.op](pl.lit(c.value)).fill_null(False)


def _is_not(c: IsNot) -> pl.Expr:
    column = pl.col(_col(c.key))
    return column.is_not_null() & (column != pl.lit(c.value)).fill_null(False)


#: The columnar backend: one translation per condition class (conditions.CONDITION_CLASSES).
#: Null is "not answered": it never matches, except in ``Unknown``.
POLARS: dict[type[Condition], Callable[[Any], pl.Expr]] = {
    Is: lambda c: (pl.col(_col(c.key)) == pl.lit(c.value)).fill_null(False),
    IsNot: _is_not,
    Compare: _compare,
    Known: lambda c: pl.col(_col(c.key)).is_not_null(),
    Unknown: lambda c: pl.col(_col(c.key)).is_null(),
    AllOf: lambda c: pl.all_horizontal([expression(m) for m in c.members]),
    AnyOf: lambda c: pl.any_horizontal([expression(m) for m in c.members]),
    AtLeast: lambda c: (
        pl.sum_horizontal([expression(m).cast(pl.Int32) for m in c.members]) >= c.count
    ),
}


def expression(condition: Condition) -> pl.Expr:
    """A condition as a polars expression (null = not answered; never a match but ``Unknown``)."""
    translate: Callable[[Any], pl.Expr] = translator(POLARS, condition, "the columnar screen")
    return translate(condition)


def _dtype(kind: str) -> Any:
    return {"bool": pl.Boolean, "int": pl.Int64, "float": pl.Float64, "enum": pl.String}[kind]


# --- cells to values -------------------------------------------------------------------------
#
# Every cell either becomes the value ``assess()`` would store for it, or marks its row with an
# error naming the field and the cell. A cell is never nulled quietly: a red-flag answer that
# failed to parse and became "not answered" would look like an unasked question, not an error.
#
# Text cells (every CSV cell, and String columns of Parquet or a DataFrame) follow the CSV rules:
# surrounding blanks are ignored, an empty cell is "not answered", booleans are true or false in
# any case, integers are digits only (no "49.0"), lists are ";"-separated. Typed cells follow
# ``PatientState.from_dict`` exactly (C13): a float is never an integer, even 49.0; a boolean is
# never a number nor a number a boolean.

#: A column the CSV reader adds: why the record itself is malformed (ragged), or null.
READ_PROBLEM = "__read_problem"
_INT_TEXT = r"^[+-]?[0-9]+$"
_FLOAT_TEXT = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_SHOWN = 78  # characters of a cell shown in an error, quotes excluded


def _quoted(text: pl.Expr) -> pl.Expr:
    """A cell as it appears in an error: double-quoted, escaped, at most ~80 characters."""
    escaped = text
    for raw, shown in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = escaped.str.replace_all(raw, shown, literal=True)
    short = (
        pl.when(escaped.str.len_chars() > _SHOWN)
        .then(pl.concat_str([escaped.str.slice(0, _SHOWN - 1), pl.lit("…")]))
        .otherwise(escaped)
    )
    return pl.concat_str([pl.lit('"'), short, pl.lit('"')])


def _text(column: pl.Expr) -> pl.Expr:
    """A text cell without surrounding blanks; empty means not answered."""
    stripped = column.str.strip_chars()
    return pl.when(stripped != "").then(stripped)


@attrs.frozen
class _Checked:
    """One field's column: the value ``assess()`` would use, whether the cell is bad, and why.

    ``bad`` is cheap and computed for every row; ``problem`` (the message, or null) only for
    the rows some ``bad`` marks, since building text for every cell costs more than the whole
    screen. ``problem`` is a check ``PatientState`` makes; ``rule_base_problem`` one only
    ``assess()`` makes (ids of this rule base), reported after every other problem, as it does.
    """

    value: pl.Expr
    bad: pl.Expr
    problem: pl.Expr
    rule_base_bad: pl.Expr | None = None
    rule_base_problem: pl.Expr | None = None


def _message(label: str, shown: pl.Expr, spec: FieldSpec, what: str = "is not allowed") -> pl.Expr:
    return pl.format(f"{label}: {{}} {what}; expected {spec.expected(table=True)}", shown)


def _scalar(label: str, column: pl.Expr, dtype: Any, spec: FieldSpec) -> _Checked:
    """A bool, int, float or enum cell, from text or from a typed column."""
    target = _dtype(spec.kind)
    if dtype == pl.Null:
        value: pl.Expr = pl.lit(None, dtype=target)
        given = pl.lit(False)
        bad: pl.Expr = pl.lit(False)
        shown = pl.lit("")
    elif dtype == pl.String or (spec.kind == "enum" and dtype in (pl.Categorical, pl.Enum)):
        text = _text(column.cast(pl.String))
        given, shown = text.is_not_null(), _quoted(text)
        if spec.kind == "bool":
            lower = text.str.to_lowercase()
            value = pl.when(lower == "true").then(True).when(lower == "false").then(False)
        elif spec.kind == "int":
            value = pl.when(text.str.contains(_INT_TEXT)).then(text).cast(pl.Int64, strict=False)
        elif spec.kind == "float":
            value = (
                pl.when(text.str.contains(_FLOAT_TEXT)).then(text).cast(pl.Float64, strict=False)
            )
        else:
            value = text
        bad = given & value.is_null()
    else:
        given, shown = column.is_not_null(), column.cast(pl.String)
        fits = (
            (spec.kind == "bool" and dtype == pl.Boolean)
            or (spec.kind == "int" and dtype.is_integer())
            or (spec.kind == "float" and (dtype.is_integer() or dtype.is_float()))
        )
        if not fits and dtype.is_nested():
            shown = pl.lit(f"a {dtype.base_type()} cell")
        # A UInt64 too large for Int64 fails the cast: out of range, not a silent null.
        value = column.cast(target, strict=False) if fits else pl.lit(None, dtype=target)
        bad = given & value.is_null()
    if spec.kind in ("int", "float"):
        low, high = spec.minimum, spec.maximum
        outside = (value < low) | (value > high)
        if spec.kind == "float":
            outside = outside | value.is_nan()
        bad = bad | outside.fill_null(False)
    elif spec.kind == "enum":
        bad = bad | (~value.is_in(list(spec.choices))).fill_null(False)
    problem: pl.Expr = pl.when(bad).then(_message(label, shown, spec))
    flagged = bad
    if spec.required:
        missing = pl.lit(f"{label}: missing (required); expected {spec.expected(table=True)}")
        problem = pl.when(~given).then(missing).otherwise(problem)
        flagged = bad | ~given
    return _Checked(pl.when(~bad).then(value), flagged, problem)


def _members(column: pl.Expr, dtype: Any) -> tuple[pl.Expr, pl.Expr | None]:
    """A list cell as a list of strings (null = none), or the expression showing why it is not."""
    if dtype == pl.Null:
        return pl.lit([], dtype=pl.List(pl.String)), None
    if dtype == pl.String:
        text = _text(column)
        items = (
            text.str.split(";")
            .list.eval(pl.element().str.strip_chars())
            .list.eval(pl.element().filter(pl.element() != ""))
        )
        return items.fill_null(pl.lit([], dtype=pl.List(pl.String))), None
    if isinstance(dtype, pl.List) and dtype.inner in (pl.String, pl.Null, pl.Categorical):
        items = column.cast(pl.List(pl.String))
        return items.fill_null(pl.lit([], dtype=pl.List(pl.String))), None
    return pl.lit([], dtype=pl.List(pl.String)), column.is_not_null()


def _collection(
    name: str, column: pl.Expr, dtype: Any, spec: FieldSpec, rule_ids: tuple[str, ...] | None
) -> _Checked:
    """A set or list field: every member well formed and distinct, then (lists) of the rule base."""
    items, not_a_list = _members(column, dtype)
    if not_a_list is not None:
        shown = pl.lit(f"a {dtype.base_type()} cell")
        expected = "a list of strings, or ;-separated text"
        message = pl.format(f"{name}: {{}} is not allowed; expected {expected}", shown)
        return _Checked(items, not_a_list, pl.when(not_a_list).then(message))
    element = pl.element()
    if spec.kind == "set":
        malformed = ~element.is_in(list(spec.choices)) | element.is_null()
        expected = "any of " + ", ".join(spec.choices)
    else:
        malformed = ~element.str.contains(ACTIVITY_ID_PATTERN) | element.is_null()
        expected = f"distinct snake_case {spec.items}"

    def first(test: pl.Expr) -> pl.Expr:
        return items.list.eval(element.filter(test)).list.first()

    def found(test: pl.Expr) -> pl.Expr:
        return items.list.eval(test).list.any().fill_null(False)

    def member_problem(test: pl.Expr, what: str, allowed: str) -> pl.Expr:
        shown = _quoted(first(test).fill_null("null"))
        message = pl.format(f"{name}: {{}} {what}; expected {allowed}", shown)
        return pl.when(found(test)).then(message)

    problem = pl.coalesce(
        member_problem(malformed, "is not allowed", expected),
        member_problem(element.is_duplicated(), "is listed twice", expected),
    )
    allowed = spec.choices if spec.kind == "set" else rule_ids
    if allowed is None:
        return _Checked(items, found(malformed | element.is_duplicated()), problem)
    # Whether the row is bad, without a per-element pass (7x faster, measured): a null, a
    # repeat, or a member outside what is allowed (the choices, or this rule base's ids, all
    # of which are well formed). Which problem it is comes later, for bad rows only.
    bad = (
        (items.list.drop_nulls().list.len() != items.list.len())
        | (items.list.unique().list.len() != items.list.len())
        | (
            items.list.set_difference(pl.lit(list(allowed), dtype=pl.List(pl.String))).list.len()
            > 0
        )
    ).fill_null(False)
    if rule_ids is None:
        return _Checked(items, bad, problem)
    noun = "a red flag" if name == "clinician_cleared_flags" else "an exercise"
    unknown = ~element.is_in(list(rule_ids))
    rule_base_problem = member_problem(
        unknown, f"is not {noun} of the rule base", "any of " + ", ".join(rule_ids)
    )
    return _Checked(items, bad, problem, None, rule_base_problem)


def _startback_columns(table: pl.DataFrame) -> pl.DataFrame:
    """A ``startback`` struct column (Parquet from JSON) becomes the flat item columns."""
    if "startback" not in table.columns:
        return table
    dtype = table.schema["startback"]
    if dtype == pl.Null:
        return table.drop("startback")
    if not isinstance(dtype, pl.Struct):
        raise InvalidPatientState(
            f"startback: a {dtype} column is not allowed; expected a struct column with fields "
            "item1..item9 (or the columns startback_item1..startback_item9)",
            fields=("startback",),
        )
    names = [f.name for f in dtype.fields]
    if unknown := [n for n in names if n not in STARTBACK_ITEMS]:
        raise InvalidPatientState(
            f"startback: unknown field {'startback.' + unknown[0]!r}; expected "
            + ", ".join(STARTBACK_ITEMS),
            fields=tuple(f"startback.{n}" for n in unknown),
        )
    if clash := [f"startback_{n}" for n in names if f"startback_{n}" in table.columns]:
        raise InvalidPatientState(
            f"startback: both a startback column and {clash[0]!r} are given; expected one",
            fields=("startback",),
        )
    column = pl.col("startback")
    items = [column.struct.field(n).alias(f"startback_{n}") for n in names]
    return table.with_columns(items).drop("startback")


def _check_columns(columns: Iterable[str], *, internal: bool = False) -> None:
    """Unknown columns are a table error: a misspelt red-flag column would silently drop every
    answer in it. Named with the nearest known name, like ``PatientState.from_dict``.

    ``internal``: the table came through the CSV reader, whose ``READ_PROBLEM`` column marks
    ragged records; in a file's own columns that name is as unknown as any other.
    """
    known = [*FIELDS, *STARTBACK_COLUMNS]
    unknown = [c for c in columns if c not in known and not (internal and c == READ_PROBLEM)]
    if not unknown:
        return
    hints = []
    for name in unknown:
        hint = f"unknown column {name!r}"
        if name == "row":
            hint += " (the results' own row number, not a patient field)"
        elif near := difflib.get_close_matches(name, known, n=1):
            hint += f"; did you mean {near[0]!r}?"
        hints.append(hint)
    hints.append("expected the patient fields (spinerules schema lists them)")
    raise InvalidPatientState("; ".join(hints), fields=tuple(unknown))


def _validate(table: pl.DataFrame, allowed_ids: Mapping[str, tuple[str, ...]]) -> pl.DataFrame:
    """Convert every cell to its field's value and give each bad row an ``error``.

    The error is the row's first problem: a malformed record, then the checks of
    ``PatientState`` in field order, then cross-field rules, then ids of the rule base, the
    order in which ``assess()`` raises, so both name the same field.
    """
    _check_columns(table.columns, internal=True)
    table = _startback_columns(table)
    schema = table.schema
    checked: dict[str, _Checked] = {}
    specs = {
        **{n: s for n, s in FIELDS.items() if n != "startback"},
        **{c: STARTBACK_ITEMS[c.removeprefix("startback_")] for c in STARTBACK_COLUMNS},
    }
    for name, spec in specs.items():
        label = name.replace("startback_", "startback.")
        if name not in schema:
            if spec.required:
                missing = f"{label}: missing (required); expected {spec.expected(table=True)}"
                none = pl.lit(None, dtype=_dtype(spec.kind))
                checked[name] = _Checked(none, pl.lit(True), pl.lit(missing))
            continue
        if spec.kind in ("set", "list"):
            ids = allowed_ids.get(name) if spec.kind == "list" else None
            checked[name] = _collection(name, pl.col(name), schema[name], spec, ids)
        else:
            checked[name] = _scalar(label, pl.col(name), schema[name], spec)
    present = [n for n in checked if n in schema]
    flags = [c.bad for c in checked.values()]
    flags += [c.rule_base_bad for c in checked.values() if c.rule_base_bad is not None]
    if READ_PROBLEM in schema:
        flags.append(pl.col(READ_PROBLEM).is_not_null())
    # One lazy pass: the optimiser computes each cell's text once for its value and its flag.
    valued = (
        table.lazy()
        .with_columns(
            [checked[n].value.alias(n) for n in present]
            + [pl.any_horizontal([pl.lit(False), *flags]).alias("__bad")]
        )
        .with_columns(pl.any_horizontal([pl.col("__bad"), *_cross(present, None)]))
        .collect()
    )
    bad = valued.get_column("__bad")
    valued = valued.drop("__bad")
    error = pl.Series("error", [None] * table.height, dtype=pl.String)
    if bad.any():
        # Messages only for the (few) bad rows: text for every cell costs more than the screen.
        error = error.scatter(bad.arg_true(), _errors(table.filter(bad), checked, present))
    return valued.with_columns(error).drop(READ_PROBLEM, strict=False)


def _not_above(rule: NotAbove) -> pl.Expr:
    return (pl.col(rule.field) > pl.col(rule.limit)).fill_null(False)


def _contradicts_source(rule: DerivedMember) -> pl.Expr:
    listed = pl.col(rule.field).list.contains(rule.member).fill_null(False)
    return (pl.col(rule.source) >= rule.below).fill_null(False) & listed


#: The columnar backend of ``field_rules``: whether a rule is broken, per rule class.
POLARS_CROSS_FIELD: dict[type, Callable[[Any], pl.Expr]] = {
    NotAbove: _not_above,
    DerivedMember: _contradicts_source,
}


def _cross(present: list[str], message: bool | None) -> list[pl.Expr]:
    """The cross-field rules on converted values: whether each fails (``message`` None), or
    its message where it fails (``message`` True). A rule reads only columns the table has."""
    rules = []
    for rule in CROSS_FIELD_RULES:
        if not all(name in present for name in rule.fields):
            continue
        test = POLARS_CROSS_FIELD[type(rule)](rule)
        pieces = [
            pl.lit(p) if isinstance(p, str) else pl.col(p.field).cast(pl.String)
            for p in rule.message
        ]
        rules.append((test, pl.concat_str(pieces)))
    if message is None:
        return [test for test, _ in rules]
    return [pl.when(test).then(text) for test, text in rules]


def _errors(table: pl.DataFrame, checked: Mapping[str, _Checked], present: list[str]) -> pl.Series:
    """Each row's first problem, in the order ``assess()`` raises them."""
    schema = table.schema
    problems = [pl.col(READ_PROBLEM)] if READ_PROBLEM in schema else []
    problems += [c.problem.alias(f"__problem_{n}") for n, c in checked.items()]
    # assess() checks the ids in this order and raises at the first (api.check_rule_ids).
    later = [
        rule_base_problem.alias(f"__later_{n}")
        for n in ("preferred_activities", "avoid_activities", "clinician_cleared_flags")
        if n in checked and (rule_base_problem := checked[n].rule_base_problem) is not None
    ]
    table = table.with_columns([checked[n].value.alias(n) for n in present] + problems + later)
    cross = _cross(present, True)
    order = [pl.col(p.meta.output_name()) for p in problems] + cross
    order += [pl.col(p.meta.output_name()) for p in later]
    error = pl.coalesce(order) if order else pl.lit(None, dtype=pl.String)
    return table.select(error.cast(pl.String).alias("error")).to_series()


def _facts(table: pl.DataFrame) -> pl.DataFrame:
    """Add the derived facts the conditions read (set members and counts), and fill absent
    columns with nulls (not answered)."""
    add = []
    for name, spec in FIELDS.items():
        if spec.kind in ("bool", "int", "float", "enum") and name not in table.columns:
            add.append(pl.lit(None, dtype=_dtype(spec.kind)).alias(name))
    for name in (*LIST_FIELDS,):
        if name not in table.columns:
            add.append(pl.lit([], dtype=pl.List(pl.String)).alias(name))
    table = table.with_columns(add)
    derived_members = {(r.field, r.member): r for r in DERIVED_MEMBERS}
    derived = []
    for spec in (f for f in FIELDS.values() if f.kind == "set"):
        items = pl.col(spec.name).fill_null(pl.lit([], dtype=pl.List(pl.String)))
        members = []
        for member in spec.choices:
            holds = items.list.contains(member)
            if (rule := derived_members.get((spec.name, member))) is not None:
                holds = holds | (pl.col(rule.source) < rule.below).fill_null(False)
            members.append(holds.fill_null(False))
            derived.append(members[-1].alias(_col(member_key(spec.name, member))))
        count = pl.sum_horizontal([m.cast(pl.Int64) for m in members])
        derived.append(count.alias(_col(count_key(spec.name))))
    return table.with_columns(derived)


def _startback_risk(answered: bool, t: Thresholds) -> pl.Expr:
    """``startback.stratify`` on the item columns; null unless all nine are answered."""
    if not answered:
        return pl.lit(None, dtype=pl.String)
    answers = {f"item{n}": pl.col(c) for n, c in enumerate(STARTBACK_COLUMNS, 1)}
    _, _, risk = startback.stratify(PolarsAlgebra(), answers, t)
    complete = pl.all_horizontal([pl.col(c).is_not_null() for c in STARTBACK_COLUMNS])
    return pl.when(complete).then(risk).otherwise(pl.lit(None, dtype=pl.String))


def screen_table(
    table: pl.DataFrame,
    *,
    thresholds: Thresholds | None = None,
    rule_base: RuleBase | None = None,
) -> pl.DataFrame:
    """Screen every row of a table whose columns are the flat patient fields.

    List fields are list columns or ``;``-separated strings; STarT Back answers are the columns
    ``startback_item1`` .. ``startback_item9``. Returns one row per input row: ``row``,
    ``urgency``, ``red_flags``, ``startback_risk``, ``recommendations`` and ``error`` (null, or
    the row's first problem naming its field; such a row has no results).
    """
    rb = rule_base if rule_base is not None else current_rule_base(thresholds)
    exercises = tuple(a.id for a in rb.activities if a.kind == "exercise")
    allowed_ids = {
        "preferred_activities": exercises,
        "avoid_activities": exercises,
        "clinician_cleared_flags": tuple(f.id for f in rb.red_flags),
    }
    checked = _validate(table, allowed_ids).with_row_index("row")
    facts = _facts(checked)
    has_startback = all(c in facts.columns for c in STARTBACK_COLUMNS)
    longest = int(facts.select(pl.col("preferred_activities").list.len().max()).item() or 0)
    frame = facts.lazy()  # one optimised plan: shared sub-expressions, parallel columns
    for stratum in rb.strata:
        frame = frame.with_columns(
            [expression(c.condition).alias(_col(FLAG_PREFIX + c.key)) for c in stratum]
        )

    lazy, d = apply_policy(frame, rb, longest)
    decided = lazy.with_columns(
        d.urgency.alias("urgency_rank"),
        _startback_risk(has_startback, rb.thresholds).alias("startback_risk"),
    ).collect()
    flags, activities = rb.red_flags, rb.activities
    red_flags = ordered_ids(
        decided, [(d.listed[f.id], d.flag_order[f.id]) for f in flags], [f.id for f in flags]
    )
    recommendations = ordered_ids(
        decided,
        [(d.recommended[a.id], d.order[a.id]) for a in activities],
        [a.id for a in activities],
    )
    ok = pl.col("error").is_null()
    return decided.select(
        pl.col("row"),
        pl.when(ok)
        .then(
            pl.col("urgency_rank").replace_strict(
                list(range(4)), _URGENCY_BY_RANK, return_dtype=pl.String
            )
        )
        .alias("urgency"),
        pl.when(ok).then(red_flags).alias("red_flags"),
        pl.when(ok).then(pl.col("startback_risk")).alias("startback_risk"),
        pl.when(ok).then(recommendations).alias("recommendations"),
        pl.col("error"),
    )


def table_schema() -> dict[str, Any]:
    """The polars schema of a patient table (every field; absent columns are also fine)."""
    schema: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if name == "startback":
            schema.update(
                {c: pl.String if c.endswith("9") else pl.Boolean for c in STARTBACK_COLUMNS}
            )
        elif spec.kind in ("set", "list"):
            schema[name] = pl.List(pl.String)
        else:
            schema[name] = _dtype(spec.kind)
    return schema


def table_from_dicts(rows: Iterable[PatientState | Mapping[str, Any]]) -> pl.DataFrame:
    """A patient table from flat JSON dicts (or PatientStates), typed by ``table_schema()``.

    Values are not validated here; ``screen_table`` reports bad rows. A value whose type does
    not fit its column (``"age": "forty"``) cannot be represented and raises, naming the row.
    """
    records = []
    for row in rows:
        data = row.to_dict() if isinstance(row, PatientState) else dict(row)
        answers: Mapping[str, Any] = data.pop("startback", None) or {}  # type: ignore[assignment]
        for n, column_name in enumerate(STARTBACK_COLUMNS, 1):
            data[column_name] = answers.get(f"item{n}")
        records.append(data)
    return pl.DataFrame(records, schema=table_schema(), strict=False)


def read_table(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a whole CSV or Parquet file of patients (by extension); CSV cells stay text.

    For files larger than memory use ``screen_file`` (or ``read_batches``), which stream.
    """
    return pl.concat([frame for frame, _ in read_batches(path, rows=2**31)], how="vertical")


def write_table(results: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write screening results as Parquet, or as CSV with ``;``-joined lists."""
    name = os.fspath(path)
    if name.endswith(".parquet"):
        results.write_parquet(name)
    elif name.endswith(".csv"):
        lists = [c for c, t in results.schema.items() if isinstance(t, pl.List)]
        results.with_columns([pl.col(c).list.join(";") for c in lists]).write_csv(name)
    else:
        raise InvalidPatientState(
            f"output: {name!r} is not allowed; expected a .csv or .parquet file", fields=("output",)
        )


def summary(results: pl.DataFrame, rule_base: RuleBase) -> list[tuple[str, int]]:
    """Counts per urgency tier, per red-flag family, and of rows with errors."""
    counts = dict(results.group_by("urgency").len().iter_rows())
    rows = [(f"urgency {u.value}", int(counts.get(u.value, 0))) for u in reversed(Urgency)]
    family = {f.id: f.family for f in rule_base.red_flags}
    exploded = (
        results.select(
            pl.col("red_flags")
            .list.eval(pl.element().replace_strict(family, default="?"))
            .list.unique()
        )
        .explode("red_flags")
        .drop_nulls()
    )
    per_family = dict(exploded.group_by("red_flags").len().iter_rows())
    rows += [
        (f"family {name}", int(per_family.get(name, 0))) for name in dict.fromkeys(family.values())
    ]
    rows.append(("rows with errors", int(results["error"].is_not_null().sum())))
    return rows


# --- files -----------------------------------------------------------------------------------
#
# A screen reads and writes in batches, so memory stays bounded whatever the file's size: a CSV
# is read in blocks cut at record boundaries, a Parquet file in row slices, and the results go
# to a temporary file beside the output that replaces it only once every row is screened (a
# failed screen never leaves half a results file looking complete).

_BLOCK_BYTES = 16 * 2**20
_HEADER_BYTES = 2**20
#: A record may span blocks (a quoted cell with newlines), but not this many bytes.
_RECORD_BYTES = 64 * 2**20


def _input_error(name: str, what: str) -> InvalidPatientState:
    return InvalidPatientState(f"input: {name!r} {what}", fields=("input",))


def _kind(name: str, role: str) -> str:
    for kind in ("csv", "parquet"):
        if name.endswith(f".{kind}"):
            return kind
    raise InvalidPatientState(
        f"{role}: {name!r} is not allowed; expected a .csv or .parquet file", fields=(role,)
    )


def _check_readable(name: str) -> str:
    kind = _kind(name, "input")
    if os.path.isdir(name):
        raise _input_error(name, "is a directory; expected a .csv or .parquet file")
    if not os.path.exists(name):
        raise _input_error(name, "cannot be read: no such file")
    return kind


def read_batches(
    path: str | os.PathLike[str], *, rows: int = 100_000
) -> Iterator[tuple[pl.DataFrame, float]]:
    """The table in a file, in batches of at most ``rows`` rows, with the fraction read so far.

    A file without rows gives one empty batch (its columns). CSV cells arrive as text (``screen_table`` converts them strictly, field by field), with a
    column saying which records are ragged; Parquet columns keep their types. A file that is
    not a table (missing, a directory, empty, NUL bytes, not UTF-8, an unclosed quote) raises
    ``InvalidPatientState`` naming the input.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"rows: {rows!r} is not allowed; expected an integer >= 1")
    name = os.fspath(path)
    if _check_readable(name) == "parquet":
        yield from _parquet_batches(name, rows)
    else:
        yield from _csv_batches(name, rows)


def _parquet_batches(name: str, rows: int) -> Iterator[tuple[pl.DataFrame, float]]:
    try:
        scan = pl.scan_parquet(name)
        _check_columns(scan.collect_schema().names())
        total = int(scan.select(pl.len()).collect().item())
        for start in range(0, max(total, 1), rows):  # no rows: one empty batch, the columns
            yield scan.slice(start, rows).collect(), min(start + rows, total) / max(total, 1)
    except (pl.exceptions.PolarsError, OSError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise _input_error(name, f"is not a readable Parquet file: {first}") from error


def _open(name: str) -> Any:
    try:
        return open(name, "rb")
    except OSError as error:
        raise _input_error(name, f"cannot be read: {error.strerror}") from error


def _csv_header(name: str, line: bytes) -> list[str]:
    """The column names of the first line, checked before any row is read."""
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as error:
        raise _input_error(name, "is not UTF-8 text (in the header line)") from error
    try:
        names = [cell.strip() for cell in next(csv.reader([text], strict=True), [])]
    except csv.Error as error:
        raise _input_error(name, f"has a malformed header line: {error}") from error
    if not any(names):
        raise _input_error(name, "has a blank header line; expected the patient fields")
    if "" in names:
        raise _input_error(name, f"has a blank column name (column {names.index('') + 1})")
    if duplicated := [n for n in dict.fromkeys(names) if names.count(n) > 1]:
        raise _input_error(name, f"has the column {duplicated[0]!r} twice")
    _check_columns(names)
    return names


def _record_end(data: bytes) -> int:
    """The length of the complete records in ``data``: up to the last newline outside quotes.

    Quotes pair up ('""' inside a quoted cell is two), so a newline ends a record exactly when
    the quotes before it are even in number. Returns 0 when no record is complete yet.
    """
    quotes = data.count(b'"')
    end = data.rfind(b"\n")
    after = 0  # quotes from ``end`` to the previous candidate
    previous = len(data)
    while end >= 0:
        after += data.count(b'"', end, previous)
        if (quotes - after) % 2 == 0:
            return end + 1
        previous = end
        end = data.rfind(b"\n", 0, end)
    return 0


def _csv_batches(name: str, rows: int) -> Iterator[tuple[pl.DataFrame, float]]:
    handle = _open(name)
    with handle:
        size = max(os.fstat(handle.fileno()).st_size, 1)
        head = handle.read(_HEADER_BYTES)
        if not head.strip():
            raise _input_error(name, "is empty; expected a header line of patient fields")
        if b"\0" in head:
            raise _input_error(name, "contains NUL bytes; expected CSV text (UTF-8)")
        newline = head.find(b"\n")
        if newline < 0 and len(head) == _HEADER_BYTES:
            raise _input_error(name, "has no line end in its first MiB; expected CSV text")
        columns = _csv_header(name, head if newline < 0 else head[:newline])
        pending = b"" if newline < 0 else head[newline + 1 :]
        line = 2  # of the first byte of ``pending``, for messages
        done, yielded = len(head) - len(pending), False  # bytes read into yielded rows
        while True:
            block = handle.read(_BLOCK_BYTES)
            data = pending + block
            end = len(data) if not block else _record_end(data)
            if block and end == 0:
                if len(data) > _RECORD_BYTES:
                    raise _input_error(name, f"has a record longer than 64 MiB at line {line}")
                pending = data
                continue
            chunk, pending = data[:end], data[end:]
            frame = _csv_frame(name, chunk, columns, line)
            line += chunk.count(b"\n")
            for start in range(0, frame.height, rows):
                yielded = True
                share = min(start + rows, frame.height) / frame.height
                yield frame.slice(start, rows), min((done + share * len(chunk)) / size, 1.0)
            done += len(chunk)
            if not block:
                if not yielded:  # no rows: one empty batch, so the columns are still known
                    yield frame, 1.0
                return


def _csv_frame(name: str, chunk: bytes, columns: list[str], line: int) -> pl.DataFrame:
    """Complete CSV records as a text table, plus why each ragged record is malformed."""
    if (nul := chunk.find(b"\0")) >= 0:
        at = line + chunk.count(b"\n", 0, nul)
        raise _input_error(name, f"contains a NUL byte at line {at}; expected CSV text (UTF-8)")
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as error:
        at = line + chunk.count(b"\n", 0, error.start)
        raise _input_error(name, f"is not UTF-8 text at line {at}") from error
    if '"' in text:
        return _quoted_csv_frame(name, text, columns, line)
    # No quotes: every line is a record and every comma separates cells (polars, vectorised).
    lines = pl.Series("line", [text]).str.split("\n").explode().str.strip_suffix("\r")
    cells = pl.col("line").str.split(",")
    frame = lines.to_frame().filter(pl.col("line").str.strip_chars() != "")
    return frame.select(
        [cells.list.get(i, null_on_oob=True).alias(c) for i, c in enumerate(columns)]
        + [_ragged(cells.list.len(), len(columns))]
    )


def _ragged(count: pl.Expr, expected: int) -> pl.Expr:
    message = pl.format(f"row: {{}} cells, but the header has {expected} columns", count)
    return pl.when(count != expected).then(message).alias(READ_PROBLEM)


def _quoted_csv_frame(name: str, text: str, columns: list[str], line: int) -> pl.DataFrame:
    """Records with quoted cells, split by Python's csv module (quotes may hold , and newlines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [r for r in reader if r and (len(r) > 1 or r[0].strip())]
    except csv.Error as error:
        at = line + reader.line_num - 1
        raise _input_error(name, f"has a malformed CSV record at line {at}: {error}") from error
    width = len(columns)
    counts = pl.Series("count", [len(r) for r in records], dtype=pl.Int64)
    padded = [r[:width] + [""] * (width - len(r)) for r in records]
    data = {c: list(cells) for c, cells in zip(columns, zip(*padded, strict=True), strict=True)}
    frame = pl.DataFrame(data or {c: [] for c in columns}, schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(counts.to_frame().select(_ragged(pl.col("count"), width)))


class _ResultWriter:
    """Results written batch by batch to a temporary file that becomes the output at the end."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.kind = _kind(target, "output")
        directory = os.path.dirname(os.path.abspath(target))
        if os.path.isdir(target):
            raise InvalidPatientState(f"output: {target!r} is a directory", fields=("output",))
        try:
            self._dir = tempfile.mkdtemp(prefix=".spinerules-screen-", dir=directory)
        except OSError as error:
            raise InvalidPatientState(
                f"output: cannot write {target!r}: {error.strerror}", fields=("output",)
            ) from error
        self._parts: list[str] = []
        self._csv: Any = None

    def write(self, part: pl.DataFrame) -> None:
        if self.kind == "csv":
            lists = [c for c, t in part.schema.items() if isinstance(t, pl.List)]
            flat = part.with_columns([pl.col(c).list.join(";") for c in lists])
            if self._csv is None:
                self._csv = open(os.path.join(self._dir, "results.csv"), "wb")  # noqa: SIM115
            flat.write_csv(self._csv, include_header=not self._parts)
            self._parts.append("results.csv")
        else:
            path = os.path.join(self._dir, f"part-{len(self._parts):06d}.parquet")
            part.write_parquet(path)
            self._parts.append(path)

    def commit(self) -> None:
        """Move the results into place; a single rename, so readers never see half of them."""
        if self._csv is not None:
            self._csv.close()
            done = os.path.join(self._dir, "results.csv")
        elif len(self._parts) == 1:
            done = self._parts[0]
        else:
            done = os.path.join(self._dir, "results.parquet")
            pl.scan_parquet(self._parts).sink_parquet(done)  # streams: bounded memory
        os.replace(done, self.target)

    def close(self) -> None:
        if self._csv is not None and not self._csv.closed:
            self._csv.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def screen_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    rows: int = 100_000,
    rule_base: RuleBase | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> list[tuple[str, int]]:
    """Screen a CSV or Parquet file into a results file, ``rows`` rows at a time.

    Memory stays bounded by the batch, not the file. Results keep the input order, and each
    ``row`` is the record's position among the data rows (0 first, blank lines skipped).
    ``progress(rows_done, fraction)`` is called after each batch. Returns ``summary()``'s
    counts over the whole file. A file with no rows is an error: a screen of nobody must not
    look like a screen that found nothing.
    """
    rb = rule_base if rule_base is not None else current_rule_base()
    source_name, target_name = os.fspath(source), os.fspath(target)
    _check_readable(source_name)
    writer = _ResultWriter(target_name)
    counts: dict[str, int] = {}
    done = 0
    try:
        for frame, fraction in read_batches(source_name, rows=rows):
            part = screen_table(frame, rule_base=rb)
            writer.write(part.with_columns(pl.col("row").cast(pl.Int64) + done))
            for name, count in summary(part, rb):
                counts[name] = counts.get(name, 0) + count
            done += frame.height
            if progress is not None:
                progress(done, fraction)
        if done == 0:
            raise _input_error(source_name, "has no rows to screen (only a header)")
        writer.commit()
    finally:
        writer.close()
    return list(counts.items())
