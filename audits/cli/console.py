"""What zwgk writes to the terminal, to cron's mail and to its log file.

stderr carries warnings and errors only, one line each: from cron, a successful run is
quiet there. Everything else (Scrapy's start-up and settings dumps, per-request errors of a
portal, third-party tracebacks) goes to the `--log-file`, if one is given.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

# Loggers of our own packages: their warnings concern the operator. A third-party record
# (Scrapy giving up on a portal's 503, Twisted's traceback of a refused connection) is a
# page status already stored in the database; on stderr only when critical.
OWN_LOGGERS = ("crawler", "audits", "reports", "rules", "zwgk")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class OneLine(logging.Formatter):
    """`zwgk: warning: message`, never a traceback (that goes to the log file)."""

    def __init__(self, log_file: Path | None):
        super().__init__()
        self.more = f" (details in {log_file})" if log_file else ""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        more = self.more if record.exc_info else ""
        return f"zwgk: {record.levelname.lower()}: {message}{more}"


class StderrFilter(logging.Filter):
    def __init__(self, level: int, everything: bool = False):
        super().__init__()
        self.level = level
        self.everything = everything

    def filter(self, record: logging.LogRecord) -> bool:
        own = self.everything or record.name.split(".")[0] in OWN_LOGGERS
        return record.levelno >= (self.level if own else max(self.level, logging.CRITICAL))


def setup_logging(log_file: Path | None, level: str, everything: bool = False) -> None:
    """Route every log record: one-line warnings to stderr, the whole story to `log_file`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    stderr_level = getattr(logging, level)
    file_level = min(stderr_level, logging.INFO)
    root.setLevel(file_level if log_file else stderr_level)
    console = logging.StreamHandler(sys.stderr)
    # -v (everything): every record, as logged; else one line per warning of our own
    console.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
                         if everything else OneLine(log_file))
    console.addFilter(StderrFilter(stderr_level, everything))
    root.addHandler(console)
    if log_file is not None:
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setLevel(file_level)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        root.addHandler(handler)
    logging.captureWarnings(True)


def log_level() -> str:
    """The level Scrapy should log at: whatever the handlers above can show."""
    return logging.getLevelName(logging.getLogger().level)


class Interrupted(BaseException):
    """Ctrl-C (SIGINT). Not a KeyboardInterrupt: click turns that into "Aborted!" and exit 1;
    this one reaches `main`, which exits 130 after the stage marked its run interrupted."""


def _on_sigint(signum, frame) -> None:
    raise Interrupted()


def install_sigint() -> None:
    signal.signal(signal.SIGINT, _on_sigint)
