"""Independent pieces of a long computation in child processes beside the caller (``hydro-sim validate``:
the tariff run; the design basis's conventional units, Yagen-I volume inverse and half its sensitivity
table).

A child is ``python -c`` importing one function of the package by name: it imports nothing of the caller's
script (unlike multiprocessing's spawn, which re-runs the caller's ``__main__`` and so needs the
``if __name__ == "__main__"`` guard), runs in its own session (a Ctrl-C reaches the caller only, which kills
its children on the way out: :meth:`Child.close`), reads its arguments pickled from a file on stdin and
writes ``("ok", result, seconds)`` pickled on stdout, or the exception it raised (raised again in the
caller, class and attributes kept). stderr goes to a temporary file, so that warnings can never fill a pipe
nobody reads while the child still computes. Results are the function's own, bit for bit (the same code on
the same input; the tests compare).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from typing import Any

from hydro_sim.errors import HydroSimError

__all__ = ["Child", "can_run_beside"]

_CODE = "from hydro_sim._children import _main; _main()"


def _main() -> None:
    """The child's side: run the function, write ("ok", result, seconds) or ("error", type, args, state,
    traceback) pickled on stdout (an error of the package comes back as itself, attributes and all)."""
    import importlib
    import time
    import traceback

    module, name, kwargs = pickle.load(sys.stdin.buffer)
    fn = getattr(importlib.import_module(module), name)
    t0 = time.perf_counter()
    try:
        value = fn(**kwargs)
    except Exception as exc:  # handed to the caller, which raises it again
        text = traceback.format_exc()
        try:
            blob = pickle.dumps(("error", type(exc), exc.args, dict(vars(exc)), text))
        except Exception:  # an unpicklable error: its text
            blob = pickle.dumps(("error", None, (str(exc),), {}, text))
        sys.stdout.buffer.write(blob)
        return
    sys.stdout.buffer.write(pickle.dumps(("ok", value, time.perf_counter() - t0)))


def _rebuild(cls: type[BaseException], args: tuple, state: dict) -> BaseException:
    """The child's exception in the caller: its class, its arguments and its attributes (whatever the
    class's own ``__init__`` asks for)."""
    exc = cls.__new__(cls)
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


def can_run_beside() -> bool:
    """Whether a child has a core of its own (two or more cores); on one core the caller runs the piece
    itself (a child would only add its start-up)."""
    return (os.cpu_count() or 1) >= 2


class Child:
    """``module.function(**kwargs)`` in a child process; :meth:`result` waits for it, :meth:`close` kills
    it if it still runs and frees its files (call it in a ``finally``)."""

    def __init__(self, module: str, function: str, kwargs: dict[str, Any]) -> None:
        self.what = f"{module}.{function}"
        # the arguments from a file (a pipe of them could block the caller until the child has read them)
        self._in = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._in.write(pickle.dumps((module, function, kwargs)))
        self._in.seek(0)
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CODE],
            stdin=self._in,
            stdout=subprocess.PIPE,
            stderr=self._err,
            start_new_session=True,
        )
        self._reply: tuple[Any, float] | None = None
        self._error: BaseException | None = None

    def check(self) -> None:
        """Without waiting: if the child has finished, collect its result, raising its error now (e.g. from
        the caller's progress callback, so that a failure there stops the caller's own work early)."""
        if self._reply is None and self._error is None and self._proc.poll() is not None:
            self.result()

    def result(self) -> tuple[Any, float]:
        """(the function's return value, its own run time in the child [s]). An exception the function
        raised is raised here again (its class and attributes; the child's traceback in a note); a child
        that died raises :class:`HydroSimError` with the end of its stderr."""
        if self._reply is not None:
            return self._reply
        if self._error is not None:
            raise self._error
        out, _ = self._proc.communicate()
        if self._proc.returncode == 0 and out:
            reply = pickle.loads(out)  # our own child's output
            if reply[0] == "ok":
                self._reply = (reply[1], float(reply[2]))
                return self._reply
            _, cls, args, state, text = reply
            exc = _rebuild(cls, args, state) if cls is not None else HydroSimError(*args)
            exc.add_note(f"(raised in a child process running {self.what}; its traceback:)\n{text}")
            self._error = exc
            raise exc
        self._err.seek(0)
        text = self._err.read().decode("utf-8", "replace").strip()
        last = text.splitlines()[-1] if text else "(no message)"
        self._error = HydroSimError(
            f"{self.what} failed in a child process (exit {self._proc.returncode}): {last}\n"
            f"the child's error output, its end:\n{text[-2000:]}"
        )
        raise self._error

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None and not self._proc.stdout.closed:
            self._proc.stdout.close()
        self._in.close()
        self._err.close()
