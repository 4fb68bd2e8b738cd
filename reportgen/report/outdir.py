"""The output folder: reserved for one run, replaced only where reportgen wrote it.

A run locks ``--out`` for its whole length (a second run into the same folder fails at once),
writes everything into a staging folder beside it and moves that into place only when the
whole run succeeded, so a failed run leaves no half-written report and keeps the previous one.

The marker file ``.reportgen`` lists every file the run wrote, with its size and SHA-256.
``--force`` replaces a folder only when each file in it is one of those, unchanged: anything
else (the input above all, a document, a file added during the run, an empty or copied
marker) stops the run and nothing is deleted. Files are removed one by one from that list,
never with a recursive delete of the folder.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import ConfigError, ReportgenError

MARKER = ".reportgen"
STAGING_STAMP = ".reportgen-staging"  # inside a staging folder: safe to remove when stale
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Target:
    """A reserved output folder (absolute); ``stage()`` writes into it."""

    out: Path
    force: bool

    @contextmanager
    def stage(self) -> Iterator[Path]:
        """A staging folder beside ``out``, moved into place only if the block succeeds."""
        stage = _new_stage(self.out)
        try:
            yield stage
            (stage / MARKER).write_text(_marker_text(stage), encoding="utf-8")
            _swap(stage, self.out, self.force)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)


@contextmanager
def reserve(out: Path, force: bool, inputs: Iterable[str | Path] = ()) -> Iterator[Target]:
    """Lock ``out`` for this run, clean what killed runs left beside it and check that it may
    be written: new, empty, or (with ``force``) an unchanged earlier reportgen output that holds
    none of ``inputs``."""
    out = Path(os.path.abspath(out))
    _make_parent(out)
    with _locked(out):
        _clean_stale(out)
        check_target(out, force, inputs)
        yield Target(out, force)


def check_target(out: Path, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse to write over anything that is not an unchanged earlier reportgen output."""
    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; choose a folder")
    for given in inputs:
        path = _local_path(given)
        if path is not None and _within(path, out):
            raise ConfigError(
                f"the input {given} is inside --out {out}; reportgen replaces that folder, "
                "so choose another --out"
            )
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not force:
        raise ConfigError(
            f"--out {out} already exists and is not empty; use --force to "
            "replace an earlier report or choose another folder"
        )
    _check_written(out)


def written_files(folder: Path) -> dict[str, dict[str, object]]:
    """The files the marker of ``folder`` says reportgen wrote (relative path -> size, sha256);
    empty when there is no readable marker."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, dict)}


# ------------------------------------------------------------------------------- checking


def _check_written(out: Path) -> None:
    """Every entry of ``out`` must be a file its marker lists, unchanged."""
    listed = written_files(out)
    if not listed:
        raise ConfigError(
            f"--out {out} was not made by reportgen (no {MARKER} marker listing its files); "
            "refusing to replace it, choose another folder"
        )
    folders = _folders_of(listed)
    for name, kind in _entries(out):
        if kind == "dir" and name in folders:
            continue
        entry = listed.get(name)
        if kind != "file" or entry is None:
            raise ConfigError(
                f"--out {out} holds {name}, which reportgen did not write; refusing to replace "
                "the folder: move it out or choose another --out"
            )
        if not _same(out / name, entry):
            raise ConfigError(
                f"--out {out}: {name} was changed after reportgen wrote it; refusing to replace "
                "it: move it out or choose another --out"
            )


def _entries(folder: Path) -> Iterator[tuple[str, str]]:
    """(relative posix path, "file" | "dir" | "other") of everything below ``folder`` except
    the marker; links are reported, never followed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        for name in dirs:
            path = base / name
            yield path.relative_to(folder).as_posix(), "other" if path.is_symlink() else "dir"
        for name in files:
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if rel == MARKER:
                continue
            yield rel, "file" if path.is_file() and not path.is_symlink() else "other"


def _folders_of(listed: Iterable[str]) -> set[str]:
    """The sub-folders that hold listed files ("segments" for "segments/part-0.parquet")."""
    return {p.as_posix() for name in listed for p in Path(name).parents if p != Path(".")}


def _same(path: Path, entry: dict[str, object]) -> bool:
    try:
        if path.stat().st_size != entry.get("size"):
            return False
        return _sha256(path) == entry.get("sha256")
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _marker_text(stage: Path) -> str:
    files = {
        name: {"size": (stage / name).stat().st_size, "sha256": _sha256(stage / name)}
        for name, kind in sorted(_entries(stage))
        if kind == "file" and name != STAGING_STAMP
    }
    return json.dumps({"made_by": "reportgen", "files": files}, indent=1) + "\n"


def _local_path(given: str | Path) -> Path | None:
    """A local path for an input (the folder before any glob characters); None for URLs."""
    text = str(given)
    if "://" in text:
        return None
    for i, char in enumerate(text):
        if char in "*?[":
            text = os.path.dirname(text[:i]) or "."
            break
    return Path(os.path.abspath(text))


def _within(path: Path, folder: Path) -> bool:
    for a, b in ((path, folder), (path.resolve(), folder.resolve())):
        if a == b or b in a.parents:
            return True
    return False


# ------------------------------------------------------------------------------- the lock


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (a lock file beside it) or fail at once.

    The operating system releases it when the process ends however it ends, so a killed run
    never leaves the folder locked."""
    path = _lock_path(out)
    handle = _acquire(path, out)
    try:
        yield
    finally:
        with suppress(OSError):
            path.unlink()  # while still held: a waiting opener re-checks the inode
        handle.close()


def _acquire(path: Path, out: Path):  # type: ignore[no-untyped-def]
    while True:
        try:
            handle = path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise _os_error(exc, out) from None
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise ConfigError(
                f"--out {out} is being written by another reportgen run"
                + (f" (process {holder})" if holder.isdigit() else "")
                + "; wait for it to finish or choose another folder"
            )
        try:
            same = os.fstat(handle.fileno()).st_ino == path.stat().st_ino
        except OSError:
            same = False
        if same:  # not unlinked by the run that held it just before us
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            return handle
        handle.close()


def _try_lock(handle) -> bool:  # type: ignore[no-untyped-def]
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


# ------------------------------------------------------------------------ staging and swap


def _make_parent(out: Path) -> None:
    parent = out.parent
    for above in (parent, *parent.parents):
        if above.exists():
            if not above.is_dir():
                raise ConfigError(f"--out {out}: {above} is a file, not a folder; choose another")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, out) from None
    if len(os.fsencode(out.name)) > 200:  # staging names add about 20 characters
        raise ConfigError(f"--out {out}: the folder name is too long; use at most 200 characters")


def _new_stage(out: Path) -> Path:
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
        (stage / STAGING_STAMP).write_text(str(os.getpid()), encoding="utf-8")
    except OSError as exc:
        raise _os_error(exc, out) from None
    stage.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the report is not
    return stage


def _clean_stale(out: Path) -> None:
    """Remove what killed runs into ``out`` left beside it (we hold its lock, so no live run
    owns them): staging folders carrying our stamp, and the written files of old copies."""
    for path in out.parent.glob(f".{out.name}.partial-*"):
        if (path / STAGING_STAMP).is_file() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    for path in out.parent.glob(f".{out.name}.old-*"):
        if path.is_dir() and not path.is_symlink():
            _remove_written(path)


def _swap(stage: Path, out: Path, force: bool) -> None:
    """Move ``stage`` to ``out``; an earlier output there is checked again (files may have
    appeared during the run) and only its listed files are removed."""
    (stage / STAGING_STAMP).unlink()
    if not out.exists():
        _rename(stage, out)
        return
    check_target(out, force)  # raises, and nothing is replaced, if it holds anything else
    old = out.parent / f".{out.name}.old-{stage.name.rsplit('-', 1)[-1]}"
    _rename(out, old)
    _rename(stage, out)
    _remove_written(old)
    _restore_strays(old, out)


def _remove_written(folder: Path) -> None:
    """Delete the files ``folder``'s marker lists (unchanged ones only), then the marker and
    the folders left empty. Anything else stays where it is."""
    listed = written_files(folder)
    for name, entry in listed.items():
        path = folder / name
        ours = path.is_file() and not path.is_symlink() and _same(path, entry)
        if ours and _within(path, folder):
            with suppress(OSError):
                path.unlink()
    folders = sorted(_folders_of(listed), key=lambda name: -name.count("/"))
    with suppress(OSError):
        (folder / MARKER).unlink()
    for name in [*folders, "."]:
        with suppress(OSError):
            os.rmdir(folder / name)  # only succeeds when empty


def _restore_strays(old: Path, out: Path) -> None:
    """A file that arrived between the last check and the move goes back beside the report."""
    if not old.exists():
        return
    for path in old.iterdir():
        if not (out / path.name).exists():
            with suppress(OSError):
                path.rename(out / path.name)
    with suppress(OSError):
        old.rmdir()


def _rename(source: Path, target: Path) -> None:
    try:
        source.rename(target)
    except OSError as exc:
        raise _os_error(exc, target) from None


def _os_error(exc: OSError, out: Path) -> ReportgenError:
    """An operating-system failure on the output folder, said as what it means."""
    where = f"--out {out}"
    if exc.errno == errno.ENOSPC:
        return ConfigError(f"{where}: the disk is full; free some space or choose another folder")
    if exc.errno == errno.EROFS:
        return ConfigError(f"{where} is on a read-only file system; choose another folder")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ConfigError(f"{where}: permission denied; choose a folder you can write to")
    if exc.errno == errno.ENAMETOOLONG:
        return ConfigError(f"{where}: the name is too long; choose a shorter one")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return ConfigError(f"{where}: a file is in the way of the folder; choose another")
    return ConfigError(f"{where}: {exc.strerror or exc}; choose another folder")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
