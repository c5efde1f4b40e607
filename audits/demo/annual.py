"""Sample annual reports in the 2021 format: consistent ones, and variants with one planted flaw."""

from __future__ import annotations

import hashlib
import html
import random

T3_LABELS = [
    ("new", "一、本年新收政府信息公开申请数量"), ("carried_in", "二、上年结转政府信息公开申请数量"),
    ("open", "（一）予以公开"), ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("deny_1", "1.属于国家秘密"), ("deny_2", "2.其他法律行政法规禁止公开"), ("deny_3", "3.危及“三安全一稳定”"),
    ("deny_4", "4.保护第三方合法权益"), ("deny_5", "5.属于三类内部事务信息"), ("deny_6", "6.属于四类过程性信息"),
    ("deny_7", "7.属于行政执法案卷"), ("deny_8", "8.属于行政查询事项"),
    ("unable_1", "1.本机关不掌握相关政府信息"), ("unable_2", "2.没有现成信息需要另行制作"), ("unable_3", "3.补正后申请内容仍不明确"),
    ("refuse_1", "1.信访举报投诉类申请"), ("refuse_2", "2.重复申请"), ("refuse_3", "3.要求提供公开出版物"),
    ("refuse_4", "4.无正当理由大量反复申请"), ("refuse_5", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"), ("other_3", "3.其他"),
    ("total", "（七）总计"), ("carried_out", "四、结转下年度继续办理"),
]
RESULTS = [k for k, _ in T3_LABELS[2:23]]
# "copied": the report's narrative is the previous year's (AR-006); "template": it is a model
# report's, word for word, as another unit's may be too (AR-007); every other flaw is within one report.
TEMPLATE_NAME = "政府信息公开工作年度报告范本"
FLAWS = ("identity", "result_sum", "row_sum", "table4", "prose", "placeholder", "section", "copied", "template")

# Narrative of the sample reports (AR-006 compares a unit's consecutive reports): one sentence per
# slot, chosen per unit and year. No digits, so AR-004's prose-versus-table figures stay the
# table's alone; no word other rules look for in a document of another type.
NARRATIVE = (
    ("本机关坚持以人民为中心，把政务公开作为转变政府职能、建设法治政府的重要抓手。",
     "本机关以提升公开质量为主线，推动政务公开与业务工作同部署、同落实。",
     "本机关对照上级工作要点，逐项分解任务、明确责任，各项工作有序推进。",
     "本机关注重公开实效，把群众是否看得到、看得懂、用得上作为检验工作的标准。",
     "本机关调整充实工作力量，形成主要领导负总责、分管领导具体抓的工作格局。",
     "本机关聚焦群众办事的难点，以公开促进服务优化，推动公开工作提质增效。"),
    ("（一）主动公开。围绕优化营商环境和民生保障，集中发布惠企政策和办事指引，做到应公开尽公开。",
     "（一）主动公开。坚持以公开为常态、不公开为例外，重点做好财政资金、重大项目和公共服务信息的发布。",
     "（一）主动公开。逐项梳理年度公开事项，对重点领域信息实行逐项登记、按月调度。",
     "（一）主动公开。把群众关心的办事条件、收费依据和服务时限放在网站显著位置，方便群众查询。",
     "（一）主动公开。对涉及群众切身利益的事项坚持事前公开征询、事中公开进展、事后公开结果。",
     "（一）主动公开。以门户网站为第一平台，同步通过公开栏、服务窗口等渠道发布信息，扩大知晓面。"),
    ("（二）依申请公开。严格执行受理、登记、审核、答复各环节的时限要求，答复文书做到依据充分、表述规范。",
     "（二）依申请公开。对疑难申请实行集体会商，必要时征询法律顾问意见，确保答复合法合规。",
     "（二）依申请公开。畅通网上、信函和当面三种申请渠道，主动与申请人沟通，准确把握申请内容。",
     "（二）依申请公开。梳理近年答复中的常见问题，汇编办理规范，供经办人员对照执行。",
     "（二）依申请公开。加强与业务科室的协同，建立承办科室负责制，避免答复口径不一致。",
     "（二）依申请公开。对申请较多的事项分析原因，把群众反复申请的信息转为主动公开。"),
    ("（三）政府信息管理。落实公开属性源头认定，拟制公文时同步明确公开方式。",
     "（三）政府信息管理。坚持先审查、后公开，信息发布前逐条进行保密审查，全年未发生失泄密事件。",
     "（三）政府信息管理。对已公开的文件开展清理，及时标注失效和废止情况。",
     "（三）政府信息管理。规范信息发布流程，实行拟稿、审核、签发三级把关。",
     "（三）政府信息管理。完善文件归档和索引编目，方便群众按主题查找。",
     "（三）政府信息管理。定期检查已发布信息的准确性，发现差错立即更正并说明情况。"),
    ("（四）平台建设。优化门户网站栏目设置，合并内容重复的栏目，提升站内检索功能。",
     "（四）平台建设。推进网站适老化和无障碍改造，方便老年人和残障人士获取信息。",
     "（四）平台建设。完善服务大厅的信息查阅点，配备查阅设备并安排专人引导。",
     "（四）平台建设。加强网站日常监测，及时修复失效链接，保障网站安全平稳运行。",
     "（四）平台建设。整合分散的信息发布渠道，做到同一信息多渠道发布、口径一致。",
     "（四）平台建设。开通网站移动端页面，群众可通过手机随时查询公开信息。"),
    ("（五）监督保障。将政务公开纳入年度工作考核，由分管负责同志定期研究部署。",
     "（五）监督保障。组织经办人员参加业务学习，提升依法公开的意识和能力。",
     "（五）监督保障。开展内部自查，对发现的问题逐项整改、限期销号。",
     "（五）监督保障。主动接受社会监督，公布监督电话和电子邮箱，认真处理群众意见。",
     "（五）监督保障。落实工作责任制，明确专人负责信息发布和审核。",
     "（五）监督保障。邀请群众代表对公开工作进行评议，根据评议意见改进工作。"),
)
PROBLEMS = (
    "公开内容的针对性还不够强，部分信息更新不够及时。下一步将加强统筹，及时发布群众关心的信息。",
    "信息发布的形式较为单一，图表和音视频运用较少。今后将丰富发布形式，提高信息的可读性。",
    "经办人员业务能力有待提升，答复文书仍有不够规范之处。下一步将加强业务学习和案例交流。",
    "部分栏目内容与职能衔接不够紧密。今后将对照职责逐项梳理，补齐缺项内容。",
    "基层公开工作发展不平衡。下一步将加强指导，推动公开标准在基层落地。",
    "主动回应社会关切的意识不够强。今后将完善回应机制，做到早发声、准发声。",
)


def narrative(unit_name: str, year: int) -> tuple[list[str], str]:
    """(总体情况 sentences, 第五部分 text) of a unit's report about `year`. Each slot starts at a
    place fixed by the unit's name and moves on one option a year, so a unit's consecutive
    reports never share a sentence (and the rng of the world is not drawn from)."""
    def pick(options: tuple[str, ...], slot: int) -> str:
        start = int(hashlib.sha256(f"{unit_name}:{slot}".encode()).hexdigest(), 16)
        return options[(start + year) % len(options)]

    return [pick(options, i) for i, options in enumerate(NARRATIVE)], pick(PROBLEMS, len(NARRATIVE))


def report_numbers(rng: random.Random, carried_in: list[int] | None = None) -> dict:
    """Table 3 and 4 numbers that satisfy every identity of the format."""
    t3: dict[str, list[int]] = {}
    cols = 6
    t3["carried_in"] = list(carried_in[:cols]) if carried_in else [rng.randint(0, 3) for _ in range(cols)]
    t3["new"] = [rng.randint(5, 60), rng.randint(0, 5), 0, 0, rng.randint(0, 2), rng.randint(0, 2)]
    for key in RESULTS:
        t3[key] = [0] * cols
    t3["carried_out"] = [0] * cols
    for c in range(cols):
        remaining = t3["new"][c] + t3["carried_in"][c]
        out = min(remaining, rng.randint(0, 2))
        t3["carried_out"][c] = out
        remaining -= out
        while remaining:  # spread the handled requests over the result rows
            key = rng.choice(RESULTS[:6] + ["open", "open", "unable_1", "refuse_2", "other_3"])
            t3[key][c] += 1
            remaining -= 1
    t3["total"] = [sum(t3[k][c] for k in RESULTS) for c in range(cols)]
    table3 = {k: v + [sum(v)] for k, v in t3.items()}
    blocks = []
    for _ in range(3):
        cells = [rng.randint(0, 3) for _ in range(4)]
        blocks += cells + [sum(cells)]
    return {"table3": table3, "table4": blocks}


def report_html(unit_name: str, year: int, numbers: dict, flaw: str | None = None) -> str:
    """A 2021-format report as HTML; `flaw` plants exactly one inconsistency (see FLAWS)."""
    t3 = {k: list(v) for k, v in numbers["table3"].items()}
    t4 = list(numbers["table4"])
    if flaw == "identity":
        t3["carried_out"][0] += 1
        t3["carried_out"][6] += 1
    elif flaw == "result_sum":
        t3["open"][0] += 2
        t3["open"][6] += 2
    elif flaw == "row_sum":
        t3["refuse_2"][6] += 1
    elif flaw == "table4":
        t4[4] += 1
    new_total = t3["new"][6] + (5 if flaw == "prose" else 0)
    period = "统计期限自至" if flaw == "placeholder" else f"本报告中所列数据统计期限为{year}年1月1日至12月31日"
    rows = []
    for key, label in T3_LABELS:
        cells = "".join(f"<td>{v}</td>" for v in t3[key])
        rows.append(f"<tr><td colspan=\"3\">{html.escape(label)}</td>{cells}</tr>")
    t4_cells = "".join(f"<td>{v}</td>" for v in t4)
    fifth = "五、存在的主要问题及整改措施" if flaw == "section" else "五、存在的主要问题及改进情况"
    overview, problems = narrative(TEMPLATE_NAME if flaw == "template" else unit_name,
                                   year - 1 if flaw == "copied" else year)
    return (
        f"<h1>{html.escape(unit_name)}{year}年政府信息公开工作年度报告</h1>"
        f"<p>{period}。</p>"
        f"<h2>一、总体情况</h2><p>{year}年，本年新收政府信息公开申请{new_total}件，上年结转{t3['carried_in'][6]}件。</p>"
        + "".join(f"<p>{s}</p>" for s in overview) +
        "<h2>二、主动公开政府信息情况</h2>"
        "<table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
        "<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr><tr><td>行政规范性文件</td><td>3</td><td>1</td><td>20</td></tr></table>"
        "<h2>三、收到和处理政府信息公开申请情况</h2>"
        "<table><tr><td colspan=\"3\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
        "<td colspan=\"7\">申请人情况</td></tr>"
        "<tr><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>总计</td></tr>"
        + "".join(rows) + "</table>"
        "<h2>四、政府信息公开行政复议、行政诉讼情况</h2>"
        "<table><tr><td colspan=\"5\">行政复议</td><td colspan=\"10\">行政诉讼</td></tr>"
        "<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>"
        "<td colspan=\"5\">未经复议直接起诉</td><td colspan=\"5\">复议后起诉</td></tr>"
        f"<tr>{t4_cells}</tr></table>"
        f"<h2>{fifth}</h2><p>{problems}</p><h2>六、其他需要报告的事项</h2><p>本年度未收取信息处理费。</p>"
    )


def report_pdf(unit_name: str, year: int, numbers: dict) -> bytes:
    """The same report as a PDF: text lines as a PDF-to-text tool returns them."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # a CID font: no font file needed
    t3, t4 = numbers["table3"], numbers["table4"]
    overview, problems = narrative(unit_name, year)
    lines = [f"{unit_name}{year}年政府信息公开工作年度报告", "一、总体情况", f"{year}年，本机关认真贯彻落实《条例》。",
             *_wrap(overview), "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
    lines += [f"{label} " + " ".join(str(v) for v in t3[key]) for key, label in T3_LABELS]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "结果维持 结果纠正 其他结果 尚未审结 总计",
              " ".join(str(v) for v in t4[:5]), " ".join(str(v) for v in t4[5:10]), " ".join(str(v) for v in t4[10:]),
              "五、存在的主要问题及改进情况", *_wrap([problems]), "六、其他需要报告的事项", "本年度未收取信息处理费。"]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)  # invariant: no timestamp or random id, same bytes every time
    pdf.setFont("STSong-Light", 9)
    y = 800
    for line in lines:
        if y < 40:
            pdf.showPage()
            pdf.setFont("STSong-Light", 9)
            y = 800
        pdf.drawString(30, y, line[:70])
        y -= 16
    pdf.save()
    return buffer.getvalue()


def _wrap(paragraphs: list[str], width: int = 40) -> list[str]:
    """Paragraphs as the lines of a printed page (a line of the PDF holds about forty characters)."""
    return [p[i:i + width] for p in paragraphs for i in range(0, len(p), width)]
