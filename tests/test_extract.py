"""Extraction: dates, 文号, footer IDs, breadcrumbs, lists, encodings; every real page in shared/real."""

import datetime as dt
from pathlib import Path

import pytest

from crawler.extract import decode_html, extract, find_doc_number, parse_cn_date
from tests.conftest import SHARED

REAL = SHARED / "real"
D = dt.date


def real(name: str) -> bytes:
    path = REAL / name
    if not path.exists():
        pytest.skip("shared/real is not beside the repository")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-07-13", D(2021, 7, 13)),
        ("发布时间：2021/7/13 10:20", D(2021, 7, 13)),
        ("2021.07.13", D(2021, 7, 13)),
        ("2021年7月13日", D(2021, 7, 13)),
        ("2021年07月13日", D(2021, 7, 13)),
        ("二〇二一年七月十三日", D(2021, 7, 13)),
        ("二〇二〇年十二月三十一日", D(2020, 12, 31)),
        ("２０２１－０７－１３", D(2021, 7, 13)),
        ("2024 年 1 月 1 日", D(2024, 1, 1)),
        ("2021-07-13 10:20:33", D(2021, 7, 13)),
        ("07-13", None),  # no year: never guessed (dateparser would say 2007)
        ("7月13日", None),
        ("2021-13-45", None),
        ("1899-01-01", None),
        ("电话 0753-2300213", None),
        ("", None),
    ],
)
def test_parse_cn_date(text, expected):
    assert parse_cn_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("关于印发的通知 梅市府办函〔2021〕159号", "梅市府办函〔2021〕159号"),
        ("国办公开办函[2019]60号", "国办公开办函[2019]60号"),
        ("粤府（2021）12号", "粤府（2021）12号"),
        ("财预【2018】 209 号", "财预【2018】209号"),
        ("没有文号", None),
    ],
)
def test_doc_numbers(text, expected):
    assert find_doc_number(text) == expected


CMS_PAGE = """<html><head><meta charset="utf-8"><title>关于开展检查的通知 - 梅江区人民政府门户网站</title>
<meta name="SiteIDCode" content="4414020001"><meta name="ArticleTitle" content="关于开展检查的通知">
<meta name="PubDate" content="2021-07-13 10:20"></head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">政务公开</a> &gt; <span>通知公告</span></div>
<h1>关于开展检查的通知</h1><div class="info">发布时间：2021-07-13 10:20　来源：区政府办</div>
<div id="zoom"><p>梅区府办函〔2021〕12号</p><p>各镇人民政府：为做好政务公开工作，现将有关事项通知如下。</p>
<a href="files/plan.pdf">附件：实施方案.pdf</a> <a href="javascript:void(0)">打印</a> <a href="#top">顶部</a></div>
<div class="footer">主办：梅江区人民政府办公室　网站标识码：4414020001　<a href="https://beian.miit.gov.cn/">粤ICP备12345678号-1</a>
<a href="http://www.beian.gov.cn/">粤公网安备 44140202000123号</a>
<a href="http://bszs.conac.cn/sitename?method=show&id=1"><img src="http://dcs.conac.cn/image/red.png" alt="党政机关"></a></div>
</body></html>"""

GKML_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>梅县区2020年政府信息公开工作年度报告</title></head><body>
<div class="location">您现在的位置： 首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>
<table class="meta"><tr><td class="label">索引号：</td><td>11441403007045816X/2021-00050</td><td class="label">分类：</td><td>年报</td></tr>
<tr><td class="label">发布机构：</td><td>梅县区政府办</td><td class="label">成文日期：</td><td>2021年03月10日</td></tr>
<tr><td class="label">名称：</td><td>梅县区2020年政府信息公开工作年度报告</td><td class="label">文号：</td><td>梅县府办〔2021〕3号</td></tr>
<tr><td class="label">发布日期：</td><td>2021年03月12日</td><td class="label">主题词：</td><td></td></tr></table>
<div class="content"><p>一、总体情况。本报告由梅县区人民政府办公室编制，内容涵盖2020年1月1日至12月31日。</p></div>
<div class="footer">网站标识码4414030001 粤ICP备00000001号</div></body></html>"""

LIST_PAGE = """<html><head><meta charset="utf-8"><meta name="ColumnName" content="通知公告"><title>通知公告</title></head><body>
<div class="crumb">首页 » 政务公开 » 通知公告</div>
<ul class="list"><li><a href="1.html">通知一</a><span class="date">2021-07-13</span></li>
<li><a href="./2.html">通知二</a><span class="date">2021/7/1</span></li>
<li><a href="/tzgg/3.html" title="通知三（全文）">通知三</a><span>2021年6月30日</span></li></ul>
<div class="page"><a href="index_2.html">下一页</a></div></body></html>"""

JS_LIST = """<html><head><meta charset="utf-8"><title>政策文件</title></head><body>
<ul class="list" id="list"></ul>
<script>fetch('data/list.json').then(r => r.json()).then(d => { document.getElementById('list').innerHTML = d.map(x => x.title).join(''); });</script>
</body></html>"""


def test_classic_cms_article():
    e = extract(CMS_PAGE.encode(), "http://127.0.0.1:8000/zwgk/tzgg/a.html")
    assert e.title == "关于开展检查的通知"
    assert e.column_path == ("首页", "政务公开", "通知公告")
    assert (e.pub_date, e.pub_date_source) == (D(2021, 7, 13), "meta:PubDate")
    assert e.doc_number == "梅区府办函〔2021〕12号"
    assert e.kind == "article"
    assert e.footer.site_code == e.footer.site_code_meta == "4414020001"
    assert e.footer.icp == "粤ICP备12345678号-1"
    assert e.footer.police == "粤公网安备44140202000123号"
    assert e.footer.conac
    assert [(a.to_url, a.attachment) for a in e.attachments] == [("http://127.0.0.1:8000/zwgk/tzgg/files/plan.pdf", "pdf")]
    assert not any(link.to_url.startswith("javascript") or "#" in link.to_url for link in e.links)


def test_gkmlpt_style_metadata_table_in_gbk():
    e = extract(GKML_PAGE.encode("gbk"), "http://127.0.0.1:8000/gkmlpt/content/0/1/post_1.html", "text/html; charset=GBK")
    assert e.encoding == "gb18030"
    assert e.column_path == ("首页", "政府信息公开", "政府信息公开年报")
    assert e.index_number == "11441403007045816X/2021-00050"
    assert e.written_date == D(2021, 3, 10)
    assert (e.pub_date, e.pub_date_source) == (D(2021, 3, 12), "label:发布日期")
    assert e.doc_number == "梅县府办〔2021〕3号"
    assert e.footer.site_code == "4414030001" and e.footer.site_code_meta is None and not e.footer.conac


def test_list_page_items_and_relative_links():
    e = extract(LIST_PAGE.encode(), "http://h/zwgk/tzgg/index.html")
    assert e.kind == "list"
    assert e.column_path == ("首页", "政务公开", "通知公告")
    assert [(i.title, i.url, i.date) for i in e.list_items] == [
        ("通知一", "http://h/zwgk/tzgg/1.html", D(2021, 7, 13)),
        ("通知二", "http://h/zwgk/tzgg/2.html", D(2021, 7, 1)),
        ("通知三（全文）", "http://h/tzgg/3.html", D(2021, 6, 30)),
    ]
    assert "http://h/zwgk/tzgg/index_2.html" in {link.to_url for link in e.links}


def test_js_built_list():
    e = extract(JS_LIST.encode(), "http://h/zcwj/index.html")
    assert e.script_built and e.kind == "list" and e.list_items == ()


def test_home_page_kind():
    assert extract(LIST_PAGE.encode(), "http://h/").kind == "home"
    assert extract(LIST_PAGE.encode(), "http://h/index.html").kind == "home"


@pytest.mark.parametrize("body", [b"", b"\x00\x01\x02binary\xff\xfe", b"<html><body><div><a href='http://[bad'>x</a>",
                                  b"<<<>>>" * 1000, "<p>只有文字</p>".encode("utf-16")])
def test_never_raises(body):
    e = extract(body, "http://h/x.html")
    assert isinstance(e.text, str)


def test_text_is_bounded():
    e = extract(("<p>" + "政务公开" * 10000 + "</p>").encode(), "http://h/x.html", max_text_chars=500)
    assert len(e.text) == 500


def test_decode_declared_gb2312_but_utf8_bytes():
    text, enc = decode_html("<meta charset='gb2312'><p>政府信息公开</p>".encode("utf-8"))
    assert enc == "utf-8" and "政府信息公开" in text


# --- every real page in shared/real -------------------------------------------------


def test_real_shanxi():
    e = extract(real("gne_shanxi_gov_cn_article.html"), "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_1.shtml")
    assert e.title == "山西品牌丝路行（南美站）正式启动"
    assert e.pub_date == D(2019, 9, 18)
    assert e.column_path == ("首页", "要闻", "山西要闻")
    assert e.footer.site_code == e.footer.site_code_meta == "1400000045"
    assert e.footer.icp == "晋ICP备12000773号"
    assert e.footer.police == "晋公网安备14010502050691号"
    assert e.meta["SiteName"]


def test_real_npc():
    e = extract(real("gne_npc_gov_cn_article.html"), "http://www.npc.gov.cn/wxzl/gongbao/2007-08/1.htm")
    assert e.footer.site_code == "bm01000001"
    assert e.footer.site_code_meta is None
    assert e.footer.icp == "京ICP备05070218号"
    assert e.footer.police == "京公网安备11010202000001号"
    assert e.column_path[:2] == ("首页", "国务院公报")
    assert e.pub_date == D(2007, 6, 29)


def test_real_fgw_zj_empty_meta_but_footer_code():
    e = extract(real("gne_fgw_zj_gov_cn_article_simpread.html"), "http://fgw.zj.gov.cn/art/2016/11/22/art_1.html")
    assert e.footer.site_code_meta is None  # the meta is present but empty: a real inconsistency
    assert e.footer.site_code == "3300000020"
    assert e.footer.icp == "浙ICP备05018911号"
    assert e.pub_date == D(2016, 11, 22)
    assert e.title == "1-10月德清县固定资产投资结构趋稳趋优"


def test_real_kepu():
    e = extract(real("mh_kepu_gov_cn_article.html"), "http://www.kepu.gov.cn/politics/2023-12/01/content_1755244.html")
    assert e.footer.site_code == "bm06000004"
    assert e.footer.icp == "京ICP备05022684号-3"
    assert e.pub_date == D(2023, 12, 1)
    assert e.title == "习近平主持召开深入推进长三角一体化发展座谈会"


def test_real_people_declared_gb2312_is_utf8():
    e = extract(real("mh_people_com_cn_meta_gb2312_but_utf8.html"), "http://health.people.com.cn/n1/2024/0517/c1.html")
    assert e.encoding == "utf-8"
    assert e.title == "关注青少年心理健康“心成长”服务项目启动"
    assert e.pub_date == D(2024, 5, 17)


def test_real_xinhuanet_gbk_bytes():
    body = real("traf_xinhuanet_he_gbk_bytes.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    e = extract(body, "http://he.xinhuanet.com/xinwen/2012-06/04/content_1.htm")
    assert e.encoding == "gb18030"
    assert e.title == "话剧《约定无期限》河北各市巡演结束"
    assert e.pub_date == D(2012, 6, 4)


def test_real_shuyang_annual_report_article():
    e = extract(real("js_shuyang_fgj_2023_annual_report_article_collector_wrapped.html"),
                "http://www.shuyang.gov.cn/sygfj/gknb/202401/2ecfb31a335f4d689220a3a23e24a986.shtml")
    assert e.title == "沭阳县发展和改革局2023年政府信息公开年度报告"
    assert e.pub_date == D(2024, 1, 17)
    assert e.index_number == "014314799/2024-00002"
    assert e.footer.site_code_meta == "3213220037"
    assert e.footer.site_code is None  # the visible footer is in an iframe
    assert "主动公开政府信息情况" in e.text


@pytest.mark.parametrize(
    ("name", "date", "doc"),
    [
        ("js_shuyang_county_2025_annual_report_ocr.txt", D(2026, 1, 23), "国办公开办函〔2021〕30号"),
        ("sh_stcsm_2024_annual_report_pdf_extract.txt", D(2024, 1, 1), None),
        ("cn_annual_report_section3_pdf_extract_fragment.txt", None, None),
        # 统计期限自 2024 年 1 月 1 日; the only number cited is 国令第 711 号, not of the 〔year〕 form
        ("js_huaian_gov_2024_annual_report_pdfplumber.txt", D(2024, 1, 1), None),
        # the date is split over a line break ("2025\n年 1 月 1 日"), the 文号 has a space ("30 号")
        ("sh_gov_office_2025_annual_report_pdf_extract.txt", D(2025, 1, 1), "国办公开办函〔2021〕30号"),
    ],
)
def test_real_report_texts(name, date, doc):
    text = real(name).decode("utf-8")
    assert parse_cn_date(text) == date
    assert find_doc_number(text) == doc
    e = extract(real(name), "http://h/report.txt")  # plain text through the HTML path must not crash
    assert isinstance(e.text, str)


def test_every_real_file_is_covered():
    if not REAL.exists():
        pytest.skip("shared/real is not beside the repository")
    source = Path(__file__).read_text(encoding="utf-8")
    for f in REAL.iterdir():
        if f.suffix in (".html", ".txt"):
            assert f.name in source, f"no extraction test for {f.name}"


def test_empty_column_is_a_list_page():
    e = extract("<html><body><div class='position'>首页 &gt; 统计信息</div><ul class='list'></ul></body></html>".encode(),
                "http://h/tjxx/index.html")
    assert e.kind == "list" and e.list_items == () and not e.script_built


def test_labels_ignore_script_text_as_get_text_does():
    # The bounded text walk used for labels must read what get_text() reads: a script
    # inside the label cell is not part of the label.
    from crawler.extract import _short_text
    from bs4 import BeautifulSoup

    soup = BeautifulSoup("<td>发布日期<script>var x = 1;</script><!-- c -->：</td>", "lxml")
    assert _short_text(soup.td, 20) == soup.td.get_text(" ")
    page = extract("<table><tr><td>发布日期<script>var x=1;</script>：</td><td>2021-07-13</td></tr></table>"
                   .encode(), "http://x.test/a.html", "text/html; charset=utf-8")
    assert page.pub_date == dt.date(2021, 7, 13)


def test_deeply_nested_page_is_flattened_while_parsing_and_loses_no_link():
    # 20,000 nested <div>s made every tree heuristic cost depth x elements (5 s on one
    # page, enough to starve other downloads' timeouts). Parsing drops the too-deep tags
    # and keeps their content: links inside and after the deep part, and the text.
    from crawler.extract import MAX_TREE_DEPTH, _ShallowSoup

    deep = 5000
    html = ("<html><head><title>深页</title></head><body><div class='position'>首页 &gt; 政务公开</div>"
            + "<div>" * deep + "<a href='/inner'>内<b>层</b></a><p>正文</p><script>var x = '<div>';</script>"
            + "</div>" * deep + "<a href='/after'>之后</a></body></html>")
    soup = _ShallowSoup(html, "lxml")
    depth = max(len(list(tag.parents)) for tag in soup.find_all(True))
    assert depth <= MAX_TREE_DEPTH + 1  # one kept <a>/<script> level below the limit
    assert soup.dropped > deep - MAX_TREE_DEPTH
    e = extract(html.encode(), "http://x.test/deep.html", "text/html; charset=utf-8")
    assert [(link.to_url, link.anchor) for link in e.links] == [
        ("http://x.test/inner", "内 层"), ("http://x.test/after", "之后")]
    assert "正文" in e.text and "var x" not in e.text
    assert e.column_path == ("首页", "政务公开")


@pytest.mark.parametrize("name", ["gne_fgw_zj_gov_cn_article_simpread.html", "gne_npc_gov_cn_article.html",
                                  "gne_shanxi_gov_cn_article.html", "mh_kepu_gov_cn_article.html",
                                  "js_shuyang_fgj_2023_annual_report_article_collector_wrapped.html"])
def test_real_pages_are_parsed_exactly_as_by_plain_beautifulsoup(name):
    from bs4 import BeautifulSoup

    from crawler.extract import _ShallowSoup

    html = decode_html(real(name))[0]
    shallow = _ShallowSoup(html, "lxml")
    assert shallow.dropped == 0
    assert str(shallow) == str(BeautifulSoup(html, "lxml"))


# --- section D real pages (field-by-field accuracy: tests/test_real_accuracy.py) -----


@pytest.mark.parametrize(
    ("name", "url", "kind", "title", "checks"),
    [
        # 索引号 in <strong>, its value in the next text node; 文号：无 is no 文号
        ("he_handan_hdzfxxgk_article_jyj_20200802.html",
         "http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200802_1352104.html", "article",
         "邯郸市教育局关于印发《全市教育系统安全专项整治三年行动实施方案》的通知",
         {"index_number": "000014348/2020-35147", "doc_number": None, "column_path": (), "pub_date": D(2020, 8, 2)}),
        # 首页->政府文件->… in a block with no breadcrumb class; a header row of labels; one row
        ("he_handan_hdzfxxgk_list.html", "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/", "list", "近期信息公开",
         {"column_path": ("首页", "政府文件", "近期信息公开"), "pub_date": None, "index_number": None}),
        # <li> crumbs without separator text; 索 引 号 (U+2002) with an empty value
        ("cn_nfra_penalty_article_a_selenium.html", "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=a",
         "article", "国家金融监督管理总局浙江监管局行政处罚信息公开表（浙金罚决字〔2024〕52号）",
         {"column_path": ("首页", "政务信息", "行政处罚", "监管局本级"), "index_number": None,
          "doc_number": "浙金罚决字〔2024〕52号"}),
        ("cn_nfra_penalty_article_b_selenium.html", "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=b",
         "article", "国家金融监督管理总局行政处罚信息公开表(金罚决字〔2024〕36号)",
         {"column_path": ("首页", "政务信息", "行政处罚", "总局机关"), "index_number": None}),
        # no <title>: the title is the value of the 标　　题 row; 成文日期 vs 发布日期
        ("cn_govcn_zhengce_5352666_gbf_2018_123_fragment.html",
         "http://www.gov.cn/zhengce/content/2018-12/27/content_5352666.htm", "article",
         "国务院办公厅关于推进政务新媒体健康有序发展的意见",
         {"written_date": D(2018, 12, 7), "pub_date": D(2018, 12, 27), "doc_number": "国办发〔2018〕123号"}),
        ("cn_govcn_zhengce_5351718_gbf_1996_25_fragment.html",
         "http://www.gov.cn/zhengce/content/2018-12/24/content_5351718.htm", "article",
         "国务院办公厅、中央军委办公厅关于加强对侵华日军遗弃化学武器调查和管理工作的通知",
         {"written_date": D(1996, 6, 29), "pub_date": D(2018, 12, 24), "index_number": "000014349/1996-00077"}),
        ("cn_govcn_zhengce_5351177_gl_707_fragment.html",
         "http://www.gov.cn/zhengce/content/2018-12/22/content_5351177.htm", "article", "中华人民共和国个人所得税法实施条例",
         {"doc_number": "国令第707号", "written_date": D(2018, 12, 18)}),
        ("cn_govcn_zhengce_5346276_gbfmd_2018_15_fragment.html",
         "http://www.gov.cn/zhengce/content/2018-12/06/content_5346276.htm", "article", "国务院办公厅关于2019年部分节假日安排的通知",
         {"doc_number": "国办发明电〔2018〕15号", "written_date": D(2018, 12, 4)}),
        ("cn_cmse_gov_article_gne.html", "http://www.cmse.gov.cn/ztbd/xwfbh/a.html", "article",
         "天宫一号与神舟九号载人交会对接任务第二场新闻发布会",
         {"column_path": ("首页", "专题报道", "新闻发布会"), "pub_date": D(2012, 6, 24)}),
    ],
)
def test_real_section_d_pages(name, url, kind, title, checks):
    e = extract(real(name), url)
    assert (e.kind, e.title) == (kind, title)
    assert {key: getattr(e, key) for key in checks} == checks


# --- patterns seen on real pages, as minimal synthetic pages -------------------------


def page(body: str, head: str = "") -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    "crumb",
    [
        "<div class='crumb'>您现在的位置是：首页 &gt;&gt; 政务公开 &gt;&gt; 通知公告</div>",
        "<div class='location'>您现在的位置: <a href='/'>首页</a> -&gt; <a href='/zwgk/'>政务公开</a> -&gt; 通知公告</div>",
        "<div class='path'>首页 › 政务公开 › 通知公告</div>",
        "<div class='dqwz'>当前位置：首页 » 政务公开 » 通知公告</div>",
        "<div class='position'>当前位置：首页 / 政务公开 / 通知公告</div>",
        # <li> crumbs, no separator text (AngularJS trail)
        "<div class='breadcrumb'><ul><li>当前位置：<a href='/'>首页</a></li><li><a href='/zwgk/'>政务公开&nbsp;</a></li>"
        "<li><a href='#'>通知公告</a></li></ul></div>",
        # no breadcrumb class: a block whose text starts with 首页 and a separator
        "<div class='title-bar'><h3>通知公告</h3><div class='sx-more'><a href='/'>首页</a>-&gt;"
        "<a href='/zwgk/'>政务公开</a>-&gt;<a href='./'>通知公告</a></div></div>",
    ],
)
def test_breadcrumb_forms(crumb):
    e = extract(page(crumb + "<p>正文内容</p>"), "http://h/zwgk/tzgg/a.html")
    assert e.column_path == ("首页", "政务公开", "通知公告")


@pytest.mark.parametrize(
    "block",
    [
        "<ul class='nav-list'><li><a href='/'>首页</a></li><li><a href='/xxgk/'>信息公开</a></li></ul>",  # a menu
        "<div class='location'>更新时间 2021/07/13</div>",  # "/" in a date is no separator
        "<div class='footer'>返回首页 | 网站地图</div>",
    ],
)
def test_not_a_breadcrumb(block):
    assert extract(page(block), "http://h/zwgk/a.html").column_path == ()


def test_label_in_strong_with_value_in_next_text_and_placeholder_values():
    e = extract(page("<p><strong>索引号</strong>：000014348/2020-35147</p><p><strong>文号</strong>：无</p>"
                     "<p><strong>发布日期</strong>：2020年08月02日</p><p>正文。</p>"), "http://h/a.html")
    assert (e.index_number, e.doc_number, e.pub_date) == ("000014348/2020-35147", None, D(2020, 8, 2))


@pytest.mark.parametrize("empty", ["无", "暂无", "—", "-"])
def test_placeholder_values_are_empty(empty):
    e = extract(page(f"<table><tr><td>文号：</td><td>{empty}</td><td>索引号：</td><td>{empty}</td></tr></table>"),
                "http://h/a.html")
    assert (e.doc_number, e.index_number) == (None, None)


def test_metadata_table_with_spaced_labels_in_b_and_title_row():
    e = extract(page("<table><tr><td><b>索\u3000引\u3000号：</b></td><td>000014349/2018-00221</td>"
                     "<td><b>主题分类：</b></td><td>综合政务</td></tr>"
                     "<tr><td><b>发文机关：</b></td><td>国务院办公厅</td><td><b>成文日期：</b></td><td>2018年12月07日</td></tr>"
                     "<tr><td><b>标\u3000\u3000题：</b></td><td colspan='3'>国务院办公厅关于推进政务新媒体健康有序发展的意见</td></tr>"
                     "<tr><td><b>发文字号：</b></td><td>国办发〔2018〕123号</td><td><b>发布日期：</b></td>"
                     "<td>2018年12月27日</td></tr></table><p>正文。</p>"), "http://h/content_1.htm")
    assert e.title == "国务院办公厅关于推进政务新媒体健康有序发展的意见"
    assert e.index_number == "000014349/2018-00221"
    assert (e.written_date, e.pub_date) == (D(2018, 12, 7), D(2018, 12, 27))
    assert e.doc_number == "国办发〔2018〕123号"


def test_label_in_th_with_value_in_next_cell():
    e = extract(page("<table><tr><th>发布日期</th><td>2021-07-13</td></tr><tr><th>索 引 号</th><td>X1/2021-1</td></tr>"
                     "</table><p>正文。</p>"), "http://h/a.html")
    assert (e.pub_date, e.index_number) == (D(2021, 7, 13), "X1/2021-1")


def test_empty_value_never_takes_the_next_label():
    # 索 引 号 with U+2002 spaces and an empty value span; 文 号 empty, then a title block
    e = extract(page("<div><span>索\u2002引\u2002号：<span></span></span><span>主题分类：<span></span></span></div>"
                     "<div><span>文\u2003\u2003号：<span></span></span></div><div class='org'>某某监督管理委员会</div>"
                     "<p>正文内容。</p>"), "http://h/a.html")
    assert (e.index_number, e.doc_number) == (None, None)


def test_header_row_of_labels_is_not_a_value():
    e = extract(page("<table class='list'><tr><th>名称</th><th>索引号</th><th>发布机构</th><th>发布日期</th></tr>"
                     "<tr><td><a href='1.html'>关于某事的通知</a></td><td>000/2020-1</td><td>某局</td><td>2020-08-05</td></tr>"
                     "</table>"), "http://h/zfwj/")
    assert (e.index_number, e.pub_date, e.title) == (None, None, "")


@pytest.mark.parametrize(
    ("page_title", "site_name", "expected"),
    [
        ("关于开展检查的通知 - 梅江区人民政府门户网站", "", "关于开展检查的通知"),  # 标题-站点
        ("梅江区人民政府-通知公告", "", "通知公告"),  # 站点-栏目
        ("通知公告_梅江区人民政府", "", "通知公告"),  # 栏目_站点
        ("梅江区 | 政策解读", "梅江区", "政策解读"),  # the site name from <meta name="SiteName">
        ("1-10月德清县固定资产投资结构趋稳趋优", "", "1-10月德清县固定资产投资结构趋稳趋优"),  # a hyphen in a number
        ("国家金融监督管理总局", "国家金融监督管理总局", ""),  # only the site name
    ],
)
def test_title_from_page_title(page_title, site_name, expected):
    from crawler.extract_fields import title_from_page_title

    assert title_from_page_title(page_title, site_name) == expected


def test_title_tag_in_site_column_order():
    e = extract(page("<p>正文内容。发布时间：2021-07-13</p>", "<title>梅江区人民政府门户网站_政策解读</title>"),
                "http://h/a.html")
    assert e.title == "政策解读"


def test_title_from_centred_bold_first_paragraphs():
    body = ("<div id='zoom'><p style='text-align: center;'><span style='font-weight: bold;'>国务院办公厅关于推进</span></p>"
            "<p align='center'><b>政务新媒体健康有序发展的意见</b></p><p style='text-align:center'>国办发〔2018〕123号</p>"
            "<p>各省、自治区、直辖市人民政府：现提出如下意见。</p></div>")
    e = extract(page(body, "<title>国家金融监督管理总局</title><meta name='SiteName' content='国家金融监督管理总局'>"),
                "http://h/a.html")
    assert e.title == "国务院办公厅关于推进政务新媒体健康有序发展的意见"


def test_list_title_is_its_column_name():
    body = ("<h1>邯郸市人民政府</h1><div class='position'>首页 &gt; 政府文件 &gt; 近期信息公开</div>"
            "<ul class='list'><li><a href='1.html'>通知一</a><span>2021-07-13</span></li></ul>")
    e = extract(page(body, "<title>邯郸市人民政府</title>"), "http://h/zfwj/jqxxgk/")
    assert (e.kind, e.title, e.pub_date) == ("list", "近期信息公开", None)  # not its first row's date


def test_month_day_rows_take_the_year_from_the_fetch_date():
    body = ("<ul class='news'><li><a href='a.html'>要闻一</a><span>01-08</span></li>"
            "<li><a href='b.html'>要闻二</a><span>[12-28]</span></li><li><a href='c.html'>要闻三</a><span>06-15</span></li></ul>")
    e = extract(page(body), "http://h/", fetch_date=D(2024, 1, 10))
    assert e.kind == "home"
    # never later than the fetch date: 06-15 is last year's
    assert [i.date for i in e.list_items] == [D(2024, 1, 8), D(2023, 12, 28), D(2023, 6, 15)]


def test_month_day_rows_take_the_year_from_neighbouring_full_dates():
    body = ("<ul class='list'><li><a href='a.html'>一</a><span>2021-01-05</span></li>"
            "<li><a href='b.html'>二</a><span>12-30</span></li><li><a href='c.html'>三</a><span>2020-12-20</span></li>"
            "<li><a href='d.html'>四</a><span>12-01</span></li></ul>")
    e = extract(page(body), "http://h/tzgg/index.html", fetch_date=D(2024, 3, 1))
    assert [i.date for i in e.list_items] == [D(2021, 1, 5), D(2020, 12, 30), D(2020, 12, 20), D(2020, 12, 1)]


def test_month_day_rows_on_an_article_take_the_year_from_its_own_date():
    body = ("<h1>关于某事的通知</h1><div class='info'>发布日期：2019-12-30</div><div id='zoom'><p>"
            + "正文内容，" * 20 + "</p></div><ul class='related'><li><a href='a.html'>相关一</a><span>12-28</span></li>"
            "<li><a href='b.html'>相关二</a><span>01-02</span></li><li><a href='c.html'>相关三</a><span>11-02</span></li></ul>")
    e = extract(page(body), "http://h/art/a.html", fetch_date=D(2024, 3, 1))
    assert e.kind == "article" and e.pub_date == D(2019, 12, 30)  # a dated sidebar does not make it a list
    assert [i.date for i in e.list_items] == [D(2019, 12, 28), D(2020, 1, 2), D(2019, 11, 2)]


def test_month_day_in_a_title_or_a_pager_is_no_date():
    e = extract(page("<ul><li><a href='a.html'>1-10月固定资产投资</a></li><li><a href='p2.html'>下一页</a><span>1/5</span></li>"
                     "<li><a href='f.pdf'>附件</a><span>1.5</span></li></ul>"), "http://h/", fetch_date=D(2024, 1, 1))
    assert e.list_items == ()
    e = extract(page("<ul><li><a href='a.html'>要闻</a><span>07/13</span></li></ul>"), "http://h/", fetch_date=D(2024, 1, 1))
    assert [i.date for i in e.list_items] == [D(2023, 7, 13)]


HANWEB_LIST = """<html><head><title>通知公告_梅州市某局</title></head><body>
<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1229/">通知公告</a></div>
<div id="4391241"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&columnid=1229&unitid=4391241"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2021/7/13/art_1229_1.html" title="通知一">通知一</a><span>2021-07-13</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/6/2/art_1229_2.html" title="通知二">通知二</a><span>2021-06-02</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/5/9/art_1229_3.html" title="通知三">通知三</a><span>2021-05-09</span></li>]]></record>
</recordset></datastore></script></div></body></html>"""


def test_hanweb_datastore_records_are_list_items():
    e = extract(HANWEB_LIST.encode(), "http://h/col/col1229/index.html")
    assert [(i.title, i.date) for i in e.list_items] == [
        ("通知一", D(2021, 7, 13)), ("通知二", D(2021, 6, 2)), ("通知三", D(2021, 5, 9))]
    assert e.kind == "list" and e.column_path == ("首页", "通知公告") and not e.script_built
    assert "http://h/art/2021/6/2/art_1229_2.html" in {link.to_url for link in e.links}


def test_hanweb_dataproxy_answer_is_read_as_records():
    xml = ('<?xml version="1.0" encoding="utf-8"?><datastore><recordset>'
           '<record><![CDATA[<li><a href="/art/2021/4/1/art_1229_4.html">通知四</a><span>2021-04-01</span></li>]]></record>'
           "</recordset></datastore>")
    e = extract(xml.encode(), "http://h/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15",
                "text/xml; charset=utf-8")
    assert [(i.title, i.url, i.date) for i in e.list_items] == [
        ("通知四", "http://h/art/2021/4/1/art_1229_4.html", D(2021, 4, 1))]
    # A script that merely mentions a datastore, with no records, adds nothing.
    assert extract(b"<html><body><script>var s = '<datastore>';</script><p>x</p></body></html>",
                   "http://h/a.html").list_items == ()


@pytest.mark.parametrize(("name", "publisher"), [
    ("cn_govcn_zhengce_5352666_gbf_2018_123_fragment.html", "国务院办公厅"),  # 发文机关 cell
    ("he_handan_hdzfxxgk_article_jyj_20200802.html", "邯郸市教育局"),  # 发布机构 in <strong> + text
    ("js_shuyang_fgj_2023_annual_report_article_collector_wrapped.html", "沭阳县发展和改革局"),
    ("gne_shanxi_gov_cn_article.html", "山西日报"),  # 来源: a repost from a newspaper
    ("cn_cmse_gov_article_gne.html", None),
])
def test_publisher_as_the_page_states_it(name, publisher):
    assert extract(real(name), "http://h/a.html").publisher == publisher


def test_publisher_label_takes_no_neighbouring_label():
    page = "<table><tr><td>发布机构：</td><td></td><td>成文日期：</td><td>2021-07-01</td></tr></table>"
    assert extract(page.encode(), "http://h/a.html").publisher is None
