"""Generated configs, however odd, give ``check-config`` exit 0 or 2: never a traceback.

The strategies write TOML text: the sample's keys (and some unknown ones) with
values of any TOML type (huge integers, inf and nan, strings with control
characters, arrays nested deeper than any config needs, inline tables, dates),
and the sample config with random edits (mostly syntax errors).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.compat import tomllib
from monitor.domain.durations import MAX_DURATION, parse_duration

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "link-monitor.toml"
KEYS = {
    section: list(body[0] if isinstance(body, list) else body)
    for section, body in tomllib.loads(SAMPLE.read_text(encoding="utf-8")).items()
    if isinstance(body, (dict, list))
}
ARRAY_SECTIONS = ("clinic", "maintenance")


def _string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string (bar lone surrogates)


scalars = st.one_of(
    st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(str(f), repr(f))
    ),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(max_size=30).map(_string),
    st.sampled_from(
        [
            '"2h"',
            '"99999999999h"',
            '"100000000000000000000ms"',
            '"17:00-22:00"',
            '"sun"',
            '"12-29..01-03"',
            '"JP"',
            '"XX"',
            '"eht*"',
            '""',
            "2026-05-05",
            "17:00:00",
            '"mailto://a:b@c"',
            '"/dev/null"',
            '"a\\u0000b"',
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.sampled_from(["a", "days", "hours", "x"]), inner, max_size=3).map(
            lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
        ),
    ),
    max_leaves=12,
)
deep = st.integers(min_value=1, max_value=4000).map(lambda n: "[" * n + "]" * n)


@st.composite
def configs(draw) -> str:
    """TOML text: some sections of the sample, each with some of its keys (or an
    unknown one) set to a generated value."""
    lines = []
    for section in draw(st.lists(st.sampled_from(sorted(KEYS)), max_size=4, unique=True)):
        header = f"[[{section}]]" if section in ARRAY_SECTIONS else f"[{section}]"
        lines.append(header)
        keys = st.sampled_from([*KEYS[section], "unknown_key"])
        for key in draw(st.lists(keys, max_size=4, unique=True)):
            lines.append(
                f"{key} = {draw(st.one_of(values, deep) if draw(st.booleans()) else values)}"
            )
    return "\n".join(lines) + "\n"


@st.composite
def edited_sample(draw) -> str:
    """The sample config with a few characters replaced, inserted or deleted."""
    text = SAMPLE.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        cut = draw(st.integers(min_value=0, max_value=3))
        text = text[:at] + draw(st.text(max_size=5)) + text[at + cut :]
    return text


def _check_config(tmp_path: Path, text: str):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return CliRunner().invoke(main, ["check-config", "--config", str(path)])


_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(text=configs())
def test_generated_configs_exit_0_or_2_never_a_traceback(tmp_path, text):
    result = _check_config(tmp_path, text)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        text,
    )
    assert "Traceback" not in result.output


@_SETTINGS
@given(text=edited_sample())
def test_edited_sample_configs_exit_0_or_2_never_a_traceback(tmp_path, text):
    result = _check_config(tmp_path, text)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        text,
    )


@given(
    value=st.one_of(
        st.integers(),
        st.floats(),
        st.text(max_size=40),
        st.from_regex(r"\A[0-9]{1,40}(h|m|s|ms)\Z"),
        st.booleans(),
        st.none(),
    )
)
def test_a_duration_is_a_bounded_timedelta_or_a_value_error(value):
    try:
        td = parse_duration(value)
    except ValueError:
        return
    assert timedelta(0) <= td <= MAX_DURATION
