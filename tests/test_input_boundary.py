"""The input boundary (issue 8, items 5, 10, 13 input side, 15).

One strict JSON reader for every entry point (duplicate keys, size, depth, digits, NaN, UTF-8);
``PatientState.from_dict`` raises only ``InvalidPatientState`` for any Python object, with short
messages; near-miss names are suggested, never silently dropped or accepted.
"""

from __future__ import annotations

import enum
import io
import json
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinerules import assess, jsonio
from spinerules.batch import RowError, assess_many
from spinerules.cli import main
from spinerules.errors import InvalidPatientState, SpinerulesError
from spinerules.fields import FIELDS, STARTBACK_ITEMS
from spinerules.patient import MAX_PROBLEMS_SHOWN, PatientState, StartBackAnswers
from strategies import valid_patient_dicts

BASE: dict[str, Any] = {"age": 40, "pain_duration_days": 10}
#: Longest line a message may have, whatever the input: label + quoted value + "expected ...".
MAX_LINE = 600


def _error(data: object) -> InvalidPatientState:
    with pytest.raises(InvalidPatientState) as caught:
        PatientState.from_dict(data)  # type: ignore[arg-type]
    return caught.value


def _assert_bounded(error: InvalidPatientState) -> None:
    lines = str(error).split("\n")
    assert len(lines) <= MAX_PROBLEMS_SHOWN + 1, len(lines)
    assert all(len(line) <= MAX_LINE for line in lines), max(map(len, lines))


# --- item 5: duplicate keys, at any depth ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "path", "where"),
    [
        (
            '{"age": 40, "saddle_anaesthesia": true, "saddle_anaesthesia": false}',
            "saddle_anaesthesia",
            "saddle_anaesthesia",
            "",
        ),
        ('{"startback": {"item1": true, "item1": false}}', "item1", "startback.item1", "startback"),
        ('{"a": [{"b": 1}, {"c": 1, "c": 1}]}', "c", "a[1].c", "a[1]"),
        ('[{"x": 1, "x": 2}]', "x", "[0].x", "[0]"),
    ],
)
def test_a_duplicate_key_is_rejected_naming_the_key_and_its_path(
    text: str, key: str, path: str, where: str
) -> None:
    with pytest.raises(InvalidPatientState) as caught:
        jsonio.loads(text, source="patient 'p.json'")
    message = str(caught.value)
    assert message.startswith("patient 'p.json': duplicate key ")
    assert repr(key) in message
    assert (f"in {where!r}" in message) is bool(where)
    assert caught.value.fields == (path,)


def test_every_duplicate_is_listed_in_fields() -> None:
    with pytest.raises(InvalidPatientState) as caught:
        jsonio.loads('{"fever": 1, "fever": 2, "startback": {"item2": 1, "item2": 2}}')
    assert caught.value.fields == ("fever", "startback.item2")


def test_equal_keys_in_different_objects_are_not_duplicates() -> None:
    text = '{"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}, {"k": 4}]}'
    assert jsonio.loads(text) == json.loads(text)


def test_the_cli_rejects_a_repeated_red_flag_answer(tmp_path: Path, capsys: Any) -> None:
    """The last answer would win in plain json.load: a "yes" to saddle numbness overwritten."""
    path = tmp_path / "p.json"
    path.write_text(
        '{"age": 40, "pain_duration_days": 10, "saddle_anaesthesia": true, '
        '"saddle_anaesthesia": false}',
        encoding="utf-8",
    )
    assert main(["assess", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "duplicate key 'saddle_anaesthesia'" in err


def test_a_str_subclass_key_equal_to_a_str_key_is_a_duplicate() -> None:
    class Name(str):
        __hash__ = object.__hash__  # a different hash: the dict keeps both keys

    error = _error({**BASE, "fever": False, Name("fever"): True})
    assert "duplicate key 'fever'" in str(error)
    assert "fever" in error.fields


# --- item 10: bounded sizes ------------------------------------------------------------------


def test_a_document_over_the_size_limit_is_rejected_and_one_at_it_is_read() -> None:
    body = json.dumps(BASE)
    at_limit = body + " " * (jsonio.MAX_DOCUMENT_BYTES - len(body))
    assert jsonio.loads(at_limit.encode()) == BASE
    with pytest.raises(InvalidPatientState, match="larger than the limit of 1,048,576 bytes"):
        jsonio.loads((at_limit + " ").encode())
    # counted in UTF-8 bytes, not characters
    wide = '{"x": "' + "é" * (jsonio.MAX_DOCUMENT_BYTES // 2) + '"}'
    assert len(wide) < jsonio.MAX_DOCUMENT_BYTES
    with pytest.raises(InvalidPatientState, match="larger than the limit"):
        jsonio.loads(wide)


def test_load_reads_no_more_than_just_past_the_limit() -> None:
    class Endless(io.RawIOBase):
        asked: ClassVar[list[int]] = []

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.asked.append(size)
            return b" " * size

    with pytest.raises(InvalidPatientState, match="larger than the limit"):
        jsonio.load(Endless(), max_bytes=1000)
    assert Endless.asked == [1001]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_is_limited_before_parsing() -> None:
    assert jsonio.loads(_nested(jsonio.MAX_DEPTH)) is not None
    with pytest.raises(InvalidPatientState, match="nesting 33 levels deep is not allowed"):
        jsonio.loads(_nested(jsonio.MAX_DEPTH + 1))
    # far past Python's recursion limit: still one clear error, never RecursionError
    with pytest.raises(InvalidPatientState, match="nesting 200,001 levels deep"):
        jsonio.loads('{"a": ' + _nested(200_000) + "}")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"note": "[" * 100 + '\\"{{{' + "}" * 50, "k": ['[\\"]}', "]]"]})
    assert jsonio.loads(text) == json.loads(text)


@pytest.mark.parametrize("digits", [21, 4301, 100_000])
def test_an_integer_with_too_many_digits_is_rejected_cleanly(digits: int) -> None:
    with pytest.raises(InvalidPatientState) as caught:
        jsonio.loads('{"age": ' + "9" * digits + "}")
    message = str(caught.value)
    assert f"an integer of {digits:,} digits" in message
    assert "at most 20 digits" in message
    assert len(message) < 200


def test_twenty_digits_are_read_and_then_rejected_by_the_field_range() -> None:
    data = jsonio.loads('{"age": -99999999999999999999, "pain_duration_days": 1}')
    assert data["age"] == -(10**20 - 1)
    assert _error(data).fields == ("age",)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_nan_and_infinities_are_rejected(text: str) -> None:
    with pytest.raises(InvalidPatientState, match=r"not allowed|too large"):
        jsonio.loads('{"bmi": ' + text + "}")


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), 10**5000, -(10**50)],
    ids=["nan", "inf", "-inf", "5001-digits", "-1e50"],
)
def test_nan_infinities_and_huge_ints_given_in_python_are_rejected(value: object) -> None:
    for field in ("bmi", "age", "pain_intensity"):
        error = _error({**BASE, field: value})
        assert error.fields == (field,)
        _assert_bounded(error)


# --- the quote helper --------------------------------------------------------------------------


class _RaisingRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class _RaisingClass:
    """isinstance() falls back to ``__class__``, so even type checks run this."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        raise RuntimeError("no class")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class _LyingStr(str):
    """Equal to everything: must not pass an enum check."""

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class _RaisingList(list[Any]):
    def __iter__(self) -> Any:
        raise RuntimeError("no iteration")


class _RaisingMapping(dict[str, Any]):
    def items(self) -> Any:
        raise RuntimeError("no items")


def _self_containing() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("a" * 100_000_000, "(a str of 100,000,000 characters)"),
        (b"\x00" * 5_000, "(5,000 bytes)"),
        (list(range(1_000_000)), "(a list of 1,000,000 items)"),
        ({str(i): i for i in range(10_000)}, "(a dict of 10,000 items)"),
        (10**100_000, "<an integer of about 100,001 digits>"),
        (_RaisingRepr(), "<a _RaisingRepr>"),
        (_RaisingClass(), "<a _RaisingClass>"),
        (_LyingStr("x" * 1000), "(a _LyingStr of 1,000 characters)"),
        (_self_containing(), "[[[[[...]]]]]"),
        ("short", "'short'"),
    ],
    ids=[
        "huge-str",
        "bytes",
        "long-list",
        "big-dict",
        "huge-int",
        "raising-repr",
        "raising-class",
        "lying-str",
        "self-containing",
        "short",
    ],
)
def test_quote_is_short_never_raises_and_gives_the_original_length(
    value: object, fragment: str
) -> None:
    text = jsonio.quote(value)
    assert fragment in text
    assert len(text) <= jsonio.QUOTE_LIMIT
    if "items" in fragment or "characters" in fragment or "bytes" in fragment:
        assert "…" in text


# --- item 10: from_dict raises only InvalidPatientState ---------------------------------------

HOSTILE: list[Any] = [
    pytest.param(None, (), id="none"),
    pytest.param(b'{"age": 40}', (), id="bytes"),
    pytest.param({1, 2}, (), id="set"),
    pytest.param(_RaisingRepr(), (), id="raising-repr"),
    pytest.param(_RaisingClass(), (), id="raising-class"),
    pytest.param(_RaisingMapping(BASE), (), id="raising-mapping"),
    pytest.param({**BASE, "fever": _RaisingClass()}, ("fever",), id="value-raising-class"),
    pytest.param({**BASE, "fever": _RaisingRepr()}, ("fever",), id="value-raising-repr"),
    pytest.param({**BASE, "sex": _LyingStr("zzz")}, ("sex",), id="lying-str"),
    pytest.param(
        {**BASE, "axspa_features": _RaisingList(["buttock_pain"])},
        ("axspa_features",),
        id="raising-list",
    ),
    pytest.param({**BASE, "startback": _RaisingMapping()}, ("startback",), id="raising-startback"),
    pytest.param({**BASE, "age": 10**100_000}, ("age",), id="huge-int"),
    pytest.param({**BASE, "age": True}, ("age",), id="bool-for-int"),
    pytest.param({**BASE, "leg_pain": "x" * 10_000_000}, ("leg_pain",), id="huge-string"),
    pytest.param({**BASE, "x" * 10_000_000: True}, ("x" * 10_000_000,), id="huge-key"),
    pytest.param({**BASE, (1, 2): True}, ("(1, 2)",), id="tuple-key"),
    pytest.param({**BASE, "fever": _self_containing()}, ("fever",), id="self-containing"),
    pytest.param(
        {**BASE, "preferred_activities": _self_containing()},
        ("preferred_activities",),
        id="self-containing-list-field",
    ),
    pytest.param(
        {**BASE, "startback": {"item1": [[[[[]]]]], 7: 1}},
        ("startback.7", "startback.item1"),
        id="nested",
    ),
    pytest.param({**BASE, "bmi": complex(30, 0)}, ("bmi",), id="complex"),
    pytest.param({**BASE, "axspa_features": {"buttock_pain": 1}}, ("axspa_features",), id="dict"),
    pytest.param({**BASE, "preferred_activities": {"walking"}}, ("preferred_activities",), id="s"),
]


@pytest.mark.parametrize(("data", "fields"), HOSTILE)
def test_any_object_gives_only_a_short_invalid_patient_state(
    data: object, fields: tuple[str, ...]
) -> None:
    error = _error(data)
    _assert_bounded(error)
    assert error.fields == fields
    if not fields:
        assert str(error).startswith("patient state: ")


def test_many_problems_are_counted_not_all_spelt_out() -> None:
    data = {**BASE, **{f"unknown_{i}": True for i in range(1000)}}
    error = _error(data)
    _assert_bounded(error)
    assert len(error.fields) == 1000  # every field is still named for a form to highlight
    assert str(error).endswith("…)")
    assert "... and 990 more problems" in str(error)


def test_startback_problems_are_flattened_into_the_patient_state_list() -> None:
    startback = {f"itm{i}": True for i in range(50)}
    error = _error({**BASE, "startback": startback})
    _assert_bounded(error)
    assert set(error.fields) == {f"startback.itm{i}" for i in range(50)}


def test_str_int_and_float_subclasses_are_read_as_their_plain_value() -> None:
    class Sex(enum.StrEnum):
        FEMALE = "female"

    class Pain(enum.IntEnum):
        MODERATE = 5

    class Bmi(float):
        pass

    state = PatientState.from_dict(
        {**BASE, "sex": Sex.FEMALE, "pain_intensity": Pain.MODERATE, "bmi": Bmi(31.5)}
    )
    assert type(state.sex) is str and state.sex == "female"
    assert type(state.pain_intensity) is int and state.pain_intensity == 5
    assert type(state.bmi) is float and state.bmi == 31.5
    direct = PatientState(age=40, pain_duration_days=3, sex=Sex.FEMALE)
    assert type(direct.sex) is str
    assert type(StartBackAnswers(item9=_plain_str("slightly")).item9) is str


def _plain_str(text: str) -> str:
    class Answer(str):
        pass

    return Answer(text)


def test_assess_many_turns_each_hostile_row_into_a_row_error_and_carries_on() -> None:
    rows: list[Any] = [
        BASE,
        {**BASE, "age": 10**100_000},
        {**BASE, "leg_pain": "x" * 10_000_000},
        _RaisingRepr(),
        [1, 2, 3],
        {**BASE, "preferred_activities": ["walkin" + "g" * 1_000_000]},
        {**BASE, "SADDLE_ANAESTHESIA": True},
        BASE,
    ]
    results = list(assess_many(rows, engine="python"))
    kinds = [type(result).__name__ for result in results]
    assert kinds == ["Assessment", *["RowError"] * 6, "Assessment"]
    for index, result in enumerate(results[1:-1], start=1):
        assert isinstance(result, RowError) and result.row == index
        assert all(len(line) <= MAX_LINE for line in result.message.split("\n"))
    assert "did you mean 'saddle_anaesthesia'?" in results[6].message  # type: ignore[union-attr]


# --- item 13, input side: the command line ------------------------------------------------------

BAD_FILES = [
    pytest.param(bytes(range(256)) * 4, "not UTF-8 text", id="binary-junk"),
    pytest.param(b'{"age": "\xc3\x28"}', "not UTF-8 text (byte 0xc3 at offset 9)", id="bad-utf8"),
    pytest.param(b'{"age": 40}\x00', "NUL character at offset 11", id="nul"),
    pytest.param(b"", "the document is empty", id="empty"),
    pytest.param(b" \n\t", "the document is empty", id="blank"),
    pytest.param(b"[1, 2]", "an array is not allowed; expected a JSON object", id="array"),
    pytest.param(b"42", "a number is not allowed", id="number"),
    pytest.param(b'"age"', "a string is not allowed", id="string"),
    pytest.param(b"null", "null is not allowed", id="null"),
    pytest.param(b'{"age": 40', "not valid JSON", id="truncated"),
    pytest.param(b"\xff\xfe{\x00}\x00", "not UTF-8 text", id="utf16"),
    pytest.param(b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nesting 5,001 levels", id="deep"),
    pytest.param(b'{"age": ' + b"1" * 5000 + b"}", "an integer of 5,000 digits", id="digits"),
    pytest.param(b'{"age": NaN}', "NaN is not allowed", id="nan"),
    pytest.param(b" " * (jsonio.MAX_DOCUMENT_BYTES + 1), "larger than the limit", id="huge"),
]


def _one_error_line(capsys: Any) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("spinerules: error: ")
    assert len(lines[0]) <= 400
    return lines[0]


@pytest.mark.parametrize(("content", "fragment"), BAD_FILES)
def test_the_cli_gives_one_clear_line_and_status_2_for_a_bad_file(
    tmp_path: Path, capsys: Any, content: bytes, fragment: str
) -> None:
    path = tmp_path / "patient.json"
    path.write_bytes(content)
    assert main(["assess", str(path)]) == 2
    line = _one_error_line(capsys)
    assert f"patient {str(path)!r}" in line
    assert fragment in line


def _stdin(monkeypatch: Any, content: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(content), encoding="utf-8"))


@pytest.mark.parametrize(("content", "fragment"), BAD_FILES[:6])
def test_the_cli_reads_stdin_through_the_same_checks(
    monkeypatch: Any, capsys: Any, content: bytes, fragment: str
) -> None:
    _stdin(monkeypatch, content)
    assert main(["assess", "-"]) == 2
    line = _one_error_line(capsys)
    assert "patient (stdin)" in line
    assert fragment in line


def test_the_cli_accepts_a_utf8_byte_order_mark(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    assert main(["assess", str(path), "--format", "json", "--engine", "python"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["ruleset"]["profile"] == "nice"
    _stdin(monkeypatch, b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    assert main(["assess", "-", "--format", "json", "--engine", "python"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(out)
    assert jsonio.loads("\ufeff" + json.dumps(BASE)) == BASE


def test_the_cli_reports_a_missing_file_and_a_directory(tmp_path: Path, capsys: Any) -> None:
    assert main(["assess", str(tmp_path / "absent.json")]) == 2
    assert "cannot read: No such file or directory" in _one_error_line(capsys)
    assert main(["assess", str(tmp_path)]) == 2
    assert "cannot read" in _one_error_line(capsys)


# --- item 15: did you mean, after normalisation --------------------------------------------------

KEY_VARIANTS = [
    "SADDLE_ANAESTHESIA",
    "Saddle_Anaesthesia",
    "ｓａｄｄｌｅ_anaesthesia",  # full-width letters
    "ｓａｄｄｌｅ＿ａｎａｅｓｔｈｅｓｉａ",  # full-width underscore too
    "saddle-anaesthesia",
    "saddle anaesthesia",
    " saddle_anaesthesia ",
    "saddle__anaesthesia",
    "saddle_anesthesia",  # a misspelling, found by difflib
]


@pytest.mark.parametrize("key", KEY_VARIANTS)
def test_a_near_miss_key_is_rejected_with_a_suggestion_never_dropped(key: str) -> None:
    error = _error({**BASE, key: True})
    assert error.fields == (key,)
    assert "did you mean 'saddle_anaesthesia'?" in str(error)


def test_a_near_miss_key_is_rejected_when_the_exact_key_is_there_too() -> None:
    """Two spellings, two answers: neither may win unseen."""
    error = _error({**BASE, "saddle_anaesthesia": False, "SADDLE-ANAESTHESIA": True})
    assert error.fields == ("SADDLE-ANAESTHESIA",)


def test_a_near_miss_startback_key_suggests_the_item() -> None:
    error = _error({**BASE, "startback": {"ITEM1": True}})
    assert "did you mean 'startback.item1'?" in str(error)
    assert error.fields == ("startback.ITEM1",)


@pytest.mark.parametrize(
    ("field", "value", "suggestion"),
    [
        ("leg_pain", "One-Side", "'one_side'"),
        ("leg_pain", "ＢＯＴＨ ＳＩＤＥＳ", "'both_sides'"),
        ("pain_trend", "Worsening", "'worsening'"),
        ("neuro_symptoms_course", "NEW", "'new'"),
        ("axspa_features", ["Buttock Pain"], "'buttock_pain'"),
        ("preferred_activities", ["Tai-Chi"], "'tai_chi'"),
        ("fever", "TRUE", "true (a JSON boolean, not a string)"),
        ("startback", {"item9": "Very Much"}, "'very_much'"),
    ],
)
def test_a_near_miss_value_is_rejected_with_a_suggestion(
    field: str, value: object, suggestion: str
) -> None:
    error = _error({**BASE, field: value})
    assert f"did you mean {suggestion}?" in str(error)


def test_a_near_miss_activity_id_of_the_rule_base_is_suggested() -> None:
    with pytest.raises(InvalidPatientState, match="did you mean 'walking'"):
        assess({**BASE, "preferred_activities": ["walkng"]}, engine="python")


def test_no_suggestion_is_computed_for_a_huge_value() -> None:
    error = _error({**BASE, "leg_pain": "one_side" + "x" * 10_000_000})
    assert "did you mean" not in str(error)
    assert jsonio.nearest("A" * 10_000_000, FIELDS) is None


# --- hypothesis: fuzzing the boundary ------------------------------------------------------------


class _Opaque:
    """An object that is not JSON and whose every method a validator might call raises."""

    def __repr__(self) -> str:
        raise RuntimeError

    def __iter__(self) -> Any:
        raise RuntimeError

    def __len__(self) -> int:
        raise RuntimeError


_ODDITIES: list[Any] = [
    _Opaque,
    _RaisingRepr,
    _RaisingClass,
    lambda: _LyingStr("none"),
    lambda: _RaisingList(["walking"]),
    _RaisingMapping,
    _self_containing,
    object,
    lambda: b"bytes",
    lambda: bytearray(b"x"),
    lambda: complex(1, 2),
    lambda: frozenset({"buttock_pain"}),
    lambda: {"buttock_pain"},
    lambda: ("walking",),
    lambda: float("nan"),
    lambda: float("inf"),
    lambda: 10**4000,
    lambda: -(10**30),
    lambda: range(3),
    lambda: ...,
]


def _oddity(index: int) -> object:
    """Built on drawing: hypothesis reprs a strategy's elements, and these cannot be repr'd."""
    return _ODDITIES[index]()


PYTHON_ODDITIES = st.integers(0, len(_ODDITIES) - 1).map(_oddity)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**3000, max_value=10**4000)  # hypothesis cannot repr 4300+ digits
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from([*FIELDS, *(c for s in FIELDS.values() for c in s.choices), "x" * 5000])
)
KEYS = st.text(max_size=20) | st.sampled_from([*FIELDS, *KEY_VARIANTS, *STARTBACK_ITEMS])
JSON_LIKE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
ANYTHING = st.recursive(
    SCALARS | PYTHON_ODDITIES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS | st.integers() | st.builds(_Opaque), inner, max_size=4)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(ANYTHING | JSON_LIKE, st.integers(20, 200))
def test_quote_never_raises_and_keeps_to_its_limit(value: object, limit: int) -> None:
    assert len(jsonio.quote(value, limit)) <= limit


def _from_dict_or_error(data: object) -> PatientState | InvalidPatientState:
    try:
        return PatientState.from_dict(data)  # type: ignore[arg-type]
    except InvalidPatientState as error:
        _assert_bounded(error)
        return error


@settings(max_examples=300, deadline=None)
@given(JSON_LIKE | ANYTHING | st.dictionaries(KEYS, ANYTHING, max_size=6).map(BASE.__or__))
def test_from_dict_raises_only_short_invalid_patient_state_for_any_object(data: object) -> None:
    result = _from_dict_or_error(data)
    if isinstance(result, PatientState):
        assert PatientState.from_dict(result.to_dict()) == result


def _variant(draw: st.DrawFn, name: str) -> str:
    """Another spelling of a field name: case, width, separators."""
    kind = draw(st.sampled_from(["upper", "title", "width", "hyphen", "space"]))
    if kind == "upper":
        return name.upper()
    if kind == "title":
        return name.title()
    if kind == "width":
        return "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in name)
    return name.replace("_", "-" if kind == "hyphen" else " ")


def _mutation(draw: st.DrawFn, valid: dict[str, Any]) -> tuple[dict[Any, Any], str | None]:
    """A copy of ``valid`` with one change; and the field whose key was respelt, if one was."""
    data: dict[Any, Any] = dict(valid)
    action = draw(st.sampled_from(["set", "respell", "delete", "startback", "add"]))
    if action == "respell":
        name = draw(st.sampled_from(sorted(data)))
        spelt = _variant(draw, name)
        if spelt != name:
            data[spelt] = data.pop(name)
            return data, name
    name = draw(st.sampled_from(list(FIELDS)))
    if action == "set":
        data[name] = draw(ANYTHING)
    elif action == "delete":
        data.pop(name, None)
    elif action == "startback":
        answers = data.get("startback")
        answers = dict(answers) if isinstance(answers, dict) else {}
        answers[draw(KEYS)] = draw(ANYTHING)
        data["startback"] = answers
    elif action == "add":
        data[draw(KEYS | st.integers())] = draw(ANYTHING)
    return data, None


@st.composite
def mutated(draw: st.DrawFn) -> list[tuple[dict[Any, Any], str | None]]:
    """Several one-change mutations of one valid dict (drawing a valid dict is the slow part)."""
    valid = draw(valid_patient_dicts())
    count = draw(st.integers(1, 8))
    return [_mutation(draw, valid) for _ in range(count)]


def _gave(name: str, data: object) -> bool:
    """``name`` is a key of ``data``, as given (a non-string key as quoted in messages)."""
    return isinstance(data, dict) and any(
        key == name if isinstance(key, str) else jsonio.quote(key) == name for key in data
    )


def _named_in_input(field: str, data: dict[Any, Any]) -> bool:
    """A field of the vocabulary, or a key the caller gave (nested ones as ``startback.key``)."""
    if field in FIELDS or _gave(field, data):
        return True
    item = field.removeprefix("startback.")
    return item != field and (item in STARTBACK_ITEMS or _gave(item, data.get("startback")))


@settings(max_examples=60, deadline=None)
@given(mutated())
def test_a_mutated_patient_dict_validates_or_names_a_field_of_the_input(
    cases: list[tuple[dict[Any, Any], str | None]],
) -> None:
    for data, respelt in cases:
        result = _from_dict_or_error(data)
        if respelt is not None:  # a respelt field is never dropped nor accepted: it is suggested
            assert isinstance(result, InvalidPatientState)
            assert f"did you mean {respelt!r}?" in str(result)
        if isinstance(result, InvalidPatientState):
            assert result.fields
            for field in result.fields:
                assert _named_in_input(field, data), field


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200)
    | st.text(alphabet='{}[]":,0123456789eE.-+ \\tnulrfaNIy\ufeff\x00é', max_size=80).map(
        str.encode
    )
    | st.text(max_size=80)
)
def test_jsonio_on_arbitrary_input_raises_only_a_spinerules_error(data: bytes | str) -> None:
    try:
        value = jsonio.loads(data, source="fuzz")
    except InvalidPatientState as error:
        assert str(error).startswith("fuzz: ")
        assert len(str(error)) <= MAX_LINE
        return
    except SpinerulesError:
        return
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert value == json.loads(text.removeprefix("\ufeff"))


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


TRICKY_TEXT = st.text(alphabet='[]{}"\\/ab\n', max_size=8)
NESTED = st.recursive(
    st.none() | st.integers(-(10**19), 10**19) | TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY_TEXT, inner, max_size=3),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(NESTED, st.booleans())
def test_the_depth_limit_counts_exactly_the_nesting_of_the_parsed_value(
    value: Any, ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    depth = _depth(value)
    assert jsonio.loads(text, max_depth=depth) == value
    if depth:
        with pytest.raises(InvalidPatientState, match=f"nesting {depth} levels deep"):
            jsonio.loads(text, max_depth=depth - 1)


@given(st.sampled_from(list(FIELDS)), st.sampled_from(["NFKC", "upper", "hyphen"]))
def test_name_key_maps_every_respelling_back_to_the_field(name: str, how: str) -> None:
    spelt = {
        "NFKC": "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in name),
        "upper": name.upper(),
        "hyphen": name.replace("_", "-"),
    }[how]
    assert jsonio.name_key(spelt) == name
    assert jsonio.nearest(spelt, FIELDS) == (None if spelt == name else name)
