"""CMS families: the further list pages a static crawl reads without a browser (crawler/cms.py)."""

import pytest

from crawler import cms
from tests.conftest import SHARED

REAL = SHARED / "real"


# --- gkmlpt -------------------------------------------------------------------------------

JSON_CONFIG = """<script>window._CONFIG = {"SID": "200165", "TREE": [{"id": 1, "name": "概况信息", "children": [
  {"id": 2, "name": "机构职能", "children": []}, {"id": 3, "name": "外链", "jump_url": "http://x/"}]}],
  "SERVICE_AREA_ID": 3};</script>"""
JS_CONFIG = """<script>
window._CONFIG = {
    SID: '200165',
    TREE: [{id: 1, name: '概况信息', children: [{id: 2, name: '机构职能', children: [],},
           {id: 3, name: '外链', jump_url: 'http://x/'},]},],
    SERVICE_AREA_ID: 3,
};
</script>"""


@pytest.mark.parametrize("page", [JSON_CONFIG, JS_CONFIG], ids=["json", "js-literal"])
def test_gkml_config_as_json_or_javascript_literal(page):
    sid, leaves = cms.gkml_config(page)
    assert sid == "200165"
    assert [(n["id"], n["name"]) for n in leaves] == [(2, "机构职能")]  # no parent, no external link


def test_gkml_config_absent_or_broken():
    assert cms.gkml_config("<script>var x = 1;</script>") is None
    assert cms.gkml_config("<script>window._CONFIG = {SID: '1', TREE: [{id: 2,</script>") is None
    assert cms.gkml_config("<script>window._CONFIG = {TREE: []};</script>") is None  # no site id


def test_gkml_more_pages_until_total():
    url = "http://h/gkmlpt/api/all/2?page=1&sid=200165"
    more, capped = cms.gkml_more_pages(url, {"total": 45, "articles": [{}] * 20}, max_pages=30)
    assert more == ["http://h/gkmlpt/api/all/2?page=2&sid=200165", "http://h/gkmlpt/api/all/2?page=3&sid=200165"]
    assert not capped
    assert cms.gkml_more_pages(url, {"total": 20, "articles": [{}] * 20}, 30) == ([], False)
    assert cms.gkml_more_pages(url, {"total": "x", "articles": [{}]}, 30) == ([], False)
    more, capped = cms.gkml_more_pages(url, {"total": 1000, "articles": [{}] * 10}, max_pages=5)
    assert len(more) == 4 and capped


# --- TRS ------------------------------------------------------------------------------------

def test_trs_create_page_html():
    page = '<div class="page"><script>createPageHTML(4, 0, "index", "shtml");</script></div>'
    urls, capped = cms.trs_pager_urls(page, "http://h/zwgk/tzgg/index.shtml", 30)
    assert urls == ["http://h/zwgk/tzgg/index_1.shtml", "http://h/zwgk/tzgg/index_2.shtml",
                    "http://h/zwgk/tzgg/index_3.shtml"]
    assert not capped
    assert cms.trs_pager_urls('<script>createPageHTML(1, 0, "index", "html");</script>', "http://h/a/", 30) == ([], False)
    assert cms.trs_pager_urls("<p>共 4 页</p>", "http://h/a/", 30) == ([], False)


def test_trs_inline_pager_of_a_real_list_page():
    path = REAL / "he_handan_hdzfxxgk_list.html"
    if not path.exists():
        pytest.skip("shared/real is not beside the repository")
    urls, capped = cms.trs_pager_urls(path.read_text(encoding="utf-8"), "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/", 30)
    # countPage=56: index_1 … index_55, cut at 30 pages in all.
    assert urls[0] == "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_1.html" and len(urls) == 29 and capped
    assert cms.trs_pager_urls(path.read_text(encoding="utf-8"), "http://h/l/", 100)[0][-1] == "http://h/l/index_55.html"


# --- Hanweb -----------------------------------------------------------------------------------

HANWEB = """<div id="4391241"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=12&path=/&columnid=1229&unitid=4391241&webname=%E6%A2%85%E5%B7%9E&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2021/7/13/art_1229_1.html">通知一</a><span>2021-07-13</span></li>]]></record></recordset>
</datastore></script></div>
<script>$(document).ready(function(){ $('#4391241').jpage({ dataStore: dataStore, perPage: 15, groupSize: 3,
  totalRecord: 100, proxyUrl: '/module/web/jpage/dataproxy.jsp' }); });</script>"""


def test_hanweb_pager_posts_further_record_groups():
    posts, capped = cms.hanweb_pages(HANWEB, "http://h/col/col1229/index.html", 30)
    assert [u for u, _ in posts] == [
        "http://h/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&columnid=1229&unitid=4391241",
        "http://h/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=100&perpage=15&columnid=1229&unitid=4391241",
    ]
    form = posts[0][1]
    assert form["columnid"] == "1229" and form["unitid"] == "4391241" and form["webname"] == "梅州" and "page" not in form
    assert not capped
    assert cms.hanweb_pages(HANWEB, "http://h/col/col1229/index.html", 2)[1]  # capped: only one post allowed


def test_hanweb_near_misses():
    assert cms.hanweb_pages(HANWEB.replace("totalRecord: 100", ""), "http://h/", 30) == ([], False)
    assert cms.hanweb_pages(HANWEB.replace("dataproxy.jsp?page", "other.jsp?page"), "http://h/", 30) == ([], False)
    assert cms.hanweb_pages(HANWEB.replace("totalRecord: 100", "totalRecord: 40"), "http://h/", 30) == ([], False)


def test_two_hanweb_columns_page_to_different_urls():
    """The pager's URL alone would be the same for every column of a site (the column is in the
    form): each column's record groups must stay distinct pages."""
    other = HANWEB.replace("columnid=1229", "columnid=1300")
    first = cms.hanweb_pages(HANWEB, "http://h/col/col1229/index.html", 30)[0]
    second = cms.hanweb_pages(other, "http://h/col/col1300/index.html", 30)[0]
    assert {u for u, _ in first}.isdisjoint({u for u, _ in second})
