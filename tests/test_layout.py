"""Layout that holds on any table: one percent rule in the terminal, the report and the email.

Each real table is run once per module; the assertions read the PDF's text (pypdf), the HTML's
structure and the charts' inputs, never pixels.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.formatting import percent
from tests.conftest import MALL

SEGMENT_LINE = re.compile(r"^\s+(\d+)\. (.+?)\s+([\d,]+) \((.+%)\)$", re.M)


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 0, result.stderr + result.stdout
    return result.stdout


@pytest.fixture(scope="module")
def mall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The mall report (HTML and PDF) and what the terminal printed."""
    out = tmp_path_factory.mktemp("mall") / "out"
    return out, run_cli(str(MALL), "--out", str(out))


# --------------------------------------------------------------------------------------------
# 1. one percent rule


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0%"),
        (1.0, "100%"),
        (0.225, "23%"),  # halves round up, as written
        (0.405, "41%"),
        (0.115, "12%"),
        (0.1, "10%"),
        (0.0996, "10%"),
        (0.045, "4.5%"),
        (0.02, "2%"),  # no trailing .0
        (0.001, "0.1%"),
        (0.0004, "<0.1%"),  # a share that is there never reads 0%
        (0.998, "99.8%"),  # ... nor 100%
        (0.9996, ">99.9%"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_percent_rule(share: float | None, text: str) -> None:
    assert percent(share) == text


def test_terminal_report_and_email_write_shares_alike(
    mall: tuple[Path, str], tmp_path: Path
) -> None:
    out, printed = mall
    lines = SEGMENT_LINE.findall(printed)
    assert len(lines) >= 2, printed
    html = (out / "report.html").read_text(encoding="utf-8")
    eml = tmp_path / "report.eml"
    result = CliRunner().invoke(
        main,
        ["email", str(out), "--from", "a@example.com", "--to", "b@example.com", "--eml", str(eml)],
    )
    assert result.exit_code == 0, result.stderr + result.stdout
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    for number, name, size, share in lines:
        row = re.search(
            rf"{number}\. {re.escape(name)}</td>\s*<td class=\"num\">{size}</td>\s*"
            rf"<td class=\"num\">([^<]+)</td>",
            html,
        )
        assert row, f"segment {number} is not in the summary table"
        assert row.group(1) == share, (name, share, row.group(1))
        assert f"{number}. {name}: {size} customers ({share})" in text
