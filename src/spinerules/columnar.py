"""Population screening, columnar: a whole table at once.

``screen_table(table)`` compiles the same condition trees to polars expressions (vectorised, in
Rust) and writes the safety policy of ``policy.py`` as column operations. Per row it returns
the urgency, the red-flag ids, the STarT Back risk and the recommendation ids, identical to
``assess()`` (a differential test over generated populations holds it to that). Bad rows get
an ``error`` naming the field and what is allowed; the others are screened.

polars is an optional dependency: ``pip install 'spinerules[batch]'``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

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
)
from .errors import InvalidPatientState
from .facts import count_key, member_key
from .fields import AXSPA_FEATURES, FIELDS, STARTBACK_ITEM9_CHOICES, FieldSpec
from .knowledge import startback
from .levels import Urgency
from .patient import PatientState
from .policy import (
    CORE_SAFETY_QUESTIONS,
    INCOMPLETE_SCREEN_PLAN,
    LIMITED_PLAN,
    _grade,
)
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


def expression(condition: Condition) -> pl.Expr:
    """A condition as a polars expression (null = not answered; never a match but ``Unknown``)."""
    if isinstance(condition, Is):
        return (pl.col(_col(condition.key)) == pl.lit(condition.value)).fill_null(False)
    if isinstance(condition, IsNot):
        column = pl.col(_col(condition.key))
        return column.is_not_null() & (column != pl.lit(condition.value)).fill_null(False)
    if isinstance(condition, Compare):
        column = pl.col(_col(condition.key))
        ops = {"<": column.__lt__, "<=": column.__le__, ">": column.__gt__, ">=": column.__ge__}
        return ops[condition.op](pl.lit(condition.value)).fill_null(False)
    if isinstance(condition, Known):
        return pl.col(_col(condition.key)).is_not_null()
    if isinstance(condition, Unknown):
        return pl.col(_col(condition.key)).is_null()
    if isinstance(condition, AllOf):
        return pl.all_horizontal([expression(m) for m in condition.members])
    if isinstance(condition, AnyOf):
        return pl.any_horizontal([expression(m) for m in condition.members])
    if isinstance(condition, AtLeast):
        counts = [expression(m).cast(pl.Int32) for m in condition.members]
        return pl.sum_horizontal(counts) >= condition.count
    raise TypeError(f"cannot vectorise {type(condition).__name__}")


def _dtype(kind: str) -> Any:
    return {"bool": pl.Boolean, "int": pl.Int64, "float": pl.Float64, "enum": pl.String}[kind]


def _split_lists(table: pl.DataFrame) -> pl.DataFrame:
    """CSV has no lists: accept ``a;b`` strings for the list fields."""
    fixes = []
    for name in LIST_FIELDS:
        if name in table.columns and table.schema[name] == pl.String:
            fixes.append(
                pl.col(name)
                .str.split(";")
                .list.eval(pl.element().str.strip_chars())
                .list.eval(pl.element().filter(pl.element() != ""))
            )
    return table.with_columns(fixes) if fixes else table


def _unnest_startback(table: pl.DataFrame) -> pl.DataFrame:
    """A ``startback`` struct column (Parquet from JSON) becomes the flat item columns."""
    if "startback" not in table.columns:
        return table
    column = pl.col("startback")
    dtype = table.schema["startback"]
    if not isinstance(dtype, pl.Struct):
        raise InvalidPatientState(
            "startback: expected an object column (or startback_item1..9 columns)",
            fields=("startback",),
        )
    fields = {f.name for f in dtype.fields}
    items = [
        column.struct.field(f"item{n}").alias(f"startback_item{n}")
        for n in range(1, 10)
        if f"item{n}" in fields
    ]
    return table.with_columns(items).drop("startback")


def _validate(table: pl.DataFrame, allowed_ids: Mapping[str, tuple[str, ...]]) -> pl.DataFrame:
    """Cast every column to its field's type and collect, per row, the first problem.

    Unknown columns are a table error (a misspelt red-flag column would silently drop every
    answer in it), raised with the nearest known name like ``PatientState.from_dict``.
    """
    known = [*FIELDS, *STARTBACK_COLUMNS]
    unknown = [c for c in table.columns if c not in known and c not in ("startback", "row")]
    if unknown:
        hints = []
        for unknown_name in unknown:
            near = difflib.get_close_matches(unknown_name, known, n=1)
            hints.append(
                f"unknown column {unknown_name!r}"
                + (f"; did you mean {near[0]!r}?" if near else "")
            )
        raise InvalidPatientState("; ".join(hints), fields=tuple(unknown))
    table = _split_lists(_unnest_startback(table))
    problems: list[pl.Expr] = []
    casts: list[pl.Expr] = []
    for name, spec in FIELDS.items():
        if name == "startback":
            continue
        if name not in table.columns:
            if spec.required:
                problems.append(pl.lit(f"{name}: missing (required)"))
            continue
        column = pl.col(name)
        if spec.kind in ("set", "list"):
            allowed = spec.choices if spec.kind == "set" else allowed_ids[name]
            bad = column.list.eval(~pl.element().is_in(list(allowed))).list.any().fill_null(False)
            problems.append(
                pl.when(bad).then(
                    pl.lit(f"{name}: a value is not allowed; expected any of {', '.join(allowed)}")
                )
            )
            continue
        target = _dtype(spec.kind)
        cast = column.cast(target, strict=False)
        failed = column.is_not_null() & cast.is_null()
        source = table.schema[name]
        if (spec.kind == "bool") != (source == pl.Boolean) and source != pl.Null:
            failed = column.is_not_null()  # C13: a boolean is not a number, nor a number a boolean
        if spec.kind == "int" and table.schema[name].is_float():
            failed = failed | (column.is_not_null() & (column != column.floor()))
        message = pl.format(
            f"{name}: {{}} is not allowed; expected {_allowed(spec)}", column.cast(pl.String)
        )
        out_of_range = pl.lit(False)
        if spec.kind in ("int", "float"):
            low = spec.minimum if spec.minimum is not None else float("-inf")
            high = spec.maximum if spec.maximum is not None else float("inf")
            out_of_range = ((cast < low) | (cast > high)).fill_null(False)
        if spec.kind == "enum":
            out_of_range = (~cast.is_in(list(spec.choices))).fill_null(False)
        problems.append(pl.when(failed | out_of_range).then(message))
        if spec.required:
            problems.append(pl.when(column.is_null()).then(pl.lit(f"{name}: missing (required)")))
        casts.append(cast.alias(name))
    for column_name in STARTBACK_COLUMNS:
        if column_name not in table.columns:
            continue
        target = pl.String if column_name.endswith("9") else pl.Boolean
        cast = pl.col(column_name).cast(target, strict=False)
        bad = pl.col(column_name).is_not_null() & cast.is_null()
        if column_name.endswith("9"):
            bad = bad | (~cast.is_in(list(STARTBACK_ITEM9_CHOICES))).fill_null(False)
        problems.append(pl.when(bad).then(pl.lit(f"startback.{column_name[10:]}: not allowed")))
        casts.append(cast.alias(column_name))
    table = table.with_columns(casts)
    if "age" in table.columns and "first_back_pain_age" in table.columns:
        problems.append(
            pl.when((pl.col("first_back_pain_age") > pl.col("age")).fill_null(False)).then(
                pl.lit("first_back_pain_age, age: first_back_pain_age may not exceed age")
            )
        )
    if "first_back_pain_age" in table.columns and "axspa_features" in table.columns:
        problems.append(
            pl.when(
                (pl.col("first_back_pain_age") >= 35).fill_null(False)
                & pl.col("axspa_features").list.contains("onset_before_35").fill_null(False)
            ).then(
                pl.lit(
                    "axspa_features, first_back_pain_age: onset_before_35 with first_back_pain_age >= 35"
                )
            )
        )
    for name in LIST_FIELDS:
        if name in table.columns:
            problems.append(
                pl.when(pl.col(name).list.n_unique() != pl.col(name).list.len()).then(
                    pl.lit(f"{name}: duplicate entries are not allowed")
                )
            )
    error = pl.coalesce(problems) if problems else pl.lit(None, dtype=pl.String)
    return table.with_columns(error.alias("error"))


def _allowed(spec: FieldSpec) -> str:
    if spec.kind in ("int", "float"):
        return f"a{'n integer' if spec.kind == 'int' else ' number'} {spec.minimum}..{spec.maximum}"
    if spec.kind == "enum":
        return "one of " + ", ".join(spec.choices)
    return "true, false or null"


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
    features = pl.col("axspa_features").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    onset = (pl.col("first_back_pain_age") < 35).fill_null(False)
    member = {
        f: (features.list.contains(f) | onset)
        if f == "onset_before_35"
        else features.list.contains(f)
        for f in AXSPA_FEATURES
    }
    derived = [
        m.fill_null(False).alias(_col(member_key("axspa_features", f))) for f, m in member.items()
    ]
    count = pl.sum_horizontal([m.fill_null(False).cast(pl.Int64) for m in member.values()])
    derived.append(count.alias(_col(count_key("axspa_features"))))
    return table.with_columns(derived)


def _startback_risk(answered: bool, t: Thresholds) -> pl.Expr:
    if not answered:
        return pl.lit(None, dtype=pl.String)
    items = [pl.col(c).cast(pl.Int32) for c in STARTBACK_COLUMNS[:8]]
    item9 = pl.col("startback_item9").is_in(list(startback.ITEM9_SCORING)).cast(pl.Int32)
    total = pl.sum_horizontal([*items, item9])
    subscale = pl.sum_horizontal([*items[4:], item9])
    complete = pl.all_horizontal([pl.col(c).is_not_null() for c in STARTBACK_COLUMNS])
    risk = (
        pl.when(subscale >= t.startback_high_subscale)
        .then(pl.lit("high"))
        .when(total <= t.startback_low_total)
        .then(pl.lit("low"))
        .otherwise(pl.lit("medium"))
    )
    return pl.when(complete).then(risk).otherwise(pl.lit(None, dtype=pl.String))


def _id_list(items: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The ids whose condition holds, in the given order, as a list column.

    Built as one string (``concat_str`` of "id;" or "") then split: far cheaper in polars than a
    list of many mostly-null columns. Ids are snake_case, so ";" never occurs in one.
    """
    if not items:
        return pl.lit([], dtype=pl.List(pl.String))
    pieces = [pl.when(test).then(pl.lit(f"{name};")).otherwise(pl.lit("")) for test, name in items]
    joined = pl.concat_str(pieces).str.strip_suffix(";")
    return (
        pl.when(joined == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(joined.str.split(";"))
    )


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
    checked = _validate(table.with_row_index("row"), allowed_ids)
    facts = _facts(checked)
    has_startback = all(c in facts.columns for c in STARTBACK_COLUMNS)
    longest = int(facts.select(pl.col("preferred_activities").list.len().max()).item() or 0)
    frame = facts.lazy()  # one optimised plan: shared sub-expressions, parallel columns
    for stratum in rb.strata:
        frame = frame.with_columns(
            [expression(c.condition).alias(_col(FLAG_PREFIX + c.key)) for c in stratum]
        )

    def fired(key: str) -> pl.Expr:
        return pl.col(_col(FLAG_PREFIX + key))

    reviewed = pl.col("clinician_reviewed_this_episode").fill_null(False)
    cleared_ids = pl.col("clinician_cleared_flags").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    tiers, counted = {}, {}
    for flag in rb.red_flags:
        ranks = [pl.when(fired(key)).then(pl.lit(tier.rank)) for tier, _, _, key in flag.tiers()]
        tiers[flag.id] = pl.max_horizontal(ranks)
        # Listed unless a review turns a reviewable flag, or clearance a soon flag, into a
        # watch item (policy._red_flags).
        cleared = cleared_ids.list.contains(flag.id) & (tiers[flag.id] == Urgency.SOON.rank)
        listed = fired(flag.id) & ~cleared.fill_null(False)
        counted[flag.id] = listed & ~reviewed if flag.reviewable else listed
    frame = frame.with_columns(
        [t.alias(f"tier__{i}") for i, t in tiers.items()]
        + [c.alias(f"counted__{i}") for i, c in counted.items()]
    )
    urgency = pl.max_horizontal(
        [pl.lit(0)]
        + [pl.when(pl.col(f"counted__{f.id}")).then(pl.col(f"tier__{f.id}")) for f in rb.red_flags]
    )
    flag_ids = _id_list(
        [
            (pl.col(f"counted__{f.id}") & (pl.col(f"tier__{f.id}") == rank), f.id)
            for rank in (3, 2, 1)
            for f in rb.red_flags
        ]
    )
    complete = pl.all_horizontal([pl.col(q).is_not_null() for q in CORE_SAFETY_QUESTIONS])
    limited = pl.any_horizontal(
        [pl.lit(False)] + [pl.col(f"counted__{f.id}") for f in rb.red_flags if f.limits_plan]
    )
    frame = frame.with_columns(
        urgency.alias("urgency_rank"),
        flag_ids.alias("red_flags"),
        complete.alias("screen_complete"),
        limited.alias("limited"),
        _startback_risk(has_startback, rb.thresholds).alias("startback_risk"),
    )
    urgent = pl.col("urgency_rank") >= Urgency.URGENT.rank
    recommended: dict[str, pl.Expr] = {}
    for activity in rb.activities:
        allowed = (
            pl.when(urgent)
            .then(pl.lit(False))
            .when(~pl.col("screen_complete"))
            .then(pl.lit(activity.id in INCOMPLETE_SCREEN_PLAN))
            .when(pl.col("limited"))
            .then(pl.lit(activity.id in LIMITED_PLAN))
            .otherwise(pl.lit(True))
        )
        ok = fired(activity.id) & allowed
        for exclusion in activity.exclusions:
            ok = ok & ~fired(f"{activity.id}!{exclusion.id}")
        if activity.kind == "exercise":
            ok = ok & ~pl.col("avoid_activities").list.contains(activity.id).fill_null(False)
        recommended[activity.id] = ok
    frame = frame.with_columns([r.alias(f"rec__{i}") for i, r in recommended.items()])
    preferred = pl.col("preferred_activities").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    # Preferences first, in the person's order (C4), then by grade (ranked up where it fired).
    first = [
        (
            (preferred.list.get(j, null_on_oob=True) == a.id).fill_null(False)
            & pl.col(f"rec__{a.id}"),
            a.id,
        )
        for j in range(longest)
        for a in rb.activities
    ]
    placed: dict[int, list[tuple[pl.Expr, str]]] = {}
    for a in rb.activities:
        g = _grade(rb, a)
        base = g.rank if g is not None else -1
        wanted = pl.col(f"rec__{a.id}") & ~preferred.list.contains(a.id).fill_null(False)
        if a.rank_up is not None and g is not None:
            boosted = fired(f"{a.id}^rank_up")
            placed.setdefault(g.raised().rank, []).append((wanted & boosted, a.id))
            placed.setdefault(base, []).append((wanted & ~boosted, a.id))
        else:
            placed.setdefault(base, []).append((wanted, a.id))
    order = {a.id: n for n, a in enumerate(rb.activities)}
    rest = [
        item
        for level in sorted(placed, reverse=True)
        for item in sorted(placed[level], key=lambda item: order[item[1]])
    ]
    recommendations = _id_list(first + rest)
    ok = pl.col("error").is_null()
    out = frame.select(
        pl.col("row"),
        pl.when(ok)
        .then(
            pl.col("urgency_rank").replace_strict(
                list(range(4)), _URGENCY_BY_RANK, return_dtype=pl.String
            )
        )
        .alias("urgency"),
        pl.when(ok).then(pl.col("red_flags")).alias("red_flags"),
        pl.when(ok).then(pl.col("startback_risk")).alias("startback_risk"),
        pl.when(ok).then(recommendations).alias("recommendations"),
        pl.col("error"),
    )
    return out.collect()


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
    """Read a CSV or Parquet file of patients (by extension)."""
    name = os.fspath(path)
    if name.endswith(".parquet"):
        return pl.read_parquet(name)
    if name.endswith(".csv"):
        return pl.read_csv(name, infer_schema_length=10_000)
    raise InvalidPatientState(
        f"input: {name!r} is not allowed; expected a .csv or .parquet file", fields=("input",)
    )


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
