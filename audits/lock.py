"""One `zwgk run` at a time per database: an exclusive lock file beside it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class RunLockBusy(Exception):
    """Another process holds the lock."""


class RunLock:
    """An exclusive, non-blocking lock next to the database; released even on a crash."""

    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + ".lock")
        self.fh = None

    def __enter__(self) -> RunLock:
        self.fh = self.path.open("w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise RunLockBusy(f"another zwgk run is using {self.path.with_suffix('')}; "
                              "not starting a second one") from None
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()
