"""Long text in the input: a 10 MB cell and a 10,000-character column name.

One such cell or name used to hold a run up for minutes (or for good): regexes rescanned a
long name from every position, a tokeniser tried every slice of it, and charts and the PDF
laid out every character.  Work on a name or value is now linear in its length, and what the
reader sees is cut at ``max_text_length`` with an ellipsis.
"""

from __future__ import annotations

import time

import pytest

from reportgen import codes, labels, meanings, roles, transactions

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
