"""The CMS families of the sample world, crawled without a browser: TRS WCM's script pager,
大汉 Hanweb's datastore and dataproxy.jsp posts, gkmlpt's _CONFIG and JSON API (page 2+), and
articles described by a 信息公开 table with ucap tags. With the pager cut (ZWGK_MAX_LIST_PAGES=1)
the pages behind it are missing, the crawl says so, and what they hold is 'unknown', never 'fail'."""

import html
import json
import urllib.request

import pytest

from audits.demo.registry import STYLES
from crawler import store
from tests.conftest import run_zwgk
from tests.test_audit import expected_status

AS_OF = "2021-12-20"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "RETRY_TIMES=0", "-s", "ZWGK_RENDER=off"]
# The finance documents of a paged family's portal sit behind its pager.
BEHIND_PAGER = ("FIN-001", "FIN-002")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read().decode("utf-8")


def _crawl(server, tmp_path, unit_id: str, *settings: str) -> dict:
    units = server.write_units_file(tmp_path / "units.yaml")
    db_path = tmp_path / f"{unit_id}.db"
    proc = run_zwgk("crawl", "--units", units, "--unit", unit_id, "--db", db_path, *FAST, *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = store.open_db(db_path, create=False)
    pages = {r["url"]: r for r in db.query("SELECT * FROM pages")}
    stats = json.loads(db.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    db.close()
    return {"db_path": db_path, "pages": pages, "stats": stats}


def _audit(crawl: dict) -> dict[str, str]:
    proc = run_zwgk("audit", "--db", crawl["db_path"], "--as-of", AS_OF, "--screenshots", "off")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {f["rule"]: f["status"] for f in json.loads(run_zwgk("findings", "--db", crawl["db_path"]).stdout)}


def _truth(server, unit_id: str, statuses: dict[str, str], rendered: set[str] = frozenset()) -> dict[str, str]:
    truth = server.ground_truth()
    # one unit crawled and audited alone: rules comparing units have no one to compare with
    return {rule: expected_status(truth, unit_id, rule, status, rendered, {unit_id}) for rule, status in statuses.items()}


def test_every_family_has_a_sample_portal(sample_server):
    world = sample_server.world
    templates = {u.id: u.template for u in world.units}
    assert {"cms", "gkmlpt", "trs", "hanweb", "govtable"} <= set(templates.values())
    assert len(world.units) == 31
    assert (templates["jiaoling"], templates["dabu"], templates["meizhou"]) == ("trs", "hanweb", "govtable")
    assert templates["mz-czj"] == "govtable"  # a department section shares the city portal's look
    assert (STYLES["meixian"].gkml_config, STYLES["pingyuan"].gkml_config) == ("json", "js")
    trs = _get(sample_server.url("jiaoling", "/zwgk/czyjs/index.html"))
    assert 'createPageHTML(2, 0, "index", "html")' in trs and "index_1.html\"" not in trs.split("createPageHTML(2")[1]
    hanweb = _get(sample_server.url("dabu", "/"))
    assert "/col/col" in hanweb and "/art/2021/" in hanweb
    js = _get(sample_server.url("pingyuan", "/gkmlpt/index.html"))
    assert "SID: '753026'," in js and '"SID"' not in js
    assert '{"SID": "753003"' in _get(sample_server.url("meixian", "/gkmlpt/index.html"))


# --- TRS WCM ------------------------------------------------------------------------------------

def _full_and_capped(sample_server, tmp_path_factory, unit_id: str) -> dict:
    """A unit crawled whole and with its lists cut to one page, each audited."""
    full = _crawl(sample_server, tmp_path_factory.mktemp(unit_id), unit_id)
    capped = _crawl(sample_server, tmp_path_factory.mktemp(f"{unit_id}-capped"), unit_id, "-s", "ZWGK_MAX_LIST_PAGES=1")
    return {"full": full, "capped": capped, "audit_full": _audit(full), "audit_capped": _audit(capped)}


@pytest.fixture(scope="module")
def trs(sample_server, tmp_path_factory):
    return _full_and_capped(sample_server, tmp_path_factory, "jiaoling")


def test_trs_pager_pages_are_crawled(sample_server, trs):
    truth = sample_server.ground_truth()["units"]["jiaoling"]
    pages = trs["full"]["pages"]
    assert set(pages) == set(truth["pages"])
    second = pages[sample_server.url("jiaoling", "/zwgk/czyjs/index_1.html")]
    assert second["kind"] == "list" and json.loads(second["column_path"])[-1] == "财政预决算"
    titles = [i["title"] for i in json.loads(second["list_items"])]
    assert "蕉岭县2021年财政预算报告" in titles and "蕉岭县2020年财政决算报告" in titles
    budget = [p for p in pages.values() if p["title"] == "蕉岭县2021年财政预算报告"]
    assert len(budget) == 1 and budget[0]["url"].rsplit("/", 1)[1].startswith("t20210723_")
    assert "zwgk/list_pages_capped/jiaoling" not in trs["full"]["stats"]


def test_trs_without_its_pager_is_unknown_not_fail(sample_server, trs):
    pages = trs["capped"]["pages"]
    assert not [u for u in pages if "/index_" in u]
    assert not [p for p in pages.values() if "财政预算报告" in (p["title"] or "")]
    assert trs["capped"]["stats"]["zwgk/list_pages_capped/jiaoling"] >= 1
    full, capped = trs["audit_full"], trs["audit_capped"]
    assert full == _truth(sample_server, "jiaoling", full)
    for rule in BEHIND_PAGER:
        assert (full[rule], capped[rule]) == ("pass", "unknown"), rule
    # Nothing else changes for the worse: a capped crawl never reports a fail the truth lacks.
    assert {r for r, s in capped.items() if s == "fail"} <= {r for r, s in full.items() if s == "fail"}


# --- Hanweb ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hanweb(sample_server, tmp_path_factory):
    return _full_and_capped(sample_server, tmp_path_factory, "dabu")


def test_hanweb_record_groups_are_posted_for(sample_server, hanweb):
    truth = sample_server.ground_truth()["units"]["dabu"]
    pages = hanweb["full"]["pages"]
    assert set(pages) == set(truth["pages"])
    proxy = next(u for u in pages if "/dataproxy.jsp?startrecord=16&endrecord=18&perpage=5&columnid=" in u)
    answer = pages[proxy]
    assert answer["fetch_status"] == "ok" and answer["kind"] == "list"
    assert json.loads(answer["column_path"])[-1] == "财政预决算"
    items = json.loads(answer["list_items"])
    assert [i["title"] for i in items] == ["大埔县2021年财政预算报告", "大埔县2020年财政决算报告", "大埔县2021年部门预算汇总"]
    assert all("/art/2021/" in i["url"] and i["url"] in pages for i in items)
    first = next(p for u, p in pages.items() if p["kind"] == "list" and json.loads(p["column_path"])[-1:] == ["财政预决算"]
                 and "/col/col" in u)
    assert len(json.loads(first["list_items"])) == 15  # the first record group, from the page's datastore


def test_a_pager_post_dropped_by_the_server_is_sent_once_more(sample_server, tmp_path):
    """A post sent on a kept-alive connection the server had just closed gets no answer;
    Twisted resends only GETs. With retries off, the crawl sends the read-only post once
    more, and not twice: a server that drops it again leaves the page an error, not missing."""
    truth = sample_server.ground_truth()["units"]["dabu"]
    (tmp_path / "once").mkdir()
    (tmp_path / "twice").mkdir()
    try:
        sample_server.drop_posts = 1
        once = _crawl(sample_server, tmp_path / "once", "dabu")
        sample_server.drop_posts = 2
        twice = _crawl(sample_server, tmp_path / "twice", "dabu")
    finally:
        sample_server.drop_posts = 0
    assert set(once["pages"]) == set(truth["pages"])
    assert once["stats"]["zwgk/pager_post_resent"] == 1
    proxy = next(u for u in twice["pages"] if "/dataproxy.jsp?" in u)
    assert twice["pages"][proxy]["fetch_status"] == "error"
    assert twice["stats"]["zwgk/pager_post_resent"] == 1


def test_hanweb_without_its_pager_is_unknown_not_fail(sample_server, hanweb):
    pages = hanweb["capped"]["pages"]
    assert not [u for u in pages if "dataproxy.jsp" in u]
    assert hanweb["capped"]["stats"]["zwgk/list_pages_capped/dabu"] >= 1
    full, capped = hanweb["audit_full"], hanweb["audit_capped"]
    assert full == _truth(sample_server, "dabu", full)
    for rule in BEHIND_PAGER:
        assert (full[rule], capped[rule]) == ("pass", "unknown"), rule
    assert {r for r, s in capped.items() if s == "fail"} <= {r for r, s in full.items() if s == "fail"}


# --- gkmlpt ------------------------------------------------------------------------------------

def test_gkmlpt_js_literal_config_is_read_and_every_api_page_fetched(sample_server, tmp_path):
    truth = sample_server.ground_truth()["units"]["pingyuan"]
    crawl = _crawl(sample_server, tmp_path, "pingyuan")  # no browser; the API is on by default
    pages = crawl["pages"]
    assert set(pages) == set(truth["pages"]) | set(truth["pages_if_api"])
    api = {u: p for u, p in pages.items() if "/gkmlpt/api/" in u}
    assert sorted(u.split("/api/all/")[1] for u in api) == [
        "101?page=1&sid=753026", "102?page=1&sid=753026", "102?page=2&sid=753026", "102?page=3&sid=753026"]
    jc = [i for u, p in sorted(api.items()) if "/102?" in u for i in json.loads(p["list_items"])]
    assert len(jc) == 26 and len({i["url"] for i in jc}) == 26
    assert "zwgk/gkml_config_unreadable/pingyuan" not in crawl["stats"]
    assert "zwgk/list_pages_capped/pingyuan" not in crawl["stats"]

    capped = _crawl(sample_server, tmp_path / "capped", "pingyuan", "-s", "ZWGK_MAX_LIST_PAGES=1")
    assert sorted(u.split("/api/all/")[1] for u in capped["pages"] if "/gkmlpt/api/" in u) == [
        "101?page=1&sid=753026", "102?page=1&sid=753026"]
    assert capped["stats"]["zwgk/list_pages_capped/pingyuan"] >= 1
    # The directory's static lists still hold every document: the audit is the truth's, limit or not.
    statuses = _audit(capped)
    assert {r for r, s in statuses.items() if s == "fail"} <= {r for r, s in _truth(sample_server, "pingyuan", statuses).items()
                                                              if s == "fail"}


def test_gkmlpt_api_lists_are_named_by_their_category(sample_server, tmp_path):
    crawl = _crawl(sample_server, tmp_path, "pingyuan", "-s", "ZWGK_MAX_LIST_PAGES=1")
    names = {json.loads(p["column_path"])[-1] for u, p in crawl["pages"].items() if "/gkmlpt/api/" in u}
    assert names == {"法定主动公开内容", "基层政务公开标准目录"}


def test_gkmlpt_json_config_lists_a_script_built_column(sample_server, tmp_path):
    crawl = _crawl(sample_server, tmp_path, "meixian")
    (api,) = [p for u, p in crawl["pages"].items() if "/gkmlpt/api/" in u]
    assert [i["title"] for i in json.loads(api["list_items"])] == ["机构职能", "领导信息", "权责清单", "人事信息"]
    statuses = _audit(crawl)
    assert statuses["ZL-004"] == statuses["ZL-008"] == "pass"  # read from the API, no browser
    assert statuses == _truth(sample_server, "meixian", statuses, rendered={"meixian"})


# --- 信息公开 table + ucap ---------------------------------------------------------------------

def test_govtable_articles_are_read_from_the_information_table(sample_server, tmp_path):
    truth = sample_server.ground_truth()["units"]["mz-czj"]
    crawl = _crawl(sample_server, tmp_path, "mz-czj")
    pages = crawl["pages"]
    assert set(pages) == set(truth["pages"])
    articles = [(u, rec) for u, rec in truth["pages"].items() if rec.get("kind") == "article"]
    assert len(articles) >= 10
    for url, rec in articles:
        page = pages[url]
        body = _get(url)
        assert "<ucapcontent>" in body and "发文字号：" in body and 'name="PubDate"' not in body
        assert (page["kind"], page["title"], page["pub_date"]) == ("article", rec["title"], rec["pub_date"]), url
        assert json.loads(page["column_path"]) == rec["column_path"], url
        assert page["index_number"] and page["written_date"] == rec["pub_date"], url
    statuses = _audit(crawl)
    assert statuses == _truth(sample_server, "mz-czj", statuses)


def test_a_short_ucap_article_without_title_meta_is_an_article():
    from audits.demo import build_world
    from crawler.extract import extract

    site = build_world().sites["meizhou"]
    articles = [(p, r) for p, r in site.resources.items() if r.kind == "article"]
    wrong = []
    for path, res in articles:
        body = res.body.replace(f'<meta name="ArticleTitle" content="{html.escape(res.title)}">'.encode(), b"")
        assert b'name="ArticleTitle"' not in body
        page = extract(body, "http://h" + path, res.content_type)
        if (page.kind, page.title, page.pub_date) != ("article", res.title, res.pub_date):
            wrong.append((path, page.kind))
    assert wrong == []
