"""Sample annual reports in the 2021 format: consistent ones, and variants with one planted flaw."""

from __future__ import annotations

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
FLAWS = ("identity", "result_sum", "row_sum", "table4", "prose", "placeholder", "section")


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
    return (
        f"<h1>{html.escape(unit_name)}{year}年政府信息公开工作年度报告</h1>"
        f"<p>{period}。</p>"
        f"<h2>一、总体情况</h2><p>{year}年，本年新收政府信息公开申请{new_total}件，上年结转{t3['carried_in'][6]}件。</p>"
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
        f"<h2>{fifth}</h2><p>公开深度有待提高。</p><h2>六、其他需要报告的事项</h2><p>本年度未收取信息处理费。</p>"
    )


def report_pdf(unit_name: str, year: int, numbers: dict) -> bytes:
    """The same report as a PDF: text lines as a PDF-to-text tool returns them."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # a CID font: no font file needed
    t3, t4 = numbers["table3"], numbers["table4"]
    lines = [f"{unit_name}{year}年政府信息公开工作年度报告", "一、总体情况", f"{year}年，本机关认真贯彻落实《条例》。",
             "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
    lines += [f"{label} " + " ".join(str(v) for v in t3[key]) for key, label in T3_LABELS]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "结果维持 结果纠正 其他结果 尚未审结 总计",
              " ".join(str(v) for v in t4[:5]), " ".join(str(v) for v in t4[5:10]), " ".join(str(v) for v in t4[10:]),
              "五、存在的主要问题及改进情况", "公开深度有待提高。", "六、其他需要报告的事项", "本年度未收取信息处理费。"]
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
