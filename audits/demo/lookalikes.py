"""Look-alike pages of the sample world: what real portals carry where the required document
should be (a notice about the report, a repost, a bulletin, other units' documents, a news item
naming the right words, a dead link with the right label). Each is planted by a defects.yaml
item, replaces the real document, and is marked on its Resource (`lookalike`), so a test can
prove that no pass cites one."""

from __future__ import annotations

import datetime as dt

from audits.demo.annual import report_html, report_numbers
from audits.demo.pages import Builder

Item = tuple[str, str, dt.date]
# Departments whose reports a city 年报 column carries next to (here: instead of) the city's own.
CITY_COLUMN_DEPARTMENTS = ("梅州市民政局", "梅州市人力资源和社会保障局")


def annual_reports(b: Builder, state: str, year: int, root: str, crumbs: list) -> list[Item]:
    """The 年报 column's items when the unit's own `year` report is replaced by look-alikes."""
    if state == "notice":
        # The notice on compiling the reports, filed in the 年报 column as real portals do.
        title = f"关于做好{year}年政府信息公开工作年度报告编制发布工作的通知"
        path, date = f"{root}nb/tz{year}.html", dt.date(year + 1, 1, 12)
        b.article(path, title, crumbs, date,
                  f"<p>各单位：</p><p>根据《中华人民共和国政府信息公开条例》规定，请各单位按照国办公开办函〔2021〕30号"
                  f"要求编制本单位{year}年政府信息公开工作年度报告，于{year + 1}年1月31日前报送并向社会公布。</p>"
                  "<p>附件：年度报告格式模板</p>", lookalike=f"关于编制{year}年年报的通知，不是年报")
        return [(title, path, date)]
    if state == "others_only":
        # Departments' own reports, posted on the city portal: none of them is the city government's.
        out = []
        for i, dept in enumerate(CITY_COLUMN_DEPARTMENTS):
            title = f"{dept}{year}年政府信息公开工作年度报告"
            path, date = f"{root}nb/dept{i + 1}-{year}.html", dt.date(year + 1, 1, 20 + i)
            body = report_html(dept, year, report_numbers(b.rng)).split("</h1>", 1)[1]
            b.article(path, title, crumbs, date, body, issuer=dept, lookalike=f"{dept}的年报，不是市政府的")
            out.append((title, path, date))
        return out
    raise ValueError(f"unknown annual_report:{year} state {state!r}")


def plant(b: Builder, kind: str, nm: str, column: str, parent: list, column_name: str,
          domains: list[str] = ()) -> list[Item]:
    """Write the look-alike articles of `kind` (see entries) into a column, each marked with what
    it imitates, and return them as the column's items."""
    crumbs = parent + [(column_name, column + "index.html")]
    out = []
    for i, (title, when, body, why) in enumerate(entries(kind, nm, b.unit.name, domains)):
        date = when if isinstance(when, dt.date) else b.d(when)
        path = f"{column}{date:%Y%m}/t{date:%Y%m%d}_{kind}{i + 1}.html"
        b.article(path, title, crumbs, date, body, issuer=ISSUERS.get(kind, ""), lookalike=why)
        out.append((title, path, date))
    return out


# Look-alikes that name another body as their issuer (the unit's own site carries them).
ISSUERS = {"outline_repost": "广东省人民政府"}


def entries(kind: str, nm: str, name: str, domains: list[str] = ()) -> list[tuple[str, int | dt.date, str, str]]:
    """The look-alikes a defect state plants, by kind (see defects.yaml): (title, days before
    as-of or a date, body HTML, what it imitates)."""
    return {
        # PLAN-001: the province's outline reposted, not the county's own
        "outline_repost": [
            ("转发广东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要的通知", 200,
             "<p>各镇人民政府，县直各单位：</p><p>现将《广东省国民经济和社会发展第十四个五年规划和2035年远景目标纲要》"
             "转发给你们，请结合实际认真贯彻执行。</p>", "转发的省级规划纲要，不是本县的")],
        # FIN-001: the 2021 budget replaced by its half-year execution report and the 2019 budget
        "budget": [
            (f"{nm}2021年上半年预算执行情况", 150, f"<p>{nm}2021年上半年预算执行情况全文见附件。</p>", "预算执行情况，不是预算"),
            (f"{nm}2019年财政预算报告", dt.date(2019, 2, 26), f"<p>{nm}2019年财政预算报告全文见附件。</p>",
             "2019年的预算，不是2021年的")],
        # PT-006: a bulletin on checking accounts, not the list of them
        "new_media_bulletin": [
            ("关于2021年第三季度政府网站和政务新媒体检查情况的通报", 70,
             "<p>根据国务院办公厅关于政府网站和政务新媒体检查工作的要求，现将第三季度检查情况通报如下："
             "本季度共抽查政务新媒体账号若干个，总体合格率符合要求，个别账号存在更新不及时问题。</p>",
             "检查情况通报，不是政务新媒体名录")],
        # JC-001: a news item naming every domain (the catalogues themselves are incomplete)
        "domains_news": [
            (f"{nm}推进基层政务公开标准化规范化工作", 45,
             f"<p>近日，{nm}召开基层政务公开标准化规范化工作推进会，要求各部门对照{'、'.join(domains)}"
             f"等{len(domains)}个领域的标准指引，加快编制本领域基层政务公开标准目录。</p>",
             "会议新闻列出领域名称，不是标准目录")],
        # FIN-003: the words the debt page lacks (利率, 偿还资金来源), in news about other things
        "debt_words": [
            (title, days, f"<p>{title}。本次工作涉及利率调整与偿还资金来源核查等事项。</p>",
             "别处的“利率”“偿还资金来源”字样，不是债务信息")
            for title, days in ((f"{nm}农商银行下调小微企业贷款利率", 33),
                                (f"{nm}审计局开展专项资金偿还资金来源落实情况审计", 51))],
        # FIN-002: the notice on publishing final accounts, and an older year's
        "final_notice": [
            (f"关于做好2020年度部门决算公开工作的通知", 100, "<p>请各单位在批复后20日内公开2020年度部门决算。</p>", "关于公开决算的通知，不是决算"),
            (f"{name}2019年部门决算", 450, "<p>2019年部门决算全文见附件。</p>", "2019年的决算，不是2020年的")],
        # FIN-004: a clean-up campaign's notice and its meeting, not the payments
        "hmhn_about": [
            ("关于开展惠民惠农财政补贴资金“一卡通”专项治理的通知", 40, "<p>各镇、各有关部门：现就开展专项治理工作通知如下。</p>",
             "部署专项治理的通知，不是补贴信息"),
            (f"{nm}召开惠民惠农财政补贴资金“一卡通”专项治理工作推进会", 20, "<p>会议听取了各镇工作进展汇报。</p>",
             "推进会新闻，不是补贴信息")],
        # GB-002: a subscription notice in a stale gazette column
        "gazette_notice": [
            (f"关于征订2022年《{name}公报》的通知", 15, "<p>欢迎各单位和社会各界订阅。</p>", "公报征订通知，不是新一期公报")],
        # HY-002: a notice collecting concerns over stale responses
        "hygz_notice": [
            (f"关于开展2021年{nm}领域群众关切问题征集活动的通知", 10, "<p>欢迎社会各界通过留言等方式反映关切问题。</p>",
             "征集关切问题的通知，不是回应")],
        # MKT-002: the State Council's plan reposted, not the unit's own measures
        "mkt_repost": [
            ("转发国务院办公厅关于印发建设高标准市场体系行动方案的通知", 60, "<p>现将《建设高标准市场体系行动方案》转发给你们，请认真贯彻执行。</p>",
             "转发的国家行动方案，不是本单位的落实举措")],
        # PLAN-002 / PLAN-003: drafts for comment, not the plans
        "land_plan_draft": [
            (f"{nm}国土空间总体规划（2021-2035年）（征求意见稿）", 90, "<p>现将规划草案公开征求意见，意见反馈截止日期见正文。</p>",
             "征求意见稿，不是规划")],
        "special_plan_draft": [
            (f"关于征求《{nm}“十四五”交通运输专项规划（征求意见稿）》意见的公告", 130, "<p>现公开征求社会公众意见。</p>",
             "征求意见公告，不是规划")],
        # YSQ-005: the national 制定办法 reposted, not the department's own work
        "gqsy_repost": [
            ("转发国务院办公厅关于印发公共企事业单位信息公开规定制定办法的通知", 120, "<p>现将《公共企事业单位信息公开规定制定办法》转发给你们。</p>",
             "转发的国家制定办法，不是本部门的工作情况")],
    }[kind]
