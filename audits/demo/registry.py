"""Who lives in the sample world and how each unit's portal looks.

The units come from a registry (a list of unit dicts as in the units YAML; by default the
shipped Meizhou registry, read as data). A unit's presentation comes from STYLES when it is
listed there, else it is derived from its id with a stable hash, so any county or
department gets a portal. Planted defects are data (defects.yaml), keyed by unit id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

HERE = Path(__file__).resolve().parent
# Read as data, never imported: the sample world does not depend on the crawler package.
DEFAULT_REGISTRY = HERE.parents[1] / "crawler" / "data" / "meizhou-units.yaml"
DEFECTS_FILE = HERE / "defects.yaml"
KINDS = ("county", "municipal-government", "municipal-department")
# Templates a unit the style table does not know is given (derived from its id): a new family
# here would change every derived portal, so the CMS families below are assigned by the table.
TEMPLATES = ("cms", "gkmlpt")
# Every template of the sample world: a generic CMS, Guangdong's gkmlpt directory, TRS WCM,
# 大汉 Hanweb JCMS, and a generic CMS whose articles carry the 中国政府网 information table and
# 开普云 ucap tags (audits/demo/families.py writes the last three).
FAMILIES = ("cms", "gkmlpt", "trs", "hanweb", "govtable")
GKML_FORMATS = ("", "json", "js")  # how window._CONFIG is written: not at all, as JSON, as a JS literal
ENCODINGS = ("utf-8", "gbk", "gb2312-but-utf8")  # the last declares gb2312 and sends UTF-8 bytes
DATE_STYLES = ("iso", "cn", "slash", "dot")
# Site key of the host that carries department sections when the registry has no city government.
CITY_HOST_KEY = "city-portal"


@dataclass(frozen=True)
class Style:
    """How one portal presents itself (none of it is a defect)."""

    template: str  # one of FAMILIES
    encoding: str  # one of ENCODINGS
    date_style: str  # one of DATE_STYLES
    site_code: str  # 网站标识码
    site_code_meta: bool = True  # also in <meta name="SiteIDCode">
    no_colon: bool = False  # "网站标识码4414..." without the colon
    hostile_title: bool = False  # one notice title carries markup that reports must keep as text
    pdf_report: bool = False  # the 2020 annual report is a PDF attachment, as many units publish it
    # gkmlpt only: window._CONFIG (site id, category tree) on the directory page, its lists behind
    # the JSON API. A gkmlpt unit whose 法定主动公开内容 is script-built always has one (JSON by default).
    gkml_config: str = ""  # one of GKML_FORMATS
    gkml_sid: str = ""


# The Meizhou portals: varied on purpose, so the crawler and the rules meet every variant.
STYLES: dict[str, Style] = {
    "meijiang": Style("cms", "utf-8", "iso", "4414020001", hostile_title=True),
    "meixian": Style("gkmlpt", "utf-8", "cn", "4414030001", gkml_config="json", gkml_sid="753003"),
    "xingning": Style("cms", "gbk", "slash", "4414810001"),
    "pingyuan": Style("gkmlpt", "gb2312-but-utf8", "dot", "4414260001", pdf_report=True, gkml_config="js",
                      gkml_sid="753026"),
    "jiaoling": Style("trs", "utf-8", "iso", "4414270001"),
    "dabu": Style("hanweb", "utf-8", "cn", "4414220001", no_colon=True),
    "fengshun": Style("cms", "utf-8", "iso", "4414230001"),
    "wuhua": Style("gkmlpt", "utf-8", "slash", "4414240001", site_code_meta=False),
    # The city's portal, and so every department section on it: 信息公开 tables and ucap tags.
    "meizhou": Style("govtable", "utf-8", "iso", "4414000001"),
}
# Footer of a city portal, shared by the department sections it hosts.
CITY_FOOTERS: dict[str, dict[str, str]] = {
    "meizhou": {"phone": "2300213", "icp": "粤ICP备05070829号-1", "police": "粤公网安备44140202000001号"},
}


def stable_hash(*parts: str) -> int:
    """A hash that is the same in every process (Python's hash() of a str is salted)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def style_for(key: str) -> Style:
    if key in STYLES:
        return STYLES[key]
    h = stable_hash("style", key)
    return Style(TEMPLATES[h % 2], ENCODINGS[(h >> 8) % 3], DATE_STYLES[(h >> 16) % 4], f"44{(h >> 24) % 10**8:08d}")


def city_footer(key: str) -> dict[str, str]:
    if key in CITY_FOOTERS:
        return CITY_FOOTERS[key]
    h = stable_hash("footer", key)
    return {"phone": f"{2000000 + h % 1000000}", "icp": f"粤ICP备{10000000 + (h >> 20) % 9000000}号-1",
            "police": f"粤公网安备{44140000000000 + (h >> 44) % 1000000}号"}


def load_registry(path: str | Path = DEFAULT_REGISTRY) -> list[dict]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["units"]


def load_defects(path: str | Path = DEFECTS_FILE) -> dict[str, list[tuple[str, str, list[str], str]]]:
    """unit id -> [(profile item, state, rule ids that must report it, detail)]."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {uid: [(d["item"], d["state"], list(d.get("rules") or []), d["detail"]) for d in entries or []]
            for uid, entries in doc.items()}


def check_registry(registry: list[dict]) -> None:
    seen: set[str] = set()
    for entry in registry:
        uid, kind = entry.get("id"), entry.get("kind")
        if not uid or not entry.get("name"):
            raise ValueError(f"registry entry without id or name: {entry!r}")
        if kind not in KINDS:
            raise ValueError(f"unit {uid}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if uid in seen:
            raise ValueError(f"unit {uid} appears twice in the registry")
        seen.add(uid)


def city_of(registry: list[dict]) -> dict | None:
    """The municipal government whose portal hosts the department sections (the first, if several)."""
    return next((e for e in registry if e["kind"] == "municipal-government"), None)


def department_base(entry: dict, taken: set[str]) -> str:
    """A department's section path on the city portal: its start URL's path when it has one."""
    urls = entry.get("start_urls") or []
    path = urlsplit(urls[0]).path if urls else ""
    base = path[:path.rfind("/") + 1]  # the directory of a start page such as .../index.html
    if base in ("", "/") or base in taken:
        base = f"/zwgk/zfjg/{entry['id']}/"
    return base
