"""The units registry: who is audited, where their portal is, and how far a crawl may go."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from rules.model import UnitInfo
from rules.vocab import UNIT_KINDS

DEFAULT_UNITS_FILE = "meizhou-units.yaml"
# confirmed by the office | seen in a public source, to be confirmed | a guess
URL_STATUSES = ("confirmed", "seen", "unconfirmed")
# Cloud metadata services answer on these names as well as on 169.254.169.254.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "instance-data"})
_ID_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


class UnitsError(Exception):
    """A units file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    allowed_paths: tuple[str, ...] = ()
    gkml_entry: str | None = None
    render: tuple[str, ...] = ()
    acts_for: tuple[str, ...] = ()
    url_status: str = "unconfirmed"
    url_note: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def info(self) -> UnitInfo:
        """What the rules know of this unit."""
        return UnitInfo(id=self.id, name=self.name, kind=self.kind, acts_for=self.acts_for,
                        names=tuple(n for n in (self.short_name, *self.aliases) if n))

    def in_scope(self, url: str) -> bool:
        """True when the crawl of this unit may fetch `url` (host, port and path prefix)."""
        return url_in_scope(url, self.allowed_domains, self.allowed_paths)


def url_in_scope(url: str, allowed_domains, allowed_paths=()) -> bool:
    """Whether `url` is on one of the allowed hosts (and under one of the paths, if any)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not _origin_in_scope(parts.scheme, parts.netloc, tuple(allowed_domains)):
        return False
    if allowed_paths:
        path = parts.path or "/"
        return any(path.startswith(p) for p in allowed_paths)
    return True


@functools.lru_cache(maxsize=4096)
def _origin_in_scope(scheme: str, netloc: str, allowed_domains: tuple[str, ...]) -> bool:
    """Cached per origin: every link of every page is checked, a site has few origins."""
    if scheme not in ("http", "https"):
        return False
    try:
        parts = urlsplit(f"{scheme}://{netloc}/")  # hostname and port read the netloc alone
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    if not host:
        return False
    return any(_host_allowed(host, port, d) for d in allowed_domains)


def _host_allowed(host: str, port: int | None, allowed: str) -> bool:
    allowed = allowed.lower()
    if ":" in allowed:  # host:port entries match exactly (local sample portals, odd ports)
        a_host, _, a_port = allowed.rpartition(":")
        return host == a_host and str(port) == a_port
    return host == allowed or host.endswith("." + allowed)


def local_host(host: str) -> bool:
    """Loopback, private, link-local (cloud metadata), unspecified or reserved: never a portal."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost") or host in METADATA_HOSTS:
        return True
    try:
        ip = ipaddress.ip_address(int(host) if host.isdigit() else host)  # 2130706433 is 127.0.0.1
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved or ip.is_multicast


def default_units_path() -> Path:
    return Path(str(resources.files("crawler") / "data" / DEFAULT_UNITS_FILE))


def load_units(path: str | Path | None = None) -> list[Unit]:
    """Load and validate a units file; raises UnitsError naming the file and field."""
    path = Path(path) if path else default_units_path()
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnitsError(f"{where}: units file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnitsError(f"{where}: cannot read units file: {exc}") from None
    except yaml.YAMLError as exc:
        raise UnitsError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("units"), list):
        raise UnitsError(f"{where}: expected a mapping with a 'units' list")
    # Local addresses are refused as start URLs, as they are as discovered links, unless the
    # file says it describes local sites (the sample portals, tests, benchmarks).
    allow_local = raw.get("allow_local", False)
    if not isinstance(allow_local, bool):
        raise UnitsError(f"{where}: allow_local: must be true or false")
    units: list[Unit] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["units"]):
        units.append(_parse_unit(entry, f"{where}: units[{i}]", seen, allow_local))
    if not units:
        raise UnitsError(f"{where}: 'units' is empty")
    for u in units:
        for other in u.acts_for:
            if other not in seen:
                raise UnitsError(f"{where}: unit {u.id}: acts_for names unknown unit {other!r}")
    return units


def _parse_unit(entry: object, where: str, seen: set[str], allow_local: bool = False) -> Unit:
    if not isinstance(entry, dict):
        raise UnitsError(f"{where}: expected a mapping")
    uid = entry.get("id")
    if not isinstance(uid, str) or not _ID_RE.match(uid):
        raise UnitsError(f"{where}.id: missing or not a lower-case id like 'meijiang' (got {uid!r})")
    where = f"{where} ({uid})"
    if uid in seen:
        raise UnitsError(f"{where}.id: duplicate id")
    seen.add(uid)

    def text(key: str, required: bool = True) -> str:
        value = entry.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise UnitsError(f"{where}.{key}: required text")
        return value.strip()

    def text_list(key: str, required: bool = False) -> tuple[str, ...]:
        value = entry.get(key, [])
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise UnitsError(f"{where}.{key}: expected a list of strings")
        if required and not value:
            raise UnitsError(f"{where}.{key}: at least one entry is required")
        return tuple(v.strip() for v in value)

    kind = text("kind")
    if kind not in UNIT_KINDS:
        raise UnitsError(f"{where}.kind: {kind!r} is not one of {', '.join(UNIT_KINDS)}")
    start_urls = text_list("start_urls", required=True)
    for url in start_urls:
        if urlsplit(url).scheme not in ("http", "https"):
            raise UnitsError(f"{where}.start_urls: {url!r} is not an http(s) URL")
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            raise UnitsError(f"{where}.start_urls: {url!r} is not a valid URL") from None
        if not allow_local and local_host(host):
            raise UnitsError(f"{where}.start_urls: {url!r} points to a loopback, private or link-local address; "
                             "refused unless the file sets `allow_local: true`")
    allowed_paths = text_list("allowed_paths")
    for p in allowed_paths:
        if not p.startswith("/"):
            raise UnitsError(f"{where}.allowed_paths: {p!r} must start with '/'")
    url_status = entry.get("url_status", "unconfirmed")
    if url_status not in URL_STATUSES:
        raise UnitsError(f"{where}.url_status: must be one of {', '.join(URL_STATUSES)}")
    unit = Unit(
        id=uid,
        name=text("name"),
        kind=kind,
        start_urls=start_urls,
        allowed_domains=text_list("allowed_domains", required=True),
        short_name=text("short_name", required=False),
        aliases=text_list("aliases"),
        allowed_paths=allowed_paths,
        gkml_entry=entry.get("gkml_entry") or None,
        render=text_list("render"),
        acts_for=text_list("acts_for"),
        url_status=url_status,
        url_note=text("url_note", required=False),
        extra={k: v for k, v in entry.items() if k not in _KNOWN_KEYS},
    )
    for url in start_urls:
        if not unit.in_scope(url):
            raise UnitsError(f"{where}.start_urls: {url!r} is outside allowed_domains/allowed_paths")
    return unit


_KNOWN_KEYS = {
    "id", "name", "kind", "start_urls", "allowed_domains", "short_name", "aliases",
    "allowed_paths", "gkml_entry", "render", "acts_for", "url_status", "url_note",
}


def select_units(units: list[Unit], ids: list[str] | None = None, kinds: tuple[str, ...] = ()) -> list[Unit]:
    """Filter by kind and by id; an unknown id is a UnitsError listing the known ones."""
    chosen = [u for u in units if not kinds or u.kind in kinds]
    if ids:
        by_id = {u.id: u for u in chosen}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            known = ", ".join(sorted(by_id)) or "(none)"
            raise UnitsError(f"unknown unit id(s) {', '.join(unknown)}; known here: {known}")
        chosen = [by_id[i] for i in ids]
    return chosen
