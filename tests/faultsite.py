"""A portal that misbehaves in every way real government sites do, for the fault suite.

Each path is one fault. ``EXPECTED`` says what the crawl must record for it. A second
server (the canary) stands for loopback/private addresses a hostile page links to: it
counts every request, and the crawl must never reach it. A third port answers TLS
handshakes with garbage.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from audits.demo.server import LoopbackHTTPServer

SLOW = 4.0  # seconds; tests set DOWNLOAD_TIMEOUT below this

# path -> (fetch_status, status) the crawl must store
EXPECTED = {
    "/": ("ok", 200),
    "/slow-headers": ("timeout", None),
    "/slow-body": ("timeout", None),
    "/flaky": ("ok", 200),  # 503, 503, then 200: retried through the burst
    "/down": ("http_error", 500),
    "/forbidden": ("blocked", 403),
    "/too-many": ("blocked", 429),
    "/loop-a": ("redirect_loop", None),
    "/bomb": ("too_large", None),
    "/huge": ("too_large", None),
    "/huge-chunked": ("too_large", None),
    "/reset": ("error", None),
    "/malformed": ("ok", 200),
    "/wrong-charset": ("ok", 200),
    "/binary-as-html": ("ok", 200),
    "/empty": ("ok", 200),
    "/big": ("ok", 200),  # under DOWNLOAD_MAXSIZE, over the stored-body limit
    "/a/": ("ok", 200),
}
WRONG_CHARSET_TITLE = "政府信息公开年度报告"


def _html(title: str, body: str = "", charset: str = "utf-8") -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='{charset}'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{body}</body></html>").encode(charset if charset != "gb2312" else "gbk")


class FaultSite:
    def __init__(self, *, maxsize: int = 1_000_000):
        self.maxsize = maxsize
        self.hits: dict[str, int] = {}
        self.canary_hits: list[str] = []
        self.annex_hits: list[str] = []
        self.lock = threading.Lock()
        self._servers: list[LoopbackHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._tls_sock: socket.socket | None = None

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> FaultSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                with site.lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                try:
                    site.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Canary(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.canary_hits.append(self.path)
                self.send_response(200)
                self.end_headers()

        class Annex(BaseHTTPRequestHandler):
            """A second host of the same unit; its robots.txt is slow, so requests queue for it."""

            def log_message(self, *args):
                pass

            def do_GET(self):
                with site.lock:
                    site.annex_hits.append(self.path)
                if self.path == "/robots.txt":
                    time.sleep(0.5)
                    return site._send(self, 200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
                return site._send(self, 200, _html("附属站点页面"))

        for handler in (Handler, Canary, Annex):
            server = LoopbackHTTPServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        self.port = self._servers[0].server_address[1]
        self.canary_port = self._servers[1].server_address[1]
        self.annex_port = self._servers[2].server_address[1]
        self._start_tls_garbage()
        return self

    def __exit__(self, *exc):
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self._tls_sock is not None:
            self._tls_sock.close()

    def _start_tls_garbage(self) -> None:
        """A port that answers a TLS ClientHello with plain-text garbage: a TLS error."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self._tls_sock = sock
        self.tls_port = sock.getsockname()[1]

        def serve():
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                try:
                    conn.recv(1024)
                    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nthis is not TLS\r\n" * 4)
                finally:
                    conn.close()

        threading.Thread(target=serve, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def units_yaml(self) -> str:
        return f"""allow_local: true
units:
  - id: meijiang
    name: 梅州市梅江区人民政府
    short_name: 梅江区
    kind: county
    start_urls: ["{self.base}/"]
    allowed_domains: ["127.0.0.1:{self.port}", "127.0.0.1:{self.annex_port}"]
  - id: pingyuan
    name: 平远县人民政府
    short_name: 平远县
    kind: county
    start_urls: ["https://127.0.0.1:{self.tls_port}/"]
    allowed_domains: ["127.0.0.1:{self.tls_port}"]
"""

    # -- the faults ------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        path = url.path
        if path == "/robots.txt":
            return self._send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/":
            return self._send(h, 200, self.home())
        if path == "/slow-headers":
            time.sleep(SLOW)
            return self._send(h, 200, _html("迟到的页面"))
        if path == "/slow-body":
            body = _html("很慢的页面", "<p>" + "慢" * 2000 + "</p>")
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[:100])
            h.wfile.flush()
            time.sleep(SLOW)
            h.wfile.write(body[100:])
            return
        if path == "/flaky":
            if self.hits[h.path] <= 2:
                return self._send(h, 503, _html("服务暂不可用"))
            return self._send(h, 200, _html("恢复的页面"))
        if path == "/down":
            return self._send(h, 500, _html("内部错误"))
        if path == "/forbidden":
            return self._send(h, 403, _html("禁止访问"))
        if path == "/too-many":
            return self._send(h, 429, _html("请求过多"), extra={"Retry-After": "1"})
        if path in ("/loop-a", "/loop-b"):
            h.send_response(302)
            h.send_header("Location", "/loop-b" if path == "/loop-a" else "/loop-a")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if path == "/bomb":
            # ~100 kB on the wire, 100 x maxsize once inflated
            payload = gzip.compress(b"<html>" + b"\0" * (self.maxsize * 100), compresslevel=9)
            return self._send(h, 200, payload, extra={"Content-Encoding": "gzip"})
        if path == "/huge":
            size = self.maxsize * 5
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(size))
            h.end_headers()
            chunk = b"<p>" + b"x" * 65533
            sent = 0
            while sent < size:
                h.wfile.write(chunk)
                sent += len(chunk)
            return
        if path == "/huge-chunked":
            # No Content-Length: the size is only known by reading, so the limit bites mid-body.
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Connection", "close")
            h.end_headers()
            h.close_connection = True
            chunk = b"<p>" + b"y" * 65533
            for _ in range(self.maxsize * 5 // len(chunk) + 1):
                h.wfile.write(chunk)
            return
        if path == "/reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            h.connection.close()
            h.close_connection = True
            return
        if path == "/malformed":
            body = (b"<html><head><title>\xff\xfe\xe6\x94\xbf broken</title><body><table><tr><td><div>" * 3
                    + b"<div>" * 20000 + b"\x00\x00<p>unclosed <a href='/a/'>link</a><script>if (a < b) {"
                    + b"</td></tr></html><<<>>>&#xZZZZ;&bogus;")
            return self._send(h, 200, body)
        if path == "/wrong-charset":
            # Declares UTF-8 in both header and meta, but the bytes are GBK.
            body = (f"<html><head><meta charset='utf-8'><title>{WRONG_CHARSET_TITLE}</title></head>"
                    f"<body><h1>{WRONG_CHARSET_TITLE}</h1><p>发布日期：2021-03-01</p></body></html>").encode("gbk")
            return self._send(h, 200, body)
        if path == "/binary-as-html":
            return self._send(h, 200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
        if path == "/big":
            return self._send(h, 200, _html("很长的页面", "<p>" + "政务公开。" * (self.maxsize // 30) + "</p>"))
        if path == "/empty":
            return self._send(h, 200, b"")
        if path == "/calendar":
            day = int((parse_qs(url.query).get("d") or ["0"])[0])
            links = "".join(f"<a href='/calendar?d={day + k}'>第{day + k}天</a>" for k in (1, 2, 7, 30))
            return self._send(h, 200, _html(f"日历 {day}", links))
        if path.startswith("/a/"):
            # A relative link that grows the path at every hop: /a/a/a/...
            return self._send(h, 200, _html("相对链接陷阱", "<a href='a/'>下一层</a>"))
        return self._send(h, 404, _html("未找到"))

    def home(self) -> bytes:
        c = self.canary_port
        private = [
            f"http://127.0.0.1:{c}/secret", f"http://localhost:{c}/admin", f"http://[::1]:{c}/",
            "http://10.0.0.1/", "http://192.168.1.1/login", "http://169.254.169.254/latest/meta-data/",
            "http://172.16.0.5/", "file:///etc/passwd", "ftp://127.0.0.1/",
        ]
        annex = [f"http://127.0.0.1:{self.annex_port}/private/{i}.html" for i in range(12)]
        links = [p for p in EXPECTED if p != "/"] + ["/calendar?d=1"] + private + annex
        items = "".join(f"<li><a href='{u}'>{u}</a></li>" for u in links)
        return _html("梅江区人民政府门户网站", f"<ul>{items}</ul><p>网站标识码：4414000001</p>")

    @staticmethod
    def _send(h, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", extra=None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
