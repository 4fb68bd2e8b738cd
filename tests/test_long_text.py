"""Long text in the input: a 10 MB cell and a 10,000-character column name.

One such cell or name used to hold a run up for minutes (or for good): regexes rescanned a
long name from every position, a tokeniser tried every slice of it, and charts and the PDF
laid out every character.  Work on a name or value is now linear in its length, and what the
reader sees is cut at ``max_text_length`` with an ellipsis.
"""

from __future__ import annotations

import csv
import email
import html
import json
import re
import shutil
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.cli import main
from reportgen.cli_email import email_command
from reportgen.formatting import clip
from reportgen.profiling import codes, labels, meanings, roles
from reportgen.reading import transactions
from reportgen.report import charts
from reportgen.report.context import ChartView
from reportgen.report.display import Shortener
from reportgen.report.narrative import Recommendation
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


def test_the_shortener_cuts_long_names_wherever_they_appear() -> None:
    """In a sentence, as a field, as a dict key (two alike kept apart), but not a data: URI
    and not a name cut already (with the punctuation after it)."""
    name = "Customer lifetime value " * 10  # 240 characters with spaces
    other = name + "(second)"
    shorten = Shortener.of([name, other, "Age"], 40)
    assert shorten(f"{name}: 3 values are missing") == f"{name[:39]}…: 3 values are missing"
    assert shorten(f"{other} is constant") == f"{other[:39]}… is constant"
    said = "measures (" + "z" * 39 + "…), then more"
    assert shorten(said) == said
    assert shorten("a value " + "q" * 300 + " quoted") == "a value " + "q" * 39 + "… quoted"
    keys = shorten({name: 1, other: 2, "Age": 3})
    assert list(keys.values()) == [1, 2, 3] and "Age" in keys
    assert all(len(key) <= 44 for key in keys)
    chart = ChartView("map", "Map", name, "data:image/png;base64," + "A" * 500, 7.2, 4.0)
    shown = shorten(chart)
    assert shown.src == chart.src and shown.alt == f"{name[:39]}…"


def test_text_that_is_not_data_is_shown_as_written() -> None:
    """The title and the playbook's actions (a long link in an offer) are not cut; the
    action's "because", which names a column, is cut by the narrative before."""
    link = "https://example.com/offers/" + "q" * 100
    action = Recommendation(1, "Win back", f"Send {link}", "Email", "Warm", "Reactivation",
                            "low " + "z" * 39 + "…", True)  # fmt: skip
    context = {"title": link, "recommendations": (action,), "summary": link}
    shown = Shortener.of([], 40)(context)
    assert shown["title"] == link and shown["recommendations"] == (action,)
    assert shown["summary"] == "https://example.com/offers/qqqqqqqqqqqq…"  # data text: cut


def test_chart_labels_hold_a_word_longer_than_their_room() -> None:
    """A 10 MB word is drawn as a few lines of letters ending in "…"; ordinary labels wrap
    as before, whole words kept."""
    label = charts._wrap("x" * 10_000_000, 36)
    assert label == "x" * 36 + "\n" + "x" * 35 + "…"
    assert charts._wrap("x" * 10_000, 80, 1) == "x" * 79 + "…"
    assert charts._wrap("Mainstream customers", 8, 3) == "Mainstream\ncustomers"
    assert charts._wrap("1. Affluent big spenders", 30) == "1. Affluent big spenders"


# --------------------------------------------------------------------------------------------
# Whole runs: a 10 MB cell and a 10,000-character column name

LIMIT = 80  # the documented default of max_text_length, written here as the README says it
HANG_GUARD = 120  # seconds; these runs take a few seconds, the unfixed ones never finished
COMMAND = [sys.executable, "-c", "from reportgen.cli import main; main()"]
# 10,000 characters without a space (a word no line holds) and unlike any other text
LONG_NAME = "Spend" + "".join("abcdefghijklmnopqrstuvwxyz"[(i * 7) % 26] for i in range(9_995))
# 10 MB without a space, and 10 MB of words as pasted into a free-text cell (the loader trims
# a cell's end spaces)
SHUFFLED = "".join("abcdefghijklmnopqrstuvwxyz"[(i * 11) % 26] for i in range(26))
LONG_WORD = SHUFFLED * 384_615 + SHUFFLED[:10]  # 10,000,000 letters
LONG_NOTE = " ".join(f"word{i % 997}" for i in range(1_300_000))[:9_999_999] + "."


def cut(text: str, limit: int = LIMIT) -> str:
    """What the reader should see, by the documented rule (not by the code under test)."""
    return text[: limit - 1] + "…"


def mall_with(path: Path, header: list[str] | None = None, **extra: list[str]) -> Path:
    """The mall table, with another header and, given ``extra``, more columns."""
    with MALL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    head, body = header or rows[0], rows[1:]
    head = [*head, *extra]
    body = [[*row, *(values[i] for values in extra.values())] for i, row in enumerate(body)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([head, *body])
    return path


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``reportgen run`` as its own process, stopped (and failed) past the hang guard."""
    done = subprocess.run(
        [*COMMAND, "run", *args, "--quiet"],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert done.returncode == 0, done.stderr
    return done


def html_text(out: Path) -> str:
    """The report's text as a reader sees it: tags and <wbr> out, entities read."""
    page = (out / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page.replace("<wbr>", "")))


def html_attributes(out: Path) -> list[str]:
    """Every attribute value of the report but the data: URIs of the images."""
    page = (out / "report.html").read_text(encoding="utf-8")
    values = re.findall(r'="([^"]*)"', page)
    return [html.unescape(v) for v in values if not v.startswith("data:")]


def pdf_text(out: Path) -> str:
    """The PDF's text with every space and line break taken out (a long word may wrap)."""
    pages = PdfReader(out / "report.pdf").pages
    return "".join("".join(page.extract_text() or "" for page in pages).split())


@pytest.fixture(scope="module")
def long_name(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mall report with 'Spending Score (1-100)' renamed to a 10,000-character name."""
    folder = tmp_path_factory.mktemp("long_name")
    with MALL.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    table = mall_with(folder / "long_name.csv", [*header[:4], LONG_NAME])
    out = folder / "out"
    run_command(str(table), "--out", str(out))
    return out


def test_a_10000_character_name_runs_and_is_shown_cut(long_name: Path) -> None:
    """The report is written; the name is shown as its first 79 characters and "…", in the
    HTML (text and tooltips) and the PDF, and nowhere longer."""
    text = html_text(long_name)
    assert cut(LONG_NAME) in text
    assert LONG_NAME[:LIMIT] not in text
    assert all(LONG_NAME[:LIMIT] not in value for value in html_attributes(long_name))
    in_pdf = pdf_text(long_name)
    assert cut(LONG_NAME) in in_pdf  # the method table lists the features by name
    assert LONG_NAME[:LIMIT] not in in_pdf


def test_summary_json_keeps_the_whole_name(long_name: Path) -> None:
    summary = json.loads((long_name / "summary.json").read_text(encoding="utf-8"))
    assert LONG_NAME in [c["name"] for c in summary["profile"]["columns"]]
    assert LONG_NAME in [f["name"] for f in summary["features"]]
    assert summary["report"]["max_text_length"] == LIMIT


def test_the_email_shows_the_name_cut(long_name: Path, tmp_path: Path) -> None:
    """`reportgen email` reads summary.json, where the name is whole, and cuts it as the
    report did: the segment table names the strongest trait."""
    eml = tmp_path / "summary.eml"
    result = CliRunner().invoke(
        email_command,
        [str(long_name), "--from", "a@example.com", "--to", "b@example.com", "--eml", str(eml)],
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    for kind in ("plain", "html"):
        part = message.get_body((kind,))
        assert part is not None
        body = html.unescape(str(part.get_content()))
        assert LONG_NAME[:LIMIT] not in body and LONG_NAME[:LIMIT].lower() not in body
    text = message.get_body(("plain",))
    assert text is not None
    assert f"high {cut(LONG_NAME)} (" in str(text.get_content())  # a segment's trait, cut


@pytest.mark.slow  # a real process or a large table: CI runs it with -m slow
def test_a_10_mb_cell_runs_and_is_shown_cut(tmp_path: Path) -> None:
    """A category with one 10 MB cell of one word (its chart's legend never finished), and a
    free-text column empty but for one 10 MB cell of words: the report is written, says the
    notes column is constant and quotes the note cut; summary.json keeps both whole."""
    tiers = [("Gold", "Silver", "Bronze")[i % 3] for i in range(200)]
    tiers[3] = LONG_WORD
    notes = ["" if i != 5 else LONG_NOTE for i in range(200)]
    table = mall_with(tmp_path / "cells.csv", tier=tiers, notes=notes)
    out = tmp_path / "out"
    run_command(str(table), "--out", str(out))
    text = " ".join(html_text(out).split())
    assert cut(LONG_NOTE) in text  # "notes is constant (every value is word0 word1 ...…)"
    assert LONG_NOTE[:LIMIT] not in text and LONG_WORD[:LIMIT] not in text
    assert "".join(cut(LONG_NOTE).split()) in pdf_text(out)
    assert "".join(LONG_NOTE[: LIMIT + 20].split()) not in pdf_text(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    values = {c["name"]: c["top_values"] for c in summary["profile"]["columns"]}
    assert values["notes"] == [[LONG_NOTE, 1]]
    assert [LONG_WORD, 1] in values["tier"]


def test_a_10_mb_stray_word_in_a_measure_is_quoted_cut(tmp_path: Path) -> None:
    """The one-line error that names a stray word in a numeric column quotes it cut."""
    table = tmp_path / "ages.csv"
    with MALL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[8][2] = LONG_WORD  # an age
    with table.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = CliRunner().invoke(main, ["run", str(table), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {table}: column 'Age' is numeric except for {cut(LONG_WORD)!r} in data row 8; "
        "fix or blank that value so the column can be used\n"
    )


@pytest.mark.parametrize("how", ["flag", "config"])
def test_a_raised_limit_shows_more(long_name: Path, tmp_path: Path, how: str) -> None:
    """--max-text-length 200 (or [report] max_text_length = 150) shows that many
    characters."""
    limit = 200 if how == "flag" else 150
    table = tmp_path / "long_name.csv"
    shutil.copy(long_name.parent / "long_name.csv", table)
    args = [str(table), "--out", str(tmp_path / "out"), "--format", "html", "--quiet"]
    if how == "flag":
        args += ["--max-text-length", str(limit)]
    else:
        config = tmp_path / "reportgen.toml"
        config.write_text(f"[report]\nmax_text_length = {limit}\n", encoding="utf-8")
        args += ["--config", str(config)]
    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 0, result.stderr + result.stdout
    text = html_text(tmp_path / "out")
    assert cut(LONG_NAME, limit) in text
    assert LONG_NAME[:limit] not in text


def test_the_terminal_shows_names_cut(long_name: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["run", str(long_name.parent / "long_name.csv"), "--out", str(tmp_path / "out")]
        + ["--format", "none"],
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    assert f"Features (2): Annual Income (k$), {cut(LONG_NAME)}" in result.stdout
    assert LONG_NAME[:LIMIT] not in result.stdout


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
