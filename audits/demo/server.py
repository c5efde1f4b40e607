"""Serve the sample world on 127.0.0.1: one port per site, in threads, for tests and the demo."""

from __future__ import annotations

import hashlib
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from audits.demo.build import OUTSIDE
from audits.demo.model import World

OUTSIDE_PLACEHOLDER = b"http://outside.test"


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threaded server with a real listen backlog. socketserver's default of 5 overflows
    under a crawler's bursts of new connections (HTTP/1.0: one per request); Linux then
    drops handshakes, and a connection caught in a few retransmissions waits past the
    30 s download timeout. Real servers listen with 511 (nginx) or more."""

    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address) -> None:
        # A crawler that stops reading (a download cut at its size limit, a closed crawl)
        # breaks the pipe: routine, not worth socketserver's traceback on stderr.
        logging.getLogger(__name__).debug("sample portal: client %s went away", client_address, exc_info=True)


class SamplePortalServer:
    """Context manager: every site of the world on its own 127.0.0.1 port (port 0)."""

    def __init__(self, world: World, host: str = "127.0.0.1"):
        self.world = world
        self.host = host
        self.servers: dict[str, LoopbackHTTPServer] = {}
        self.threads: list[threading.Thread] = []
        self.hits: list[tuple[str, str]] = []
        self.not_modified = 0  # 304 answers sent
        # (site key, path) -> body served instead of the generated one (tests change pages)
        self.overrides: dict[tuple[str, str], bytes] = {}
        # POSTs answered by closing the connection, as a server that has just dropped a
        # kept-alive connection does to the next request on it (tests set this)
        self.drop_posts = 0
        self._lock = threading.Lock()

    def __enter__(self) -> SamplePortalServer:
        for key, site in self.world.sites.items():
            server = LoopbackHTTPServer((self.host, 0), self._handler(key))
            self.servers[key] = server
            t = threading.Thread(target=server.serve_forever, name=f"sample-{key}", daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    # -- addresses ----------------------------------------------------------------
    def netloc(self, site_key: str) -> str:
        return f"{self.host}:{self.servers[site_key].server_address[1]}"

    def base_url(self, unit_id: str) -> str:
        unit = self.world.unit(unit_id)
        return f"http://{self.netloc(unit.site)}{unit.base}"

    def url(self, unit_id: str, path: str) -> str:
        return f"http://{self.netloc(self.world.unit(unit_id).site)}{path}"

    # -- files for the crawler and the tests -----------------------------------------
    def units_doc(self) -> dict:
        units = []
        for u in self.world.units:
            entry = {
                "id": u.id, "name": u.name, "short_name": u.short_name, "kind": u.kind,
                "start_urls": [self.base_url(u.id)], "allowed_domains": [self.netloc(u.site)],
                "url_status": "confirmed", "url_note": "local sample portal",
            }
            if u.base != "/":
                entry["allowed_paths"] = [u.base]
            if u.aliases:
                entry["aliases"] = list(u.aliases)
            if u.acts_for:
                entry["acts_for"] = list(u.acts_for)
            if u.template == "gkmlpt":
                entry["gkml_entry"] = f"http://{self.netloc(u.site)}/gkmlpt/index.html"
            units.append(entry)
        return {"registry": "sample portals (local)", "allow_local": True, "units": units}

    def write_units_file(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.units_doc(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def ground_truth(self) -> dict:
        units = {}
        for u in self.world.units:
            root = f"http://{self.netloc(u.site)}"
            pages = {}
            for path, rec in self.world.crawl_truth(u).items():
                rec = dict(rec)
                rec["final_url"] = root + rec.pop("final_path")
                pages[root + path] = rec
            units[u.id] = {
                "template": u.template, "encoding": u.encoding, "kind": u.kind,
                "footer": {
                    "site_code": u.footer["site_code"],
                    "site_code_meta": u.footer["site_code"] if u.footer.get("site_code_meta") else None,
                    "icp": u.footer["icp"], "police": u.footer["police"], "conac": u.footer["conac"],
                },
                "reachable": not self.world.sites[u.site].down,
                "pages": pages,
                # URLs only a crawl that renders script-built lists also reaches
                "pages_if_rendered": sorted(root + p for p in set(self.world.crawl_truth(u, rendered=True))
                                            - set(self.world.crawl_truth(u))),
                # ... and those a crawl that reads the gkmlpt JSON API reaches
                "pages_if_api": sorted(root + p for p in set(self.world.crawl_truth(u, api=True))
                                       - set(self.world.crawl_truth(u))),
                "profile": u.profile,
                # pages that imitate a required document (audits/demo/lookalikes.py): a pass never cites one
                "lookalikes": {root + p: r.lookalike for p, r in sorted(self.world.sites[u.site].resources.items())
                               if r.lookalike and p.startswith(u.base)},
            }
        return {"seed": self.world.seed, "as_of": self.world.as_of.isoformat(), "units": units}

    # -- HTTP ---------------------------------------------------------------------------
    def _handler(self, key: str):
        outer = self
        site = self.world.sites[key]

        class Handler(BaseHTTPRequestHandler):
            server_version = "SamplePortal/1.0"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _respond(self, head_only: bool) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                with outer._lock:
                    outer.hits.append((outer.netloc(key), path))
                res = site.get(f"{path}?{parts.query}" if parts.query else path)
                if res is None:
                    body, status, ctype, headers = "<h1>404 页面不存在</h1>".encode(), 404, "text/html; charset=utf-8", {}
                else:
                    body, status, ctype, headers = res.body, res.status, res.content_type, res.headers
                body = outer.overrides.get((key, path), body)
                if OUTSIDE_PLACEHOLDER in body and key != OUTSIDE:
                    body = body.replace(OUTSIDE_PLACEHOLDER, f"http://{outer.netloc(OUTSIDE)}".encode())
                if status == 200:
                    # Validators, as real web servers send them: incremental crawls revalidate.
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers = {**headers, "ETag": etag}
                    if self.headers.get("If-None-Match") == etag:
                        with outer._lock:
                            outer.not_modified += 1
                        self.send_response(304)
                        self.send_header("Connection", "close")
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return
                self.send_response(status)
                # HTTP/1.0, one request per connection, said as real servers say it: without
                # it Twisted pools the closed connection, and the next POST sent on it fails.
                self.send_header("Connection", "close")
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if not head_only:
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._respond(False)

            def do_HEAD(self) -> None:
                self._respond(True)

            def do_POST(self) -> None:
                # Hanweb's list pager posts to dataproxy.jsp?startrecord=…&endrecord=…&perpage=…
                # with the column in the form data; the world keys each answer by its URL (one
                # paged column per unit), so the form is read and not needed.
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with outer._lock:
                    drop, outer.drop_posts = outer.drop_posts > 0, max(0, outer.drop_posts - 1)
                if drop:
                    self.close_connection = True
                    return
                self._respond(False)

        return Handler
