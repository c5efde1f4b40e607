"""`zwgk run` for cron: crawl + audit + report in one command, never two at once."""

from audits.lock import RunLock
from tests.conftest import run_zwgk

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0"]


def test_run_does_every_stage(sample_server, tmp_path):
    units = sample_server.write_units_file(tmp_path / "units.yaml")
    db, out = tmp_path / "z.db", tmp_path / "report"
    proc = run_zwgk("run", "--units", units, "--unit", "mz-czj", "--unit", "fengshun", "--db", db,
                    "--as-of", "2021-12-20", "--out", out, *FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]  # 0 although findings fail
    assert "audit 1 of crawl 1 as of 2021-12-20" in proc.stdout
    assert (out / "index.html").exists() and (out / "units" / "unit-mz-czj.html").exists()


def test_second_run_on_the_same_database_refuses(tmp_path):
    db = tmp_path / "z.db"
    with RunLock(db):
        proc = run_zwgk("run", "--db", db, "--unit", "meijiang")
    assert proc.returncode == 3
    assert "another zwgk run is using" in proc.stderr and "Traceback" not in proc.stderr
    with RunLock(db):  # released after the first holder is done
        pass
