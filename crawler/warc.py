"""Raw responses as evidence: one gzipped WARC file per crawl run (warcio)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


class WarcArchive:
    """Appends response records; each write returns the record's offset in the file."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = path.open("ab")
        self.writer = WARCWriter(self.fh, gzip=True)

    def write(self, url: str, status: int, content_type: str | None, body: bytes, fetched_at: str) -> int:
        offset = self.fh.tell()
        headers = [("Content-Type", content_type or "application/octet-stream"), ("Content-Length", str(len(body)))]
        http = StatusAndHeaders(f"{status} -", headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http,
            warc_headers_dict={"WARC-Date": fetched_at.replace("+00:00", "Z")},
        )
        self.writer.write_record(record)
        return offset

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


def iter_payloads(path: Path):
    """(offset, url, sha256 of the payload) for every response record."""
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            if record.rec_type != "response":
                continue
            body = record.content_stream().read()  # before asking the offset, which moves the stream
            yield iterator.get_record_offset(), record.rec_headers.get_header("WARC-Target-URI"), \
                hashlib.sha256(body).hexdigest()
