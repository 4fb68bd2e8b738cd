"""The catalogue of broken inputs (tests/broken/): one clear line, exit 1, nothing written."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main

BROKEN = Path(__file__).parent / "broken"

ERRORS = {
    "empty.csv": "empty.csv is empty; export the table again with a header row and data",
    "header_only.csv": "header_only.csv has a header but no data rows",
    "too_few_rows.csv": "too_few_rows.csv: only 5 rows; segmenting needs at least 10 customers",
    "one_column.csv": "one_column.csv: a single column ('customer_id')",
    "all_text.csv": "all_text.csv: no column describes how customers behave (name is contact data",
    "identical_rows.csv": "identical_rows.csv: all 40 rows are identical",
    "binary_junk.csv": "binary_junk.csv does not look like a text table",
    "ragged_rows.csv": "ragged_rows.csv line 21 has 4 fields but the header has 3",
    "unterminated_quote.csv": "unterminated_quote.csv has an unterminated quote starting near "
    "line 21",
    "huge_numbers.csv": "column 'spend' has values up to 3.9e+301, too large for a customer "
    "measure",
    "nan_inf.csv": "nan_inf.csv: no column describes how customers behave (id is an identifier",
    "stray_word.csv": "column 'spend' is numeric except for 'twelve' in data row 12",
    "duplicate_columns.csv": "has the column name 'spend' twice (columns 2 and 3); rename one",
    "duplicate_ids.csv": "CustomerID repeats 1 customer id(s) (e.g. 7)",
    "corrupt.xlsx": "corrupt.xlsx could not be read as Excel",
    "corrupt.parquet": "corrupt.parquet could not be read as Parquet",
    "several_sheets.xlsx": "several_sheets.xlsx has 2 sheets (Customers, Notes); choose one with "
    "--sheet",
}


def _run(path: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        main, ["run", str(path), "--out", str(out), "--format", "html", *extra]
    )


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_broken_file_gets_its_error(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    shutil.copy(BROKEN / name, source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    result = _run(source, tmp_path / "out")
    assert result.exit_code == 1, result.stdout
    assert ERRORS[name] in result.stderr
    assert result.stderr.count(name) == 1  # the file is named once
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest  # input untouched


def test_the_catalogue_has_a_file_for_every_error() -> None:
    files = {p.name for p in BROKEN.iterdir() if p.name != "README.md"}
    assert files == set(ERRORS) | {"utf16.csv", "wrong_encoding.csv"}


def test_a_directory_and_an_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "table.csv"
    folder.mkdir()
    result = _run(folder, tmp_path / "out")
    assert result.exit_code == 1 and "table.csv: is a directory, not a file" in result.stderr
    locked = tmp_path / "locked.csv"
    shutil.copy(BROKEN / "too_few_rows.csv", locked)
    real_read = Path.read_bytes

    def deny(self: Path) -> bytes:  # root can read anything, so refuse as the OS would
        if self.name == "locked.csv":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    result = _run(locked, tmp_path / "out2")
    assert (
        result.exit_code == 1 and "locked.csv: cannot be read (permission denied)" in result.stderr
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "out2").exists()


@pytest.mark.parametrize(
    ("name", "encoding"), [("utf16.csv", "utf-16"), ("wrong_encoding.csv", "cp1252")]
)
def test_files_read_despite_their_encoding(tmp_path: Path, name: str, encoding: str) -> None:
    result = _run(BROKEN / name, tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["input"]["encoding"] == encoding
