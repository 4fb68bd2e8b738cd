"""The fork server start method for ``reportgen.report.workers``, minus the main module.

The standard one re-runs the caller's ``__main__`` script in every worker, so a script
calling ``run()`` without an ``if __name__ == "__main__":`` guard would run again there; the
workers need only reportgen.  ``Popen._launch`` is the standard library's (Python 3.10 to
3.13) without the two main-module keys.  Importing this module fails where the platform has
no fork server (Windows); the workers then stay off.
"""

from __future__ import annotations

import io
import os
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from typing import Any


class Popen(popen_forkserver.Popen):  # type: ignore[misc]
    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        parent_w = os.dup(w)  # the child's sentinel of this process, as in the original
        close = util.close_fds  # type: ignore[attr-defined]
        self.finalizer = util.Finalize(self, close, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class WorkerProcess(context.ForkServerProcess):  # type: ignore[misc,name-defined]
    @staticmethod
    def _Popen(process_obj: Any) -> Popen:
        return Popen(process_obj)


class Context(context.ForkServerContext):  # type: ignore[misc,name-defined]
    Process = WorkerProcess
