"""The safety policy over a whole table: ``principles.decide`` on polars columns.

The decisions are the row path's, line for line; only the algebra differs. A value the policy
uses more than once becomes a column, in stages (a column may only read columns of earlier
stages), so polars computes it once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from .conditions import FLAG_PREFIX
from .principles import Decisions, decide
from .rules import RuleBase

_EMPTY = pl.lit([], dtype=pl.List(pl.String))


class PolarsAlgebra:
    """The policy's operations on polars expressions; nulls never hold (unknown is not yes)."""

    def __init__(self) -> None:
        self.stages: list[list[pl.Expr]] = [[]]
        self._latest: set[str] = set()

    def const(self, value: Any) -> pl.Expr:
        return pl.lit(
            int(value) if isinstance(value, int) and not isinstance(value, bool) else value
        )

    def all(self, values: Sequence[pl.Expr]) -> pl.Expr:
        return pl.all_horizontal(values) if values else pl.lit(True)

    def any(self, values: Sequence[pl.Expr]) -> pl.Expr:
        return pl.any_horizontal(values) if values else pl.lit(False)

    def not_(self, value: pl.Expr) -> pl.Expr:
        return ~value

    def equal(self, value: pl.Expr, other: pl.Expr) -> pl.Expr:
        return (value == other).fill_null(False)

    def at_least(self, value: pl.Expr, other: pl.Expr) -> pl.Expr:
        return (value >= other).fill_null(False)

    def choose(self, cases: Sequence[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
        if not cases:
            return otherwise
        test, then = cases[0]
        chain = pl.when(test).then(then)
        for test, then in cases[1:]:
            chain = chain.when(test).then(then)  # type: ignore[assignment]
        return chain.otherwise(otherwise)

    def largest(self, values: Sequence[pl.Expr]) -> pl.Expr:
        return values[0] if len(values) == 1 else pl.max_horizontal(values)

    def plus(self, values: Sequence[pl.Expr]) -> pl.Expr:
        return values[0] if len(values) == 1 else pl.sum_horizontal(values)

    def scale(self, value: pl.Expr, factor: int) -> pl.Expr:
        return value * factor

    def known(self, value: pl.Expr) -> pl.Expr:
        return value.is_not_null()

    def count(self, values: Sequence[pl.Expr]) -> pl.Expr:
        return pl.sum_horizontal([v.cast(pl.Int32) for v in values]) if values else pl.lit(0)

    def bind(self, name: str, value: pl.Expr) -> pl.Expr:
        column = f"__{name}"
        if self._latest.intersection(value.meta.root_names()):
            self.stages.append([])
            self._latest = set()
        self.stages[-1].append(value.alias(column))
        self._latest.add(column)
        return pl.col(column)


class TablePerson:
    """Each row's own answers as columns (list columns null or missing mean none)."""

    def __init__(self, longest_preference: int) -> None:
        self.longest = longest_preference

    @property
    def reviewed(self) -> pl.Expr:
        return pl.col("clinician_reviewed_this_episode").fill_null(False)

    def answered(self, field: str) -> pl.Expr:
        return pl.col(field).is_not_null()

    def _listed(self, column: str, member: str) -> pl.Expr:
        return pl.col(column).list.contains(member).fill_null(False)

    def cleared(self, flag_id: str) -> pl.Expr:
        return self._listed("clinician_cleared_flags", flag_id)

    def avoided(self, activity_id: str) -> pl.Expr:
        return self._listed("avoid_activities", activity_id)

    def preference(self, activity_id: str) -> pl.Expr:
        preferred = pl.col("preferred_activities")
        place: pl.Expr = pl.lit(None, dtype=pl.Int64)
        for n in reversed(range(self.longest)):
            at = (preferred.list.get(n, null_on_oob=True) == activity_id).fill_null(False)
            place = pl.when(at).then(pl.lit(n, dtype=pl.Int64)).otherwise(place)
        return place


def held_column(key: str) -> pl.Expr:
    """A check's outcome column, as the screen names it."""
    return pl.col(FLAG_PREFIX.replace(".", "__") + key.replace(".", "__"))


def apply_policy(
    frame: pl.LazyFrame,
    rule_base: RuleBase,
    longest_preference: int,
    held: Callable[[str], pl.Expr] = held_column,
) -> tuple[pl.LazyFrame, Decisions[pl.Expr]]:
    """Add the policy's decisions as columns of ``frame``; returns the frame and decisions."""
    alg = PolarsAlgebra()
    decisions = decide(alg, rule_base, held, TablePerson(longest_preference))
    for stage in alg.stages:
        if stage:
            frame = frame.with_columns(stage)
    return frame, decisions


def ordered_ids(
    frame: pl.DataFrame, chosen: Sequence[tuple[pl.Expr, pl.Expr]], ids: Sequence[str]
) -> pl.Series:
    """Per row of ``frame`` (which has a ``row`` index), the ids whose test holds, ordered by
    their keys, as a list column.

    In long form: one small frame per id of the rows where it holds, sorted by row and key,
    gathered back per row. A list per row built in wide form (``concat_list`` then a sort) is
    25 times slower (measured: 1.75 s against 67 ms for 100,000 rows of 40 ids).
    """
    n = len(ids)
    empty = pl.lit([], dtype=pl.List(pl.String))
    if n == 0:
        return pl.Series("ids", [[]] * frame.height, dtype=pl.List(pl.String))
    parts = [
        frame.lazy()
        .filter(test)
        .select(pl.col("row").cast(pl.Int64), (key.cast(pl.Int64) * n + position).alias("key"))
        for position, (test, key) in enumerate(chosen)
    ]
    long = pl.concat(parts).collect()
    # One integer sort (row, then key): five times faster than sorting by the two columns.
    span = int(long.get_column("key").max() or 0) + 1  # type: ignore[arg-type]
    named = (pl.col("key") % n).replace_strict(list(range(n)), list(ids), return_dtype=pl.String)
    gathered = (
        long.lazy()
        .select((pl.col("row") * span + pl.col("key")).alias("both"))
        .sort("both")
        .select((pl.col("both") // span).alias("row"), (pl.col("both") % span).alias("key"))
        .group_by("row", maintain_order=True)
        .agg(named.alias("ids"))
    )
    return (
        frame.lazy()
        .select(pl.col("row").cast(pl.Int64))
        .join(gathered, on="row", how="left", maintain_order="left")
        .select(pl.col("ids").fill_null(empty))
        .collect()
        .to_series()
    )
