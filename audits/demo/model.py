"""The sample world's data model: sites made of resources, and the units that live on them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit


@dataclass
class Resource:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    # What the generator knows about the page, for the ground truth (never parsed from HTML).
    links: list[str] = field(default_factory=list)  # absolute paths (or full URLs for offsite)
    title: str = ""
    kind: str = "other"
    pub_date: dt.date | None = None
    column_path: list[str] = field(default_factory=list)
    script_built: bool = False
    rendered_links: list[str] = field(default_factory=list)  # links a browser sees after the scripts ran
    api_links: list[str] = field(default_factory=list)  # gkmlpt API URLs named in the page's window._CONFIG
    lookalike: str = ""  # what this page imitates (a notice about a report, a repost...): never a pass's evidence
    # Links include the URLs a list's script pager loads (TRS index_N.html, Hanweb dataproxy.jsp
    # posts with their query): a crawler reads those from the page without a browser.


@dataclass
class Site:
    """One host:port. Departments live inside the city portal's site, as in reality."""

    key: str
    robots_disallow: list[str] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    down: bool = False  # answers 503 to everything (a portal that is down)

    def robots_txt(self) -> bytes:
        lines = ["User-agent: *"] + [f"Disallow: {p}" for p in self.robots_disallow]
        return ("\n".join(lines) + "\n").encode()

    def get(self, path: str) -> Resource | None:
        if self.down:
            return Resource(503, "<h1>503 Service Unavailable</h1>".encode(), "text/html; charset=utf-8")
        if path == "/robots.txt":
            return Resource(200, self.robots_txt(), "text/plain; charset=utf-8")
        # A resource keyed with its query (a gkmlpt API page, a Hanweb dataproxy answer) is that
        # URL only; any other resource answers whatever the query.
        return self.resources.get(path) or self.resources.get(path.split("?", 1)[0])

    def blocked(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.robots_disallow)


@dataclass
class SampleUnit:
    id: str
    name: str
    short_name: str
    kind: str
    site: str
    base: str  # "/" for a portal, "/zwgk/zfjg/<abbr>/" for a department section
    template: str  # one of registry.FAMILIES
    encoding: str
    footer: dict
    profile: list[dict] = field(default_factory=list)
    acts_for: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def start_path(self) -> str:
        return self.base


@dataclass
class World:
    seed: int
    as_of: dt.date
    sites: dict[str, Site]
    units: list[SampleUnit]

    def unit(self, unit_id: str) -> SampleUnit:
        return next(u for u in self.units if u.id == unit_id)

    def crawl_truth(self, unit: SampleUnit, max_depth: int = 6, rendered: bool = False,
                    api: bool = False) -> dict[str, dict]:
        """What a polite, in-scope crawler records for `unit`, computed from the model
        (`rendered`: a crawler that also runs the scripts of script-built lists)."""
        site = self.sites[unit.site]
        out: dict[str, dict] = {}
        queue = [(unit.start_path, 0)]
        seen = {unit.start_path}
        while queue:
            path, depth = queue.pop(0)
            if site.blocked(path) and not site.down:
                out[path] = {"status": None, "fetch": "blocked_robots", "final_path": path}
                continue
            res, final = site.get(path), path
            hops = 0
            while res is not None and res.status in (301, 302) and hops < 5:
                target = urlsplit(urljoin(final, res.headers["Location"])).path
                final, res, hops = target, site.get(target), hops + 1
            if res is None:
                out[path] = {"status": 404, "fetch": "http_error", "final_path": final}
                continue
            fetch = "ok" if res.status < 400 else ("blocked" if res.status in (401, 403, 429, 451) else "http_error")
            out[path] = {
                "status": res.status, "fetch": fetch, "final_path": final, "redirected": final != path,
                "kind": "home" if path == unit.start_path else res.kind, "title": res.title,
                "pub_date": res.pub_date.isoformat() if res.pub_date else None,
                "column_path": res.column_path, "script_built": res.script_built,
            }
            if fetch != "ok" or depth >= max_depth:
                continue
            for link in res.links + (res.rendered_links if rendered else []) + (res.api_links if api else []):
                if "://" in link:
                    continue  # offsite: recorded as a link, never fetched
                if not link.startswith(unit.base):
                    continue
                if link not in seen:
                    seen.add(link)
                    queue.append((link, depth + 1))
        return out
