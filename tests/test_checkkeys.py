"""Check keys are written in one place (``spinerules.checkkeys``) and are unique per rule base."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from spinerules import default_rule_base
from spinerules.checkkeys import CheckKey, KeyPart

IDS = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)


def test_the_text_forms_are_the_documented_ones() -> None:
    # These strings are in every assessment's trace and in durable rule names: stable.
    assert CheckKey.own("ces_saddle") == "ces_saddle"
    assert CheckKey.escalation("ces_saddle", "emergency") == "ces_saddle@emergency"
    assert CheckKey.escalation("x", "urgent", 2) == "x@urgent#2"
    assert CheckKey.exclusion("running", "acute_severe") == "running!acute_severe"
    assert CheckKey.text("walking", 0) == "walking?0"
    assert CheckKey.text("pain_relief", 1, "dose") == "pain_relief?dose1"
    assert CheckKey.rank_up("tai_chi") == "tai_chi^rank_up"
    assert str(CheckKey("a", KeyPart.EXCLUSION, "b")) == CheckKey.exclusion("a", "b")


@given(IDS, IDS, st.sampled_from(["soon", "urgent", "emergency"]), st.integers(1, 5))
def test_keys_of_different_parts_never_collide(rule: str, other: str, tier: str, n: int) -> None:
    """Rule and exclusion ids are snake_case, so a separator can never come from an id."""
    keys = [
        CheckKey.own(rule),
        CheckKey.escalation(rule, tier, n),
        CheckKey.exclusion(rule, other),
        CheckKey.text(rule, n),
        CheckKey.text(rule, n, "dose"),
        CheckKey.rank_up(rule),
    ]
    assert len(set(keys)) == len(keys)


def test_every_built_in_check_has_its_own_key() -> None:
    rule_base = default_rule_base()
    counts = Counter(check.key for check in rule_base.checks)
    assert [key for key, n in counts.items() if n > 1] == []
    assert set(rule_base.conditions) == set(counts)  # nothing replaced in the key -> condition map
    separators = {sep for key in counts for sep in "@!?^" if sep in key}
    assert separators == {"@", "!", "?", "^"}  # every kind of check occurs in the built-ins
