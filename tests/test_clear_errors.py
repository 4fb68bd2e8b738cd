"""Cases that gave internal errors or passed silently: each is now one clear line."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen import Config, run
from reportgen.cli import main
from reportgen.config import make_config
from reportgen.errors import ConfigError
from reportgen.reading.tables import load
from tests.conftest import MALL


def one_line(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr.strip()


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_out_of_range_is_bad_usage(tmp_path: Path, seed: str) -> None:
    code, err = one_line("run", str(MALL), "--out", str(tmp_path / "o"), "--seed", seed)
    assert code == 2 and "--seed" in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"seed": -1}, "seed must be a whole number from 0 to 4294967295"),
        ({"template_dir": 5}, "template_dir must be a path written as text"),
        ({"features": [1, 2]}, "features must be a list of column names"),
        ({"title": 3}, "title must be text"),
        ({"branding": {"primary_color": "#fff\n"}}, "primary_color must be a hex colour"),
    ],
)
def test_config_values_of_the_wrong_kind_are_named(values: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        make_config(values, {"input": MALL})


def test_tz_aware_parquet_timestamps_are_dates_and_binary_text_is_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(30)],
            "signup": pd.date_range("2024-01-01", periods=30, freq="D", tz="UTC"),
            "note": [f"n{i}".encode() for i in range(30)],
            "spend": range(30),
        }
    )
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    read = load(path).frame
    assert str(read["signup"].dtype).startswith("datetime64") and read["signup"].dt.tz is None
    assert read["signup"].iloc[0] == pd.Timestamp("2024-01-01")
    assert read["note"].iloc[3] == "n3"


def test_a_formula_like_id_column_name_is_neutralised_in_the_csv(tmp_path: Path) -> None:
    frame = pd.read_csv(MALL).rename(columns={"CustomerID": "=HYPERLINK(1)"})
    source = tmp_path / "m.csv"
    frame.to_csv(source, index=False)
    run(Config.build(input=source, out=tmp_path / "o", formats=(), k=3, id_column="=HYPERLINK(1)"))
    with open(tmp_path / "o" / "segments.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[0] == "'=HYPERLINK(1)"


def test_templates_export_onto_a_file_or_a_read_only_place(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, err = one_line("templates", "export", str(target))
    assert code == 2 and "is a file" in err  # bad usage: click names the argument
    import os

    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        code, err = one_line("templates", "export", str(locked / "t"))
        locked.chmod(0o700)
        assert code == 1 and "choose a folder you can write to" in err


@pytest.mark.parametrize("subject", ["Monthly\x0breport", "Monthly\u2028report", "a\x1bb"])
def test_an_email_subject_with_a_line_break_or_control_character(subject: str) -> None:
    from reportgen.mail.compose import MailError, make_settings

    with pytest.raises((MailError, ConfigError), match="the subject must be one line"):
        make_settings({}, {"sender": "a@example.com", "to": ("b@example.com",),
                           "subject": subject}, {})  # fmt: skip


def test_a_gzip_bomb_stops_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    from reportgen.errors import InputError

    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * (3 * 1024 * 1024 // 4)))
    monkeypatch.setenv("REPORTGEN_MAX_UNZIPPED_MB", "1")
    with pytest.raises(InputError, match="decompresses to more than 1 MB; unpack it yourself"):
        load(path)
    monkeypatch.setenv("REPORTGEN_MAX_UNZIPPED_MB", "10")
    assert len(load(path).frame) == 3 * 1024 * 1024 // 4


def test_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    import os

    from reportgen.errors import InputError

    fifo = tmp_path / "table.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is not a regular file"):
        load(fifo)


def test_a_huge_logo_is_refused(tmp_path: Path) -> None:
    from reportgen.report import render

    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (6 * 1024 * 1024))
    with pytest.raises(ConfigError, match="too large to embed in every report"):
        render.logo_uri(logo)


@pytest.mark.slow  # a fresh interpreter imports everything and makes the whole report
def test_a_successful_run_with_glyphs_no_font_has_prints_nothing_on_stderr(tmp_path: Path) -> None:
    """Chart helpers run in other processes: their font and numerical warnings must stay
    there (CJK, Devanagari, emoji and mathematical letters in names and values; huge numbers)."""
    import os
    import subprocess
    import sys

    import numpy as np

    frame = pd.read_csv(MALL)
    rng = np.random.default_rng(0)
    frame["Region"] = rng.choice(["東京 🎉", "Ñandú 𝔘𝔫𝔦", "ضصث", "नमस्ते"], len(frame))
    frame["Huge"] = np.minimum(rng.lognormal(20, 5, len(frame)), 9e14)
    frame = frame.rename(columns={"Annual Income (k$)": "Income 💰 (k$) 收入"})
    path = tmp_path / "glyphs.csv"
    frame.to_csv(path, index=False)
    done = subprocess.run(
        [sys.executable, "-c", "from reportgen.cli import main; main()", "run", str(path)]
        + ["--out", str(tmp_path / "o"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "REPORTGEN_WORKERS": "2"},
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    assert (tmp_path / "o" / "report.pdf").is_file()


def test_columns_that_differ_by_a_zero_width_space_are_one_clear_line(tmp_path: Path) -> None:
    frame = pd.read_csv(MALL)
    frame.insert(3, "Age\u200b", frame["Age"])
    source = tmp_path / "twins.csv"
    frame.to_csv(source, index=False)
    code, err = one_line("run", str(source), "--out", str(tmp_path / "o"), "--format", "none")
    assert code == 1 and "Traceback" not in err
    assert err == (
        f"Error: {source} has the column name 'Age' twice (columns 3 and 4, written \"Age\" "
        'and "Age\\u200b": they differ only in characters that do not show or look alike); '
        "rename one"
    )


def test_a_lone_zero_width_space_in_a_name_is_cleaned_in_the_report(tmp_path: Path) -> None:
    import json

    frame = pd.read_csv(MALL).rename(columns={"Annual Income (k$)": "Annual Income (k$)\u200b"})
    source = tmp_path / "stray.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "o"
    code, err = one_line("run", str(source), "--out", str(out), "--format", "html", "-q")
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    names = [c["name"] for c in summary["profile"]["columns"]]
    assert names == ["CustomerID", "Genre", "Age", "Annual Income (k$)", "Spending Score (1-100)"]
    assert summary["input"]["notes"] == [
        'column 4 is named "Annual Income (k$)\\u200b" in the file: characters that do not '
        "show or look alike were cleaned, and it is read as 'Annual Income (k$)'"
    ]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "\u200b" not in html and "Annual Income (k$)" in html
