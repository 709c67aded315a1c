"""The CLI's output places: checked before any computation, written all at once, never left half-written.

- :func:`check_new_folder` and :func:`check_file_place` refuse an output place that cannot be used (a file,
  a path under a file, a folder that cannot be written, ``.`` or ``..``) before the computation starts, by
  creating and removing a probe temporary where the output will go.
- :func:`new_folder` and :func:`write_file` write into a hidden temporary named with the prefix, this
  process's id and a random part (``.OUT.tmp-PID-XXXX/``, ``.schedule.csv.PID.XXXX.tmp``), then rename it
  into place with SIGINT/SIGTERM blocked; an exception or a signal removes the temporary. A later run removes
  the temporaries it recognises whose process is gone (:func:`remove_stale`), e.g. after a SIGKILL.
- :class:`SignalGuard` turns SIGINT and SIGTERM into :class:`Interrupted` (once; further signals during the
  clean-up are recorded, not raised), and restores the previous handlers on exit.

Test hook: when the environment variable :data:`PAUSE_ENV` holds a number of seconds, every output file
written into a temporary is followed by the line ``hydro-sim: test hook: wrote NAME`` on stderr and a pause
of that length, so a test can interrupt a run in the middle of its write deterministically. Nothing else reads
the variable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any, Self

from hydro_sim._validation import fail

__all__ = [
    "PAUSE_ENV",
    "Interrupted",
    "SignalGuard",
    "check_file_place",
    "check_new_folder",
    "is_run_folder",
    "new_folder",
    "remove_stale",
    "test_hook",
    "write_file",
]

#: Environment variable of the test hook (see the module docstring). [s]
PAUSE_ENV = "HYDRO_SIM_TEST_PAUSE_AFTER_FILE_S"
#: Exit codes of a run interrupted by a signal: 128 + the signal's number (the shell's convention).
EXIT_CODES = {"SIGINT": 128 + signal.SIGINT, "SIGTERM": 128 + signal.SIGTERM}
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached the CLI (a BaseException, so that no ``except Exception`` swallows it)."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class SignalGuard:
    """While active, SIGINT and SIGTERM raise :class:`Interrupted` in the main thread, once.

    ``received`` holds the first signal's name. After :meth:`done` (the output is complete) signals are
    recorded but no longer raised. Outside the main thread this does nothing (Python allows handlers there only).
    """

    def __init__(self) -> None:
        self.received: str | None = None
        self.committed = False
        self._old: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:  # a second signal, during the clean-up of the first: recorded already
            return
        self.received = name = signal.Signals(signum).name
        if not self.committed:
            raise Interrupted(name)

    def done(self) -> None:
        """The output is in place: from now on a signal cannot make it partial, so it is only recorded."""
        self.committed = True

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for sig in _SIGNALS:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM held back (delivered on exit): a rename and its bookkeeping are not torn apart."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _pending_signal() -> bool:
    return hasattr(signal, "sigpending") and bool(set(signal.sigpending()) & set(_SIGNALS))


def test_hook(name: str) -> None:
    """The test hook of the module docstring: announce a written file and pause, if :data:`PAUSE_ENV` is set."""
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        sys.stderr.write(f"hydro-sim: test hook: wrote {name}\n")
        sys.stderr.flush()
        time.sleep(float(pause))


# ---- checks before the computation ------------------------------------------------------------------------


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _probe(folder: Path, out: Path, where: str) -> None:
    """Create and remove a temporary folder in ``folder``: proof that the output can be created there."""
    try:
        probe = tempfile.mkdtemp(dir=folder, prefix=".hydro-sim-probe-")
        os.rmdir(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise fail(
            "--out",
            f"cannot be written: creating a folder in {str(folder)!r} fails "
            f"({reason}); choose a folder you can write to",
            str(out),
            where,
        ) from None


def _check_under_folders(out: Path, where: str) -> Path:
    """Refuse a path under a file; return the nearest existing folder."""
    base = _nearest_existing(out.parent if not out.exists() else out)
    if not base.is_dir():
        raise fail(
            "--out",
            f"lies under {str(base)!r}, which is a file, not a folder; name a folder whose "
            "parents are folders",
            str(out),
            where,
        )
    return base


def _check_names(out: Path, where: str) -> None:
    """Refuse names the file system cannot hold (checked first: even asking whether they exist fails)."""
    for part in out.parts:
        if len(os.fsencode(part)) > 255:
            raise fail(
                "--out", f"has a name longer than 255 bytes ({part[:20]!r}…)", str(out)[:60] + "…", where
            )


#: The file whose presence (with ``"written_by": "hydro-sim"``) marks a folder as the output of a run, so
#: that ``--force`` may replace it; any other folder is never replaced.
RUN_MARKER = "summary.json"


def is_run_folder(folder: Path) -> bool:
    """``folder`` holds the output of an earlier ``hydro-sim run`` (its ``summary.json`` says so)."""
    import json

    marker = folder / RUN_MARKER
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == "hydro-sim"


def check_new_folder(out: Path, where: str, *, force: bool | None = None) -> None:
    """Refuse ``out`` as a new output folder unless it can be created (or is an empty folder): before any work.

    With ``force`` (None: the command has no ``--force``) an existing folder is accepted too if it holds the output of an earlier run
    (:func:`is_run_folder`): :func:`new_folder` with ``replace=True`` then replaces it whole, at once. A
    folder that hydro-sim did not write is never replaced.

    Raises
    ------
    HydroSimInputError
        ``.``/``..`` or an empty name, a file, a non-empty folder (without ``force``, or one that is not a run's
        output), a path under a file, a place that cannot be written.
    """
    _check_names(out, where)
    if out.name in ("", ".", ".."):
        raise fail(
            "--out",
            "must name a new folder (not '.', '..' or a folder given by a trailing '/..'); "
            "e.g. `--out validate_out`",
            str(out),
            where,
        )
    if out.is_symlink():
        raise fail(
            "--out", "is a symbolic link; the output is a new folder: name a new folder", str(out), where
        )
    if out.exists() and not out.is_dir():
        raise fail("--out", "is a file; the output is a folder: name a new folder", str(out), where)
    if out.is_dir() and any(out.iterdir()):
        if force and not is_run_folder(out):
            raise fail(
                "--out",
                "already exists and holds files that hydro-sim did not write (no summary.json of a run): "
                "--force replaces only the folder of an earlier run; name a new folder",
                str(out),
                where,
            )
        if not force:
            hint = "" if force is None else ", or add --force to replace the folder of an earlier run"
            raise fail(
                "--out",
                "already exists and is not an empty folder; the output is never overwritten: name a new "
                f"folder{hint}",
                str(out),
                where,
            )
    base = _check_under_folders(out, where)
    _probe(base if base != out else out.parent, out, where)


def check_file_place(out: Path, name: str, where: str) -> None:
    """Refuse ``out`` as the folder for the file ``name`` (which must not exist yet): before any work."""
    _check_names(out, where)
    if out.exists() and not out.is_dir():
        raise fail("--out", f"is a file; it must be a folder for {name}", str(out), where)
    if (out / name).exists() or (out / name).is_symlink():
        raise fail(
            "--out",
            f"already holds {name}; the output is never overwritten: choose a new folder or "
            "remove the old file",
            str(out),
            where,
        )
    base = _check_under_folders(out, where)
    _probe(base, out, where)


# ---- stale temporaries ------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale(folder: Path, pattern: str) -> list[Path]:
    """Remove the entries of ``folder`` whose name matches ``pattern`` (a regex with a group ``pid``) and whose
    process is gone; return them. Entries of live processes, and names it does not recognise, are kept."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    rx = re.compile(pattern)
    for entry in folder.iterdir():
        m = rx.fullmatch(entry.name)
        if m is None or int(m.group("pid")) == os.getpid() or _pid_alive(int(m.group("pid"))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        removed.append(entry)
    return removed


def _folder_pattern(name: str) -> str:
    return rf"\.{re.escape(name)}\.tmp-(?P<pid>\d+)-[A-Za-z0-9_]+"


def _file_pattern(name: str) -> str:
    return rf"\.{re.escape(name)}\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp"


# ---- writing ----------------------------------------------------------------------------------------------


def _swap(tmp: Path, out: Path) -> None:
    """Put the folder ``tmp`` at ``out``, which exists: ``out`` is moved aside, ``tmp`` renamed, the old removed.

    Called with the signals blocked; if the second rename fails, the old folder is put back."""
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-{os.getpid()}-"))
    os.rmdir(old)
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def new_folder(out: Path, guard: SignalGuard | None = None, *, replace: bool = False) -> Iterator[Path]:
    """Yield a hidden temporary sibling of ``out`` to fill; on success rename it to ``out`` (an empty folder
    ``out`` is replaced, and with ``replace`` any folder ``out``: checked by :func:`check_new_folder` with
    ``force``); on an exception or a signal remove it and leave ``out`` as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out.parent, _folder_pattern(out.name))
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-{os.getpid()}-"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's 0700 is for the temporary, not for the output
        yield tmp
        with _signals_blocked():
            committed = not _pending_signal()
            if committed:
                if out.is_dir() and replace and any(out.iterdir()):
                    _swap(tmp, out)
                else:
                    if out.is_dir():
                        out.rmdir()
                    os.replace(tmp, out)
                if guard is not None:
                    guard.done()
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not committed:  # the held-back signal normally raises as the block ends; this is the fallback
        raise Interrupted(guard.received if guard is not None and guard.received else "SIGINT")


def write_file(path: Path, text: str, guard: SignalGuard | None = None, *, replace: bool = False) -> None:
    """Write ``path`` all at once (a hidden temporary beside it, then a rename); never overwrite a file, unless
    ``replace`` (then an existing file is replaced at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path.parent, _file_pattern(path.name))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 is for the temporary, not for the output
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        test_hook(path.name)
        with _signals_blocked():
            committed = not _pending_signal()
            if committed:
                if replace:
                    os.replace(tmp, path)
                else:
                    _link_or_replace(tmp, path)
                if guard is not None:
                    guard.done()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    if not committed:  # the held-back signal normally raises as the block ends; this is the fallback
        raise Interrupted(guard.received if guard is not None and guard.received else "SIGINT")


def _link_or_replace(tmp: str, path: Path) -> None:
    """Put ``tmp`` at ``path``; a hard link fails if the file appeared meanwhile, so nothing is overwritten."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise fail(
            "--out",
            f"already holds {path.name}; the output is never overwritten",
            str(path.parent),
            "hydro-sim",
        ) from None
    except OSError as exc:  # pragma: no cover - a file system without hard links
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        os.replace(tmp, path)
