"""Turn a rule case file (tests/rulecases/cases/<ID>.yaml) into rule inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from rules.model import LinkRecord, ListItem, PageRecord, UnitInfo, UnitPages

CASES_DIR = Path(__file__).parent / "cases"


def _date(value):
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def page_from_dict(d: dict) -> PageRecord:
    d = {"status": 200} | d  # a case page answered 200 unless it says otherwise
    links = tuple(
        LinkRecord(
            to_url=link["to_url"],
            anchor=link.get("anchor", ""),
            attachment=link.get("attachment"),
            in_scope=link.get("in_scope", True),
            target_status=link.get("target_status"),
            target_fetch_status=link.get("target_fetch_status"),
        )
        for link in d.pop("links", [])
    )
    items = tuple(ListItem(i["title"], i["url"], _date(i.get("date"))) for i in d.pop("list_items", []))
    return PageRecord(
        links=links,
        list_items=items,
        pub_date=_date(d.pop("pub_date", None)),
        column_path=tuple(d.pop("column_path", ())),
        **d,
    )


def _unit_info(unit: dict, default_id: str = "test-unit") -> UnitInfo:
    return UnitInfo(id=unit.get("id", default_id), name=unit.get("name", "测试单位"), kind=unit.get("kind", "county"),
                    names=tuple(unit.get("names", ())))


def unit_pages(doc: dict, pages: list[dict], peers: dict | None = None) -> UnitPages:
    """The unit's pages; `peers` ({unit id: {name, kind, pages}}): other units whose own annual
    reports the audit would hand to cross-unit rules (AR-007), read as the audit reads them."""
    from rules.matchers.copying import own_narratives

    me = _unit_info(doc.get("unit", {}))
    infos = {uid: _unit_info(p, uid) for uid, p in (peers or {}).items()}
    registry = (me, *infos.values()) if infos else ()
    others = [UnitPages(unit=infos[uid], pages=tuple(page_from_dict(x) for x in p.get("pages", ())), registry=registry)
              for uid, p in (peers or {}).items()]
    return UnitPages(unit=me, pages=tuple(page_from_dict(p) for p in pages), registry=registry,
                     peer_reports=tuple(r for o in others for r in own_narratives(o)))


def load_case_files() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*.yaml"))}
