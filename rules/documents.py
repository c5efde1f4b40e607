"""The document layer: what a stored page is, who issued it, and which year it is about.

Pure. A page's title (and 文号) gives its type from the vocabulary in doctypes.yaml, the
year in its title the year it is about (a 2020 annual report is published in 2021), its
publisher and title prefix who issued it, resolved to a registry unit or to "another body".
Each conclusion keeps the signal it came from, so an auditor can see and dispute it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from rules.model import PageRecord, UnitInfo

OTHER_BODY = "other"  # issuer: a body that is not a unit of the registry (province, State Council…)

_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
# A title that opens with an organisation's name (广东省人民政府关于…, 国家发展改革委2021年…):
# the shortest run of Chinese characters ending in an organisation word.
_ORG_AT_START = re.compile(
    r"^([\u4e00-\u9fa5]{1,30}?(?:人民政府办公室|人民政府办公厅|人民政府|办公厅|办公室|委员会|常委会|管理局|"
    r"[局厅委署院部]|中心|党委))(?=关于|(?:19|20)\d\d|印发|转发|$)")
_SELF = frozenset({"本网", "本站", "本单位", "本局", "本机关"})
WEAK_PUBLISHER_LABELS = frozenset({"来源", "信息来源", "meta:ContentSource"})
# What a repost's title says before the reposted document: 转发 (and who reposts), or a 转载 mark.
_REPOST_MARK = re.compile(r"^.*?转发|[（(【]?转载[）)】]?")


@dataclass(frozen=True)
class DocType:
    id: str
    name: str
    about: bool
    title: tuple[re.Pattern, ...]
    not_title: tuple[re.Pattern, ...] = ()
    doc_number: bool = False


@dataclass(frozen=True)
class Document:
    url: str
    doc_type: str | None  # a DocType id, None when nothing matched
    about: bool  # about another document (notice, bulletin, repost, meeting…), not the document
    subject_year: int | None
    issuer: str | None  # a registry unit id, OTHER_BODY, or None when the page does not say
    issuer_text: str  # the name as the page gives it
    pub_date: object = None
    written_date: object = None
    doc_number: str | None = None
    why: tuple[str, ...] = ()  # the signals each conclusion came from
    reposts: str | None = None  # for a 转发/转载: the type of the document it carries


@lru_cache(maxsize=4)
def load_doctypes(path: str | None = None) -> tuple[DocType, ...]:
    text = (open(path, encoding="utf-8").read() if path
            else resources.files("rules").joinpath("doctypes.yaml").read_text(encoding="utf-8"))
    out = []
    for raw in yaml.safe_load(text)["types"]:
        out.append(DocType(
            id=raw["id"], name=raw.get("name", raw["id"]), about=bool(raw.get("about", False)),
            title=tuple(re.compile(p) for p in raw.get("title", [])),
            not_title=tuple(re.compile(p) for p in raw.get("not_title", [])),
            doc_number=bool(raw.get("doc_number", False)),
        ))
    return tuple(out)


def doc_type_of(title: str, doc_number: str | None, types: Sequence[DocType]) -> tuple[DocType | None, str]:
    """The first type whose patterns match, and the signal that decided it."""
    for t in types:
        if any(p.search(title) for p in t.not_title):
            continue
        hit = next((p for p in t.title if p.search(title)), None)
        if hit is not None:
            return t, f"类型：标题含「{hit.search(title).group(0)}」→ {t.name}"
        if t.doc_number and doc_number:
            return t, f"类型：有文号 {doc_number} → {t.name}"
    return None, "类型：标题不属于任何已知类型"


def reposted_type(title: str, types: Sequence[DocType]) -> str | None:
    """The type of the document a repost carries, read from its title without the repost mark:
    转发…关于印发《市场准入负面清单》的通知 carries the list; 转发…关于开展…工作的通知 a notice."""
    inner = _REPOST_MARK.sub("", title, count=1).strip()
    found, _ = doc_type_of(inner, None, types) if inner else (None, "")
    return found.id if found else None


def subject_year_of(title: str) -> tuple[int | None, str]:
    m = _YEAR.search(title)
    if m:
        return int(m.group(1)), f"年度：标题含「{m.group(0)}」"
    return None, "年度：标题未写年份"


def _names(unit: UnitInfo) -> list[str]:
    return sorted({unit.name, *unit.names} - {""}, key=len, reverse=True)


# A township or subdistrict named after a registry unit's name: another body.
_TOWNSHIP_AT_START = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:镇|乡|街道)(?:人民政府|政府|办事处|党委|$)")


def issuer_of(page: PageRecord, unit: UnitInfo, units: Sequence[UnitInfo]) -> tuple[str | None, str, str]:
    """(issuer, the name as given, why). Units are recognised by their name or other names
    (short name, aliases); the longest name that matches wins, so 梅州市财政局 is not 梅州市."""
    title = page.title or ""
    publisher = (page.publisher or "").strip()
    prefix = re.split(r"关于|(?:19|20)\d\d\s*年", title, maxsplit=1)[0].strip() if title else ""
    # 发布机构/发文机关 name the issuer; a title that opens with a name does too; 来源 (and the
    # ContentSource meta) often names the portal's operator or a newspaper, so it comes last.
    weak = (page.publisher_label or "") in WEAK_PUBLISHER_LABELS
    sources = [("标题", prefix), ("来源", publisher)] if weak else [("发布机构", publisher), ("标题", prefix)]
    for source, text in sources:
        if not text or text in _SELF:
            continue
        best = None
        for u in units:
            for name in _names(u):
                if name and (text.startswith(name) or (source != "标题" and name in text)):
                    if best is None or len(name) > len(best[1]):
                        best = (u, name)
        if best is not None:
            rest = text[text.find(best[1]) + len(best[1]):]
            if township := _TOWNSHIP_AT_START.match(rest):
                # 梅江区城北镇人民政府 is a township of 梅江区, not 梅江区 itself
                org = best[1] + township.group(0)
                return OTHER_BODY, org, f"发文单位：{source}「{org}」是下属乡镇（街道），不是{best[0].name}"
            given = text if source != "标题" else best[1]
            return best[0].id, given, f"发文单位：{source}「{given}」= {best[0].name}"
        org = text if source != "标题" else (m.group(1) if (m := _ORG_AT_START.match(text)) else "")
        if org:
            return OTHER_BODY, org, f"发文单位：{source}「{org}」不是本次检查名单中的单位"
    if publisher in _SELF:
        return unit.id, publisher, f"发文单位：来源「{publisher}」即本网站所属单位"
    return None, "", "发文单位：页面未写明"


def classify(page: PageRecord, unit: UnitInfo, units: Sequence[UnitInfo],
             types: Sequence[DocType] | None = None) -> Document:
    """The document record of one stored page of `unit`'s site."""
    types = types if types is not None else load_doctypes()
    doc_type, why_type = doc_type_of(page.title or "", page.doc_number, types)
    year, why_year = subject_year_of(page.title or "")
    issuer, issuer_text, why_issuer = issuer_of(page, unit, units)
    return Document(
        url=page.url, doc_type=doc_type.id if doc_type else None, about=bool(doc_type and doc_type.about),
        subject_year=year, issuer=issuer, issuer_text=issuer_text, pub_date=page.pub_date,
        written_date=page.written_date, doc_number=page.doc_number, why=(why_type, why_year, why_issuer),
        reposts=reposted_type(page.title or "", types) if doc_type is not None and doc_type.id == "转发" else None,
    )


def is_own(doc: Document, unit: UnitInfo) -> bool:
    """Issued by the audited unit, or by a unit whose duties its site carries (acts_for)."""
    return doc.issuer is not None and (doc.issuer == unit.id or doc.issuer in unit.acts_for)
