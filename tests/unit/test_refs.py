"""Deal references as people type them."""

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import format_ref, looks_like_ref, parse_ref


@pytest.mark.parametrize("typed", ["#42", "42", "OPP-42", "opp-42", "opp42", "OPP42", " #42 ", "Opp-42"])
def test_a_reference_is_read_in_each_accepted_form(typed):
    assert parse_ref(typed) == 42
    assert looks_like_ref(typed)


@pytest.mark.parametrize("typed", ["garbage", "", "#", "OPP-", "0", "#0", "OPP-0", "-42", "4 2", "42a", "#1234567890"])
def test_anything_else_is_refused_with_a_message_showing_the_forms(typed):
    with pytest.raises(InvalidInput) as exc:
        parse_ref(typed)
    assert set(exc.value.errors) == {"ref"}
    assert "is not a deal reference. Use #42, 42 or OPP-42." in exc.value.message


def test_an_empty_reference_says_nothing_was_given():
    with pytest.raises(InvalidInput, match=r"'\(nothing\)'"):
        parse_ref("")


def test_a_reference_is_shown_with_a_hash():
    assert format_ref(42) == "#42"
