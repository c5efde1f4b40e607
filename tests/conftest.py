import os
from pathlib import Path

import pytest

# A system-wide proxy would send test requests for 127.0.0.1 somewhere else.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def tmp_db(tmp_path):
    from crawler.store import open_db

    db = open_db(tmp_path / "t.db")
    yield db
    db.close()


@pytest.fixture(scope="session")
def sample_server():
    """The sample portals on 127.0.0.1 (port 0), for the whole test session."""
    from audits.demo import SamplePortalServer, build_world

    with SamplePortalServer(build_world(seed=2021)) as server:
        yield server


def run_zwgk(*args, cwd=None, timeout=600):
    """Run the real CLI in a subprocess: Scrapy's reactor cannot restart inside pytest."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "audits.cli", *map(str, args)],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.fixture(scope="session")
def crawled(sample_server, tmp_path_factory):
    """One full crawl of every sample portal, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("crawl")
    units_file = out / "units.yaml"
    sample_server.write_units_file(units_file)
    db_path = out / "zwgk.db"
    # A static crawl (no browser): script-built lists must come out 'unknown'.
    log_file = out / "crawl.log"  # Scrapy's own log: kept off stderr, in the --log-file
    proc = run_zwgk("--log-file", log_file, "crawl", "--units", units_file, "--db", db_path, "-s", "ZWGK_RENDER=off", "-s", "ZWGK_GKML_API=off",
                    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
                    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "RETRY_TIMES=0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"db_path": db_path, "units_file": units_file, "server": sample_server, "proc": proc,
            "log": log_file.read_text(encoding="utf-8")}


CHROMIUM = "/usr/bin/chromium"
# Flags from the machine notes: no sandbox as root, and no background networking (this
# machine's network is closed; Chromium would otherwise retry Google hosts at every start).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", help="run tests marked 'browser' (needs /usr/bin/chromium)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--browser") or os.environ.get("ZWGK_BROWSER_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="browser test: pass --browser or set ZWGK_BROWSER_TESTS=1")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_terminal_summary(terminalreporter):
    """Print the real-page accuracy table that tests/test_real_accuracy.py recorded."""
    import sys

    module = sys.modules.get("tests.test_real_accuracy")
    lines = getattr(module, "REPORT", None)
    if lines:
        terminalreporter.section("real-page accuracy", sep="-")
        for line in lines:
            terminalreporter.write_line(line)
