"""Conditions compiled to Python source: the python engine's fast path.

A condition tree is turned into one Python expression over local variables, and a stratum of
checks into one function, so evaluating the whole rule base costs a few dozen bytecode-level
comparisons instead of a few thousand method calls. The semantics are exactly those of
``Condition.evaluate`` (unknown is never a match, except ``Unknown``); a differential test
checks the two on generated rule bases and patients.

Only literals reach the generated source, always through ``repr`` of a validated ``bool``,
``int``, ``float`` or ``str``, and fact keys only as string constants; plugin text therefore
cannot inject code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..conditions import (
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

_NUMBER_OK = "({v} is not None and {v}.__class__ is not bool and {v}.__class__ is not str)"


def _literal(value: object) -> str:
    if value.__class__ not in (bool, int, float, str):
        raise TypeError(f"a condition literal must be bool, int, float or str, not {value!r}")
    return repr(value)


Var = Callable[[str], str]


def _is(c: Is, var: Var) -> str:
    v, value = var(c.key), c.value
    if isinstance(value, bool):
        return f"({v} is {value!r})"
    if isinstance(value, str):
        return f"({v} == {_literal(value)})"
    return f"({_NUMBER_OK.format(v=v)} and {v} == {_literal(value)})"


def _is_not(c: IsNot, var: Var) -> str:
    v, value = var(c.key), c.value
    if isinstance(value, bool):
        return f"({v} is not None and {v} is not {value!r})"
    if isinstance(value, str):
        return f"({v} is not None and {v} != {_literal(value)})"
    return f"({v} is not None and not ({_NUMBER_OK.format(v=v)} and {v} == {_literal(value)}))"


def _compare(c: Compare, var: Var) -> str:
    v = var(c.key)
    return f"({_NUMBER_OK.format(v=v)} and {v} {c.op} {_literal(c.value)})"


def _at_least(c: AtLeast, var: Var) -> str:
    total = " + ".join(f"bool{expression(m, var)}" for m in c.members)
    return f"(({total}) >= {c.count})"


#: The python backend: one translation per condition class (conditions.CONDITION_CLASSES).
PYTHON: dict[type[Condition], Callable[[Any, Var], str]] = {
    Is: _is,
    IsNot: _is_not,
    Compare: _compare,
    Known: lambda c, var: f"({var(c.key)} is not None)",
    Unknown: lambda c, var: f"({var(c.key)} is None)",
    AllOf: lambda c, var: "(" + " and ".join(expression(m, var) for m in c.members) + ")",
    AnyOf: lambda c, var: "(" + " or ".join(expression(m, var) for m in c.members) + ")",
    AtLeast: _at_least,
}


def expression(condition: Condition, var: Var) -> str:
    """Python source for ``condition``; ``var(key)`` names the local holding that fact."""
    translate: Callable[[Any, Var], str] = translator(PYTHON, condition, "the python engine")
    return translate(condition, var)


def compile_checks(
    checks: Sequence[tuple[str, Condition]],
) -> Callable[[dict[str, Any]], list[str]]:
    """One function returning the keys of the checks that hold on a facts dict."""
    names: dict[str, str] = {}

    def var(key: str) -> str:
        if key not in names:
            names[key] = f"v{len(names)}"
        return names[key]

    body = [
        f"    if {expression(condition, var)}: out.append({key!r})" for key, condition in checks
    ]
    head = [f"    {name} = get({key!r})" for key, name in names.items()]
    source = "def _checks(facts):\n    get = facts.get\n    out = []\n"
    source += "\n".join(head + body) + "\n    return out\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<spinerules checks>", "exec"), namespace)
    function: Callable[[dict[str, Any]], list[str]] = namespace["_checks"]
    return function


QuestionFinder = Callable[[dict[str, Any], int, bool], dict[str, int]]


def compile_question_finder(
    questions: Sequence[tuple[str, Sequence[tuple[int, bool, Condition | None]]]],
) -> QuestionFinder:
    """One function finding, for each unanswered field, the highest rank one of its paths reaches.

    ``questions`` lists fields with their paths, most urgent first, each as (rank, whether a
    clinician review silences it, the path's other conditions or None). The function takes the
    facts, the current urgency rank and whether a clinician reviewed, and returns
    {field: rank} for the fields whose answer could raise the urgency.
    """
    names: dict[str, str] = {}

    def var(key: str) -> str:
        if key not in names:
            names[key] = f"v{len(names)}"
        return names[key]

    body: list[str] = []
    for key, paths in questions:
        body.append(f"    if {var(key)} is None:")
        for n, (rank, reviewable, rest) in enumerate(paths):
            test = f"{rank} > current" + (" and not reviewed" if reviewable else "")
            if rest is not None:
                test += f" and {expression(rest, var)}"
            body.append(f"        {'if' if n == 0 else 'elif'} {test}: best[{key!r}] = {rank}")
    head = [f"    {name} = get({key!r})" for key, name in names.items()]
    source = "def _questions(facts, current, reviewed):\n    get = facts.get\n    best = {}\n"
    source += "\n".join(head + body) + "\n    return best\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<spinerules questions>", "exec"), namespace)
    finder: QuestionFinder = namespace["_questions"]
    return finder


def compile_predicate(condition: Condition) -> Callable[[dict[str, Any]], bool]:
    """One condition as a function of a facts dict."""
    check = compile_checks([("hit", condition)])
    return lambda facts: bool(check(facts))
