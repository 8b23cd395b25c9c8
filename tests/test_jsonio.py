"""attune.jsonio: orjson's speed with the standard library's reach (same values either way)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attune import jsonio

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_round_trip_gives_the_same_values_as_the_standard_library(value: object) -> None:
    text = jsonio.dumps(value)
    assert json.loads(text) == value
    assert jsonio.loads(text) == value
    assert jsonio.loads(text.encode("utf-8")) == value


def test_what_orjson_refuses_is_read_and_written_by_the_standard_library() -> None:
    huge = 2**80
    assert jsonio.loads(f'{{"id": {huge}}}') == {"id": huge}
    assert math.isnan(jsonio.loads('{"x": NaN}')["x"])
    assert jsonio.dumps({"id": huge}) == f'{{"id": {huge}}}'
    assert json.loads(jsonio.dumps({1: "a"})) == {"1": "a"}  # non-string keys, as json does


@pytest.mark.parametrize("number", [-(2**63) - 1, 2**64, 10**29])
def test_integers_beyond_64_bits_stay_integers(number: int) -> None:
    """orjson alone reads them as floats (the property test found it)."""
    line = f'{{"id": {number}, "text": "hi"}}'
    assert jsonio.loads(line) == {"id": number, "text": "hi"}
    assert type(jsonio.loads(line.encode())["id"]) is int


def test_non_ascii_is_kept_and_output_is_compact() -> None:
    assert jsonio.dumps({"text": "café ❤️"}) == '{"text":"café ❤️"}'


def test_invalid_json_raises_the_standard_error_with_its_message() -> None:
    with pytest.raises(json.JSONDecodeError) as info:
        jsonio.loads('{"a": 1,}')
    assert "double quotes" in info.value.msg
