"""Long text in the input: a 10 MB cell and a 10,000-character column name.

One such cell or name used to hold a run up for minutes (or for good): regexes rescanned a
long name from every position, a tokeniser tried every slice of it, and charts and the PDF
laid out every character.  Work on a name or value is now linear in its length, and what the
reader sees is cut at ``max_text_length`` with an ellipsis.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen import charts, codes, labels, meanings, roles, transactions
from reportgen.cli import main
from reportgen.formatting import clip
from tests.conftest import MALL

# Shapes that made one call take seconds at 10,000 characters (quadratic); at 100,000 they
# would take minutes, linear code takes milliseconds.
NASTY = {
    "lower": "x" * 100_000,
    "capitals": "X" * 100_000,
    "capitals then lower": "X" * 99_999 + "a",
    "digits": "1" * 100_000,
    "letters and digits": "ab1" * 33_333,
    "spaces": "a" + " " * 100_000 + "b",
    "brackets": "(" * 100_000,
    "square brackets": "[" * 100_000 + "x",
    "known words": "order" * 20_000,  # splits into words: was a RecursionError in labels
}
NAME_HELPERS = {
    "labels.label": labels.label,
    "meanings.words": meanings.words,
    "meanings.has_word": lambda name: meanings.has_word(name, ("income", "spend")),
    "roles.tokens": roles.tokens,
    "transactions._parts": transactions._parts,
    "codes._says_time": codes._says_time,
}


@pytest.mark.parametrize("helper", NAME_HELPERS)
def test_reading_a_long_name_is_linear_in_its_length(helper: str) -> None:
    """A hang guard, not a benchmark: the quadratic versions took minutes here."""
    started = time.perf_counter()
    for name in NASTY.values():
        NAME_HELPERS[helper](name)
    assert time.perf_counter() - started < 20


def test_long_levels_are_ordinary_values_without_being_normalised() -> None:
    """A 10 MB free-text cell is one more ordinary level, never "not known" or a "no ..."
    answer; the short levels beside it are still read."""
    long_no = "no " + "a" * 10_000_000
    levels = codes.pseudo_levels([("Yes", 50), ("No", 40), ("unknown", 5), (long_no, 1)])
    assert [(p.value, p.reading) for p in levels] == [("unknown", codes.NOT_KNOWN)]
    started = time.perf_counter()
    codes.pseudo_levels([("x" * 10_000_000, 1), ("Gold", 3)])
    assert time.perf_counter() - started < 20


def test_names_still_split_where_their_words_meet() -> None:
    """The linear rewrite splits as before: capitals before a word, letters and digits."""
    assert labels.label("HTTPServerID").text == "http server ID"
    assert labels.label("Top10Products").text == "top 10 products"
    assert labels.label("Annual Income (k$)") == labels.Label("annual income", "k$")
    assert meanings.words("ABCWord")[0] == ("abc", "word")
    assert transactions._parts("CUSTOMERNAME") == ["customer", "name"]
    assert labels.label("ORDERNUMBER").text == "order number"
    assert labels.label("order" * 3 + "x").text == "order" * 3 + "x"  # no split: kept whole


# --------------------------------------------------------------------------------------------
# What the reader sees: names and values cut at the limit


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert clip("Annual Income (k$)", 80) == "Annual Income (k$)"
    assert clip("x" * 80, 80) == "x" * 80
    assert clip("x" * 81, 80) == "x" * 79 + "…"
    assert len(clip("y" * 10_000_000, 80)) == 80


def test_chart_labels_hold_a_word_longer_than_their_room() -> None:
    """A 10 MB word is drawn as a few lines of letters ending in "…"; ordinary labels wrap
    as before, whole words kept."""
    label = charts._wrap("x" * 10_000_000, 36)
    assert label == "x" * 36 + "\n" + "x" * 35 + "…"
    assert charts._wrap("x" * 10_000, 80, 1) == "x" * 79 + "…"
    assert charts._wrap("Mainstream customers", 8, 3) == "Mainstream\ncustomers"
    assert charts._wrap("1. Affluent big spenders", 30) == "1. Affluent big spenders"


@pytest.mark.parametrize("value", ["9", "10001", "eighty"])
def test_the_limit_is_checked(value: str, tmp_path: Path) -> None:
    """Outside 10 to 10,000 characters the flag is a usage error and the config key one
    line naming it."""
    flag = CliRunner().invoke(main, ["run", str(MALL), "--max-text-length", value])
    assert flag.exit_code == 2 and "--max-text-length" in flag.stderr
    config = tmp_path / "reportgen.toml"
    config.write_text(f"[report]\nmax_text_length = {value}\n", encoding="utf-8")
    if not value.isdigit():
        config.write_text(f'[report]\nmax_text_length = "{value}"\n', encoding="utf-8")
    from_file = CliRunner().invoke(main, ["run", str(MALL), "--config", str(config)])
    assert from_file.exit_code == 1
    assert "max_text_length must be" in from_file.stderr
