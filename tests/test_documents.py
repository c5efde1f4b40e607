"""The document layer (rules/documents.py): type, year and issuer of a page, with the reason."""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from crawler.extract import extract
from rules.documents import OTHER_BODY, classify, doc_type_of, is_own, load_doctypes, subject_year_of
from rules.model import PageRecord, UnitInfo
from tests.conftest import SHARED

TITLES = yaml.safe_load((Path(__file__).parent / "data" / "doctype-titles.yaml").read_text(encoding="utf-8"))
MEIJIANG = UnitInfo(id="meijiang", name="梅州市梅江区人民政府", kind="county", names=("梅江区",))
CZJ = UnitInfo(id="mz-czj", name="梅州市财政局", kind="municipal-department", names=("市财政局",))
CITY = UnitInfo(id="meizhou", name="梅州市人民政府", kind="municipal-government", acts_for=("mz-office",),
                names=("市政府",))
OFFICE = UnitInfo(id="mz-office", name="梅州市人民政府办公室", kind="municipal-department", names=("市政府办公室",))
UNITS = (MEIJIANG, CZJ, CITY, OFFICE)


@pytest.mark.parametrize("case", TITLES, ids=[c["title"][:24] for c in TITLES])
def test_titles_are_typed_as_a_person_reads_them(case):
    doc_type, why = doc_type_of(case["title"], None, load_doctypes())
    assert (doc_type.id if doc_type else None) == case["type"], why
    assert subject_year_of(case["title"])[0] == case["year"]


def test_about_types_are_never_the_document():
    types = {t.id: t for t in load_doctypes()}
    assert all(types[t].about for t in ("转发", "征求意见稿", "通报", "通知部署", "会议新闻"))
    assert not any(types[t].about for t in ("年度报告", "部门预算", "规划纲要", "政策文件"))


def test_a_doc_number_alone_makes_a_policy_document_only_when_nothing_else_matched():
    types = load_doctypes()
    assert doc_type_of("梅州市安全生产工作安排", "梅市府办函〔2021〕12号", types)[0].id == "政策文件"
    assert doc_type_of("梅州市财政局2021年部门预算", "梅市财〔2021〕3号", types)[0].id == "部门预算"
    assert doc_type_of("梅州市安全生产工作安排", None, types)[0] is None


def _page(title, publisher=None, **kw):
    return PageRecord(url="http://u.test/a.html", title=title, publisher=publisher, **kw)


def test_issuer_from_publisher_or_title_prefix():
    own = classify(_page("梅州市梅江区人民政府2020年政府信息公开工作年度报告"), MEIJIANG, UNITS)
    assert own.issuer == "meijiang" and own.doc_type == "年度报告" and own.subject_year == 2020
    assert is_own(own, MEIJIANG) and "标题" in own.why[2]
    # A department's own report on the city portal is the department's, not the city's.
    dept = classify(_page("梅州市财政局2020年政府信息公开年报", "梅州市财政局"), CITY, UNITS)
    assert dept.issuer == "mz-czj" and not is_own(dept, CITY)
    # The office's documents count for the city portal, which carries its duties (acts_for).
    office = classify(_page("梅州市人民政府办公室2020年政府信息公开工作年度报告"), CITY, UNITS)
    assert office.issuer == "mz-office" and is_own(office, CITY)
    # A reposted provincial outline is another body's document.
    prov = classify(_page("广东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要", "广东省人民政府"),
                    MEIJIANG, UNITS)
    assert prov.issuer == OTHER_BODY and not is_own(prov, MEIJIANG)
    # 来源：本网 is the site's own unit; nothing at all is unknown, never "own".
    assert classify(_page("2021年政府债务限额和余额情况", "本网"), MEIJIANG, UNITS).issuer == "meijiang"
    unknown = classify(_page("2021年政府债务限额和余额情况"), MEIJIANG, UNITS)
    assert unknown.issuer is None and not is_own(unknown, MEIJIANG)


def test_every_conclusion_says_why():
    doc = classify(_page("关于做好2020年政府信息公开工作年度报告编制发布工作的通知", "梅州市人民政府办公室",
                         pub_date=dt.date(2021, 1, 5)), CITY, UNITS)
    assert doc.doc_type == "通知部署" and doc.about and doc.subject_year == 2020 and doc.issuer == "mz-office"
    assert len(doc.why) == 3 and all(doc.why)


@pytest.mark.parametrize(("name", "doc_type", "year", "issuer"), [
    ("js_shuyang_fgj_2023_annual_report_article_collector_wrapped.html", "年度报告", 2023, OTHER_BODY),
    ("he_handan_hdzfxxgk_article_jyj_20200802.html", "政策文件", None, OTHER_BODY),
    ("cn_govcn_zhengce_5352666_gbf_2018_123_fragment.html", "政策文件", None, OTHER_BODY),
    ("mh_kepu_gov_cn_article.html", "会议新闻", None, OTHER_BODY),  # 来源：新华社, a repost
])
def test_real_pages(name, doc_type, year, issuer):
    path = SHARED / "real" / name
    if not path.exists():
        pytest.skip("shared/real is not beside the repository")
    content = extract(path.read_bytes(), "http://h/a.html")
    page = PageRecord(url="http://h/a.html", **{k: v for k, v in vars(content).items()})
    doc = classify(page, MEIJIANG, UNITS)
    assert (doc.doc_type, doc.subject_year) == (doc_type, year), doc.why
    assert doc.issuer == issuer, doc.why


def test_title_prefix_is_an_issuer_only_when_it_names_an_organisation():
    prov = classify(_page("广东省人民政府关于印发广东省推进政务公开工作方案的通知"), MEIJIANG, UNITS)
    assert (prov.issuer, prov.issuer_text) == (OTHER_BODY, "广东省人民政府")
    explainer = classify(_page("一图读懂《市政府关于促进民营经济发展的若干措施》"), CITY, UNITS)
    assert explainer.issuer is None  # the title names a document, not who issued this page
    short = classify(_page("梅江区城乡规划领域基层政务公开标准目录"), MEIJIANG, UNITS)
    assert (short.issuer, short.issuer_text, short.doc_type) == ("meijiang", "梅江区", "标准目录")


def test_a_source_line_names_the_portal_not_the_issuer():
    """来源：梅州市人民政府办公室 on a department's report hosted by the city portal: the title's
    name wins over 来源, while a 发布机构 label wins over the title."""
    page = _page("梅州市财政局2020年政府信息公开工作年度报告", "梅州市人民政府办公室", publisher_label="来源")
    assert classify(page, CZJ, UNITS).issuer == "mz-czj"
    labelled = _page("梅州市财政局2020年政府信息公开工作年度报告", "梅州市人民政府办公室", publisher_label="发布机构")
    assert classify(labelled, CZJ, UNITS).issuer == "mz-office"
    repost = _page("山西品牌丝路行正式启动", "山西日报", publisher_label="来源")
    assert classify(repost, MEIJIANG, UNITS).issuer == OTHER_BODY  # no name in the title: the source it is


def test_a_township_named_after_its_district_is_another_body():
    """梅江区城北镇人民政府 starts with 梅江区's short name but is not 梅江区 (a township's guide on
    the district site is not the district's guide)."""
    for title, publisher in [("梅江区城北镇人民政府政府信息公开指南", None),
                             ("政府信息公开指南", "梅江区城北镇人民政府"),
                             ("政府信息公开指南", "梅江区江南街道办事处")]:
        doc = classify(_page(title, publisher), MEIJIANG, UNITS)
        assert doc.issuer == OTHER_BODY and not is_own(doc, MEIJIANG), doc.why
        assert "乡镇" in doc.why[2]
    # The district's own bodies and wording stay the district's.
    for publisher in ("梅江区人民政府", "梅江区人民政府办公室"):
        assert classify(_page("政府信息公开指南", publisher), MEIJIANG, UNITS).issuer == "meijiang"
    assert classify(_page("梅江区乡村振兴工作方案", None), MEIJIANG, UNITS).issuer == "meijiang"
