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


def unit_pages(doc: dict, pages: list[dict]) -> UnitPages:
    unit = doc.get("unit", {})
    return UnitPages(
        unit=UnitInfo(id=unit.get("id", "test-unit"), name=unit.get("name", "测试单位"), kind=unit.get("kind", "county"),
                      names=tuple(unit.get("names", ()))),
        pages=tuple(page_from_dict(p) for p in pages),
    )


def load_case_files() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*.yaml"))}
