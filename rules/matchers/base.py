"""What every matcher shares: the registry, the context, templating and page selection.

A matcher is a function from (parameters, Context) to a Result, registered with
@matcher, which declares everything the loader, the engine and the audit need to know of
it. Adding a matcher: a function with its declaration in a module of this package, imported
in __init__.py; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rules.documents import doc_type_of, load_doctypes
from rules.model import Evidence, PageRecord, Result, UnitPages, evidence_of

MAX_EVIDENCE = 5


@dataclass(frozen=True)
class Matcher:
    name: str
    func: Callable[[Any, "Context"], Result]
    params: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    # Judges reachability itself; every other automated rule is 'unknown' for a unit whose
    # home page could not be fetched.
    self_judging: bool = False
    # Page facts beyond the stored row that the audit must load for it ("report_sources":
    # the HTML of report pages and the text of their attachments).
    needs: frozenset[str] = frozenset()
    selectors: frozenset[str] = frozenset()  # parameters that are page selectors (see SELECTOR_KEYS)
    regexes: frozenset[str] = frozenset()  # parameters that are regular expressions
    nested: str = ""  # "list": parameters are a list of specs (all/any); else a parameter holding one spec
    templated: bool = True  # {year}… filled in before the call (per_year fills its own)
    basis: str = ""  # the rule text a finding of this matcher rests on, before the rule's own legal_basis
    validate: Callable[[dict, Callable[[str, str], Exception], str], None] | None = None


MATCHERS: dict[str, Matcher] = {}


def matcher(name: str, *, params: Iterable[str] = (), required: Iterable[str] = (), **declared):
    """Register a matcher function under `name` with its declaration."""
    for key in ("selectors", "regexes", "needs"):
        if key in declared:
            declared[key] = frozenset(declared[key])

    def register(func):
        MATCHERS[name] = Matcher(name, func, frozenset(params), frozenset(required), **declared)
        return func
    return register


@dataclass(frozen=True)
class Context:
    unit_pages: UnitPages
    as_of: dt.date
    vars: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> tuple[PageRecord, ...]:
        return self.unit_pages.pages


def evaluate_spec(spec: dict, ctx: Context) -> Result:
    """Evaluate one evidence spec: a mapping with exactly one matcher name as key."""
    (name, params), = spec.items()
    m = MATCHERS[name]
    return m.func(render(params or {}, ctx.vars) if m.templated else params, ctx)


def sub_specs(spec: dict) -> list[dict]:
    """The specs nested in a spec (all/any members, per_year's check)."""
    (name, params), = spec.items()
    m = MATCHERS.get(name)
    if m is None or not m.nested:
        return []
    return list(params or []) if m.nested == "list" else [params[m.nested]]


def spec_matchers(spec: dict) -> list[Matcher]:
    """Every matcher a spec uses, nested ones included."""
    (name, _), = spec.items()
    return [MATCHERS[name], *(m for sub in sub_specs(spec) for m in spec_matchers(sub))]


# --- templating ---------------------------------------------------------------

def template_vars(as_of: dt.date, kind: str) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "as_of_year": as_of.year, "prev_year": as_of.year - 1, "kind": kind}


def render(spec: Any, variables: dict[str, Any]) -> Any:
    """Fill {year}, {prev_year}, {due}… into every string of a spec."""
    if isinstance(spec, str):
        try:
            return spec.format(**variables) if "{" in spec else spec
        except (KeyError, IndexError, ValueError):
            return spec  # regex braces such as \d{4} are not template fields
    if isinstance(spec, list):
        return [render(s, variables) for s in spec]
    if isinstance(spec, dict):
        return {k: render(v, variables) for k, v in spec.items() if k != "check"} | (
            {"check": spec["check"]} if "check" in spec else {}
        )
    return spec


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# --- page selection -------------------------------------------------------------

SELECTOR_KEYS = {
    "title", "title_any", "text_any", "text_all", "column", "column_any", "url", "kind",
    "attachment", "doc_number", "doc_type", "about", "has_content"}


def select(pages: Iterable[PageRecord], where: dict[str, Any]) -> list[PageRecord]:
    """Pages (fetched OK) that satisfy every condition of a selector."""
    checks = _compile(where)
    return [p for p in pages if p.fetch_status == "ok" and all(check(p) for check in checks)]


def _compile(where: dict[str, Any]) -> list[Callable[[PageRecord], bool]]:
    """The selector's conditions as tests, compiled once per selection and cheapest
    first (a unit has thousands of pages; kind and column rule most of them out)."""
    checks: list[Callable[[PageRecord], bool]] = []
    if "kind" in where:
        kinds = frozenset(_as_list(where["kind"]))
        checks.append(lambda p: p.kind in kinds)
    if "column" in where:
        columns = frozenset(_as_list(where["column"]))
        checks.append(lambda p: p.column in columns)
    if "column_any" in where:
        any_columns = frozenset(_as_list(where["column_any"]))
        checks.append(lambda p: not any_columns.isdisjoint(p.column_path))
    if "title" in where:
        title = re.compile(where["title"]).search
        checks.append(lambda p: title(p.title or "") is not None)
    if "title_any" in where:
        title_words = _as_list(where["title_any"])
        checks.append(lambda p: any(k in (p.title or "") for k in title_words))
    if "url" in where:
        url = re.compile(where["url"]).search
        checks.append(lambda p: url(p.url) is not None)
    if "doc_number" in where:
        number = re.compile(where["doc_number"]).search
        checks.append(lambda p: bool(p.doc_number) and number(p.doc_number) is not None)
    if "doc_type" in where:
        # what the page is by the document layer's reading of its title: a notice about
        # compiling reports, a repost or a bulletin is not the report its title names
        doc_types, vocabulary = frozenset(_as_list(where["doc_type"])), load_doctypes()

        def is_type(p: PageRecord) -> bool:
            found = doc_type_of(p.title or "", p.doc_number, vocabulary)[0]
            return found is not None and found.id in doc_types
        checks.append(is_type)
    if "about" in where:
        # about: false keeps pages that are documents in their own right, not ones the document
        # layer reads as about another (a notice deploying the work, a repost, a draft for
        # comment, a bulletin, meeting news)
        about_wanted, vocabulary = bool(where["about"]), load_doctypes()

        def about_matches(p: PageRecord) -> bool:
            found = doc_type_of(p.title or "", p.doc_number, vocabulary)[0]
            return bool(found and found.about) == about_wanted
        checks.append(about_matches)
    if "text_any" in where:
        any_words = _as_list(where["text_any"])
        checks.append(lambda p: any(k in p.text or k in p.title for k in any_words))
    if "text_all" in where:
        all_words = _as_list(where["text_all"])
        checks.append(lambda p: all(k in p.text or k in p.title for k in all_words))
    if where.get("has_content"):
        # a column page counts only when it lists something (an empty column is a label, not content)
        checks.append(lambda p: p.kind != "list" or bool(p.list_items))
    if "attachment" in where:
        wanted = frozenset(_as_list(where["attachment"]))
        checks.append(lambda p: any(link.attachment in wanted for link in p.links))
    return checks


def describe(where: dict[str, Any]) -> str:
    parts = []
    for key in sorted(where):
        value = where[key]
        parts.append(f"{key}={'/'.join(map(str, value)) if isinstance(value, list) else value}")
    return "; ".join(parts)


def _evidence(pages: Iterable[PageRecord], excerpt: Callable[[PageRecord], str] | None = None) -> tuple[Evidence, ...]:
    out = []
    for p in list(pages)[:MAX_EVIDENCE]:
        out.append(evidence_of(p, excerpt(p) if excerpt else _default_excerpt(p)))
    return tuple(out)


def _default_excerpt(p: PageRecord) -> str:
    date = f"（{p.pub_date.isoformat()}）" if p.pub_date else ""
    return f"{p.title}{date}"


def _where_all(ctx: Context) -> str:
    return f"本单位本次抓取的 {sum(1 for p in ctx.pages if p.ok)} 个页面"


