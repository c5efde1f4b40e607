"""Generate a static government-portal-like site for benchmarks (served by nginx).

Layout: a home page, `columns` columns, each with paginated list pages (20 items per
page) and article pages; every page carries the site navigation, a breadcrumb and the
footer IDs, as real CMS pages do. Deterministic for a given size.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

COLUMN_NAMES = ["通知公告", "政策文件", "政策解读", "财政预决算", "人事信息", "规划计划", "统计信息", "重点领域",
                "建议提案", "政府公报", "工作动态", "部门动态", "乡镇动态", "公示公告", "应急管理", "民生实事"]
PER_PAGE = 20
FILLER = "为深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，进一步提升政务公开质量。" * 8


def _nav(columns: int) -> str:
    items = "".join(f'<li><a href="/col{c}/index.html">{COLUMN_NAMES[c % len(COLUMN_NAMES)]}{c}</a></li>'
                    for c in range(columns))
    return f'<div class="nav"><ul><li><a href="/index.html">首页</a></li>{items}</ul></div>'


def _page(title: str, crumbs: str, body: str, nav: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="SiteName" content="基准县人民政府"><meta name="ColumnName" content="{title}"></head>'
            f'<body><div class="header"><h2>基准县人民政府</h2>{nav}</div>'
            f'<div class="position">当前位置：<a href="/index.html">首页</a> &gt; {crumbs}</div>'
            f'<div class="main">{body}</div>'
            '<div class="footer"><p>主办：基准县人民政府办公室 网站标识码：4414000099 '
            '<a href="https://beian.miit.gov.cn/">粤ICP备12345678号-1</a> 粤公网安备44140202000123号</p></div>'
            '</body></html>')


def generate(root: Path, pages: int, as_of: dt.date = dt.date(2021, 12, 20)) -> int:
    """Write about `pages` HTML files under `root`; returns the number written."""
    root.mkdir(parents=True, exist_ok=True)
    columns = max(4, min(40, pages // 150))
    nav = _nav(columns)
    articles_per_column = max(1, (pages - 1 - columns) * PER_PAGE // (PER_PAGE + 1) // columns)
    written = 0
    home_items = []
    for c in range(columns):
        name = f"{COLUMN_NAMES[c % len(COLUMN_NAMES)]}{c}"
        col_dir = root / f"col{c}"
        col_dir.mkdir(exist_ok=True)
        items = []
        for a in range(articles_per_column):
            date = as_of - dt.timedelta(days=(a * 3 + c) % 700)
            title = f"{name}第{a}号信息"
            href = f"/col{c}/{date:%Y%m}/t{date:%Y%m%d}_{a}.html"
            path = root / href.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            body = (f'<h1>{title}</h1><div class="info">发布日期：{date:%Y-%m-%d} 来源：基准县人民政府办公室</div>'
                    f'<div id="zoom"><p>{title}。{FILLER}</p></div>')
            crumbs = f'<a href="/col{c}/index.html">{name}</a>'
            path.write_text(_page(title, crumbs, body, nav), encoding="utf-8")
            written += 1
            items.append(f'<li><a href="{href}">{title}</a><span>{date:%Y-%m-%d}</span></li>')
        if c < 8:
            home_items.extend(items[:3])
        pages_n = max(1, -(-len(items) // PER_PAGE))
        for p in range(pages_n):
            chunk = "".join(items[p * PER_PAGE:(p + 1) * PER_PAGE])
            pager = "".join(f'<a href="/col{c}/{"index" if q == 0 else f"index_{q}"}.html">{q + 1}</a>'
                            for q in range(max(0, p - 3), min(pages_n, p + 4)))
            body = f'<h1>{name}</h1><ul class="list">{chunk}</ul><div class="pager">{pager}</div>'
            fname = "index.html" if p == 0 else f"index_{p}.html"
            (col_dir / fname).write_text(_page(name, name, body, nav), encoding="utf-8")
            written += 1
    home = _page("基准县人民政府门户网站", "首页", f'<ul class="list">{"".join(home_items)}</ul>', nav)
    (root / "index.html").write_text(home, encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    return written + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    print(generate(args.root, args.pages))


if __name__ == "__main__":
    main()
