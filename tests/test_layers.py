"""The rooms stay in order: no stage imports a later one, and no module grows past 500 lines.

Layers, earliest first (README, "Architecture"):
    rules           pure core: records, vocabularies, plan, rule catalogue, matchers, engine
    crawler         crawl stage; crawler/store is the database every stage uses
    audits          audit stage (audits/demo: the sample world, a fixture that imports no stage)
    reports         report stage
    audits/cli      the command line: the one room that may import every stage
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("rules", "crawler", "audits", "reports")
# What each room may import of ours (besides itself).
ALLOWED = {
    "rules": set(),
    "crawler": {"rules"},
    "audits": {"rules", "crawler"},
    "reports": {"rules", "crawler"},
}
MAX_LINES = 500
SAMPLE_WORLD = ("audits/demo",)  # generated fixture content, exempt from the size limit


def _modules():
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            yield package, path


def _imports(source: str) -> set[str]:
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _room(rel: str) -> str:
    if rel.startswith("audits/cli/"):
        return "cli"
    if rel.startswith(SAMPLE_WORLD):
        return "sample world"
    return rel.split("/", 1)[0]


def _wrong_imports(rel: str, source: str) -> list[str]:
    room = _room(rel)
    if room == "cli":
        return []
    wrong = []
    own = rel.rsplit("/", 1)[0].replace("/", ".")
    for module in _imports(source):
        top = module.split(".", 1)[0]
        if room == "sample world" and module.startswith(own):
            continue
        if top in PACKAGES and top != room and (room == "sample world" or top not in ALLOWED[room]):
            wrong.append(f"{rel} imports {module}")
    return wrong


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_no_stage_imports_a_later_one():
    wrong = [w for _, p in _modules() for w in _wrong_imports(p.relative_to(REPO).as_posix(), _source(p))]
    assert wrong == []


def test_the_layer_check_can_fail():
    assert _wrong_imports("crawler/pipelines.py", "from audits import run\n") == ["crawler/pipelines.py imports audits"]
    assert _wrong_imports("rules/engine.py", "import crawler.store\n") == ["rules/engine.py imports crawler.store"]
    assert _wrong_imports("audits/demo/build.py", "from crawler.units import Unit\n")
    assert _wrong_imports("audits/cli/crawling.py", "from reports.export import write_json\n") == []


def test_rules_do_no_io():
    """rules/ is pure: no database, network, files of the crawl or subprocesses."""
    forbidden = {"sqlite3", "sqlite_utils", "scrapy", "requests", "urllib.request", "subprocess", "socket"}
    wrong = [f"{path.relative_to(REPO)} imports {m}" for package, path in _modules() if package == "rules"
             for m in _imports(_source(path)) if m in forbidden or m.split(".", 1)[0] in forbidden]
    assert wrong == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_beyond_500_lines(package):
    long = [f"{p.relative_to(REPO)}: {n} lines" for pkg, p in _modules() if pkg == package
            and _room(p.relative_to(REPO).as_posix()) != "sample world"
            and (n := len(_source(p).splitlines())) > MAX_LINES]
    assert long == []
