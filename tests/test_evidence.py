"""The WARC archive of a crawl verifies, and any tampering is detected."""

import gzip
import shutil

from crawler import store
from tests.conftest import run_zwgk


def test_archive_verifies_and_tampering_is_detected(crawled, tmp_path):
    db = store.open_db(crawled["db_path"], create=False)
    # stored relative to the database's folder (an absolute path stays absolute under /)
    warc = crawled["db_path"].parent / db.execute("SELECT warc_file FROM crawl_runs").fetchone()[0]
    archived = db.execute("SELECT count(*) FROM pages WHERE warc_offset IS NOT NULL").fetchone()[0]
    fetched = db.execute("SELECT count(*) FROM pages WHERE status IS NOT NULL").fetchone()[0]
    db.close()
    assert archived == fetched > 1000
    ok = run_zwgk("evidence", "verify", "--db", crawled["db_path"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"{archived} responses in 1 archive(s), 0 problem(s)" in ok.stdout

    # Tamper: change one word in one record, re-compress that gzip member alone and splice it
    # back, so the archive stays a valid multi-member WARC whose later offsets have moved.
    backup = tmp_path / "orig.warc.gz"
    shutil.copyfile(warc, backup)
    try:
        raw = open(warc, "rb").read()
        db = store.open_db(crawled["db_path"], create=False)
        offsets = sorted(r[0] for r in db.execute("SELECT warc_offset FROM pages WHERE warc_offset IS NOT NULL"))
        db.close()
        bounds = list(zip(offsets, offsets[1:] + [len(raw)]))
        start, end = next((a, b) for a, b in bounds if "梅江区".encode() in gzip.decompress(raw[a:b]))
        member = gzip.decompress(raw[start:end]).replace("梅江区".encode(), "梅州区".encode(), 1)
        with open(warc, "wb") as fh:
            fh.write(raw[:start] + gzip.compress(member) + raw[end:])
        bad = run_zwgk("evidence", "verify", "--db", crawled["db_path"])
        assert bad.returncode == 1
        assert "ALTERED" in bad.stdout and "Traceback" not in bad.stderr
    finally:
        shutil.copyfile(backup, warc)
    assert run_zwgk("evidence", "verify", "--db", crawled["db_path"]).returncode == 0
