"""Errors name the input file once: stages say what is wrong, the engine says where."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.errors import ConfigError, InputError, naming
from tests.conftest import MALL


def test_an_error_from_a_stage_gets_the_file_in_front_once() -> None:
    with pytest.raises(InputError) as caught:
        with naming("x.csv"), naming("x.csv"):  # nested: still named once
            raise InputError("column 'a' holds text")
    assert str(caught.value) == "x.csv: column 'a' holds text"
    assert caught.value.where == "x.csv" and caught.value.message == str(caught.value)


def test_an_error_that_names_its_file_is_not_named_again() -> None:
    loaded = InputError("/data/x.csv is empty; export it again", where="/data/x.csv")
    with pytest.raises(InputError) as caught:
        with naming("x.csv"):
            raise loaded
    assert caught.value is loaded and str(loaded) == "/data/x.csv is empty; export it again"
    assert InputError("no such model file").at("m.json").at("x.csv").where == "m.json"


@pytest.mark.parametrize("error", [ConfigError("--k must be 2 or more"), ValueError("a bug")])
def test_other_errors_pass_through_unchanged(error: Exception) -> None:
    with pytest.raises(type(error)) as caught:
        with naming("x.csv"):
            raise error
    assert caught.value is error and str(caught.value) == str(error)


def test_a_named_error_keeps_its_place_through_pickling() -> None:
    named = InputError("only 5 rows").at("x.csv")
    again = pickle.loads(pickle.dumps(named))
    assert (str(again), again.where) == ("x.csv: only 5 rows", "x.csv")


def _error(*args: str) -> str:
    result = CliRunner().invoke(main, ["run", *args, "--format", "none"])
    assert result.exit_code == 1, result.output
    return result.stderr.strip()


def test_the_loader_names_the_file_itself_and_only_once(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert _error(str(empty), "--out", str(tmp_path / "o")) == (
        f"Error: {empty} is empty; export the table again with a header row and data"
    )


def test_flags_and_config_sections_are_not_put_behind_the_file(tmp_path: Path) -> None:
    assert _error(str(MALL), "--id-column", "X", "--out", str(tmp_path / "o")).startswith(
        "Error: --id-column 'X' is not a column of the table; columns are: CustomerID"
    )


def test_repeated_ids_against_a_baseline_name_the_file_not_input(tmp_path: Path) -> None:
    """Assigning to a baseline's segments once said "input:" instead of the file's name."""
    runner = CliRunner()
    done = runner.invoke(main, ["run", str(MALL), "--out", str(tmp_path / "b"), "--format",
                                "none", "--k", "3", "-q"])  # fmt: skip
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(MALL)
    path = tmp_path / "again.csv"
    pd.concat([frame, frame.head(2)]).to_csv(path, index=False)
    error = _error(str(path), "--baseline", str(tmp_path / "b"), "--out", str(tmp_path / "o"))
    assert error.startswith("Error: again.csv: CustomerID repeats 2 customer id(s) (e.g. 1, 2)")
