"""The output folder: staged writes, --force replacing only reportgen's own files, the lock."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from reportgen.config import Config
from reportgen.errors import ConfigError
from reportgen.pipeline import run
from reportgen.report import outdir
from reportgen.report.outdir import MARKER, check_target, reserve
from tests.conftest import MALL


def write(out: Path, files: dict[str, str], *, force: bool = False) -> None:
    """One reportgen-style write of ``files`` (relative path -> text) into ``out``."""
    with reserve(out, force) as target, target.stage() as folder:
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def quick(out: Path, **kwargs: object) -> Config:
    """A run with no HTML or PDF: the folder logic is the same, and it takes a second."""
    return Config.build(input=kwargs.pop("input", MALL), out=out, formats=(), k=3, **kwargs)  # type: ignore[arg-type]


def test_staged_folder_appears_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with pytest.raises(RuntimeError):
        with reserve(out, False) as target, target.stage() as folder:
            (folder / "half.txt").write_text("x")
            raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder or lock file left behind
    write(out, {"a.txt": "x", "segments/part-0.parquet": "p"})
    assert sorted(tree(out)) == [MARKER, "a.txt", "segments/part-0.parquet"]
    marker = json.loads((out / MARKER).read_text())
    assert marker["files"] == {
        "a.txt": {"size": 1, "sha256": _sha("x")},
        "segments/part-0.parquet": {"size": 1, "sha256": _sha("p")},
    }


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_failed_rerun_keeps_the_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write(out, {"report.html": "old"})
    with pytest.raises(RuntimeError):
        with reserve(out, True) as target, target.stage() as folder:
            (folder / "report.html").write_text("new")
            raise RuntimeError
    assert (out / "report.html").read_text() == "old"
    write(out, {"report.html": "new", "segments/a.parquet": "1"}, force=True)
    assert (out / "report.html").read_text() == "new"
    write(out, {"report.html": "newer"}, force=True)  # the old segments/ folder goes too
    assert sorted(tree(out)) == [MARKER, "report.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_existing_folders_need_force(tmp_path: Path) -> None:
    check_target(tmp_path / "new", force=False)
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty", force=False)
    mine = tmp_path / "mine"
    write(mine, {"x": "1"})
    with pytest.raises(ConfigError, match="already exists and is not empty; use --force"):
        check_target(mine, force=False)
    check_target(mine, force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        check_target(tmp_path / "file", force=True)


@pytest.mark.parametrize(
    "marker",
    [
        "",  # an empty marker, as a careless user might create
        '{"made_by": "reportgen"}\n',  # the old marker, which listed nothing
        "not json",
        None,  # copied from a real report: lists report.html, not the documents
    ],
)
def test_a_forged_marker_deletes_nothing(tmp_path: Path, marker: str | None) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.docx").write_text("precious")
    (docs / "drafts").mkdir()
    (docs / "drafts" / "chapter1.txt").write_text("also precious")
    if marker is None:
        write(tmp_path / "real", {"report.html": "r"})
        shutil.copy(tmp_path / "real" / MARKER, docs / MARKER)
    else:
        (docs / MARKER).write_text(marker)
    before = tree(docs)
    with pytest.raises(ConfigError) as caught:
        run(quick(docs, force=True))
    assert "refusing to replace" in str(caught.value)
    assert tree(docs) == before


def test_the_input_inside_out_survives_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(quick(out))
    inside = out / "customers.csv"
    shutil.copy(MALL, inside)
    before = tree(out)
    with pytest.raises(ConfigError, match="the input .*customers.csv is inside --out"):
        run(quick(out, input=inside, force=True))
    assert tree(out) == before
    # a glob or folder input (Spark) that lies inside --out is refused the same way
    with pytest.raises(ConfigError, match="is inside --out"):
        check_target(out, True, [str(out / "*.csv")])


def test_other_files_and_changed_files_stop_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(quick(out))
    (out / "notes.txt").write_text("my notes")
    with pytest.raises(ConfigError, match="holds notes.txt, which reportgen did not write"):
        run(quick(out, force=True))
    (out / "notes.txt").unlink()
    (out / "sub").mkdir()  # an empty folder of the user's counts too
    with pytest.raises(ConfigError, match="holds sub, which reportgen did not write"):
        run(quick(out, force=True))
    (out / "sub").rmdir()
    (out / "segments.csv").write_text("edited by hand")
    with pytest.raises(ConfigError, match="segments.csv was changed after reportgen wrote it"):
        run(quick(out, force=True))
    assert (out / "segments.csv").read_text() == "edited by hand"


def test_a_file_added_during_the_run_survives(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(quick(out))
    before = tree(out)

    def drop_a_file(stage: str, done: int, total: int) -> None:
        if stage == "fit" and not (out / "added.txt").exists():
            (out / "added.txt").write_text("added while the run was busy")

    with pytest.raises(ConfigError, match="holds added.txt, which reportgen did not write"):
        run(quick(out, force=True), progress=drop_a_file)
    assert (out / "added.txt").read_text() == "added while the run was busy"
    assert {k: v for k, v in tree(out).items() if k != "added.txt"} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_stray_arriving_after_the_last_check_is_put_back(tmp_path: Path) -> None:
    old = tmp_path / ".out.old-x"
    write(old, {"report.html": "old"})
    (old / "stray.txt").write_text("mine")
    out = tmp_path / "out"
    write(out, {"report.html": "new"})
    outdir._remove_written(old)
    outdir._restore_strays(old, out)
    assert (out / "stray.txt").read_text() == "mine" and not old.exists()


def test_a_second_run_into_the_same_folder_fails_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with reserve(out, False):
        assert (tmp_path / ".out.lock").read_text() == str(os.getpid())
        with pytest.raises(ConfigError, match="being written by another reportgen run"):
            run(quick(out))
        with pytest.raises(ConfigError, match="being written by another reportgen run"):
            run(quick(out, force=True))
    assert not out.exists() and list(tmp_path.iterdir()) == []  # the lock file is gone
    run(quick(out))  # and the folder is free again
    assert (out / "segments.csv").is_file()


def test_staging_folders_of_killed_runs_are_cleaned_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed = tmp_path / ".out.partial-abc123"
    killed.mkdir()
    (killed / outdir.STAGING_STAMP).write_text("12345")
    (killed / "report.html").write_text("half")
    lookalike = tmp_path / ".out.partial-mine"  # not ours: no stamp
    lookalike.mkdir()
    (lookalike / "keep.txt").write_text("k")
    old = tmp_path / ".out.old-abc123"  # killed between the two renames of a swap
    write(old, {"report.html": "old"})
    run(quick(out))
    assert not killed.exists() and not old.exists()
    assert (lookalike / "keep.txt").read_text() == "k"


def test_folder_problems_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        run(quick(tmp_path / "file" / "out"))
    with pytest.raises(ConfigError, match="the folder name is too long"):
        run(quick(tmp_path / ("x" * 250)))
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ConfigError, match="permission denied"):
                run(quick(locked / "out"))
        finally:
            locked.chmod(0o700)
