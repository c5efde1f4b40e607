"""The WARC archive of a crawl verifies, and any tampering is detected."""

import gzip
import shutil

from audits import db as store
from tests.conftest import run_zwgk


def test_archive_verifies_and_tampering_is_detected(crawled, tmp_path):
    db = store.open_db(crawled["db_path"], create=False)
    warc = db.execute("SELECT warc_file FROM crawl_runs").fetchone()[0]
    archived = db.execute("SELECT count(*) FROM pages WHERE warc_offset IS NOT NULL").fetchone()[0]
    fetched = db.execute("SELECT count(*) FROM pages WHERE status IS NOT NULL").fetchone()[0]
    db.close()
    assert archived == fetched > 1000
    ok = run_zwgk("evidence", "verify", "--db", crawled["db_path"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"{archived} responses, 0 problem(s)" in ok.stdout

    # Tamper with a copy: change one word of one archived page, keep the gzip member valid.
    backup = tmp_path / "orig.warc.gz"
    shutil.copyfile(warc, backup)
    try:
        data = gzip.decompress(open(warc, "rb").read())
        assert "梅江区".encode() in data
        with gzip.open(warc, "wb") as fh:
            fh.write(data.replace("梅江区".encode(), "梅州区".encode(), 1))
        bad = run_zwgk("evidence", "verify", "--db", crawled["db_path"])
        assert bad.returncode == 1
        assert "ALTERED" in bad.stdout and "Traceback" not in bad.stderr
    finally:
        shutil.copyfile(backup, warc)
    assert run_zwgk("evidence", "verify", "--db", crawled["db_path"]).returncode == 0
