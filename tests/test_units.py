import pytest

from crawler.units import UnitsError, load_units, select_units


def test_shipped_registry_has_every_unit_of_the_plan():
    units = load_units()
    by_id = {u.id: u for u in units}
    counties = [u.short_name for u in units if u.kind == "county"]
    assert counties == ["梅江区", "梅县区", "兴宁市", "平远县", "蕉岭县", "大埔县", "丰顺县", "五华县"]
    assert by_id["meizhou"].kind == "municipal-government"
    assert by_id["mz-office"].kind == "municipal-department"  # a 市直单位
    assert by_id["meizhou"].acts_for == ("mz-office",)
    # The departments the plan names in its 落实单位 column (tasks 3-9, 30, 34-37).
    for name in ["市发展改革局", "市商务局", "市市场监管局", "市财政局", "市卫生健康局", "市司法局", "市教育局",
                 "市公安局", "市民政局", "市人力资源社会保障局", "市自然资源局", "市生态环境局", "市住房城乡建设局",
                 "市农业农村局", "市文化广电旅游局", "市应急管理局", "市医疗保障局", "市审计局", "市交通运输局",
                 "市工业和信息化局", "市政务服务数据管理局"]:
        assert any(u.short_name == name and u.kind == "municipal-department" for u in units), name
    # Never invent certainty: guessed URLs are marked.
    assert by_id["meijiang"].url_status == "seen" and by_id["wuhua"].url_status == "seen"
    assert by_id["meixian"].url_status == "seen" and by_id["meixian"].start_urls == ("https://www.gdmx.gov.cn/",)
    assert by_id["mz-czj"].url_status == "unconfirmed"  # a department path under the city portal, guessed


def test_scope_respects_domains_ports_and_paths():
    units = {u.id: u for u in load_units()}
    dabu = units["dabu"]
    assert dabu.in_scope("http://www.dabu.gov.cn/zwgk/")
    assert dabu.in_scope("https://sub.dabu.gov.cn/x")
    assert not dabu.in_scope("http://www.dabu.gov.cn.evil.com/")
    assert not dabu.in_scope("http://www.gov.cn/")
    assert not dabu.in_scope("javascript:void(0)")
    czj = units["mz-czj"]
    assert czj.in_scope("http://www.meizhou.gov.cn/zwgk/zfjg/sczj/tzgg/1.html")
    assert not czj.in_scope("http://www.meizhou.gov.cn/zwgk/zfjg/sjyj/")


def test_host_port_entries_match_exactly(tmp_path):
    f = tmp_path / "u.yaml"
    f.write_text(
        "allow_local: true\nunits:\n- id: local\n  name: 本地\n  kind: county\n"
        "  start_urls: ['http://127.0.0.1:8001/']\n  allowed_domains: ['127.0.0.1:8001']\n",
        encoding="utf-8",
    )
    (unit,) = load_units(f)
    assert unit.in_scope("http://127.0.0.1:8001/a")
    assert not unit.in_scope("http://127.0.0.1:8002/a")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("units: [{id: a1, name: x, kind: town, start_urls: ['http://a/'], allowed_domains: [a]}]", "units[0] (a1).kind"),
        ("units: [{id: a1, name: x, kind: county, allowed_domains: [a]}]", "units[0] (a1).start_urls"),
        ("units: [{id: A!, name: x}]", "units[0].id"),
        ("units: [{id: a1, name: x, kind: county, start_urls: ['http://b.cn/'], allowed_domains: [a.cn]}]", "outside allowed_domains"),
        ("units: [{id: a1, name: x, kind: county, start_urls: ['http://a/'], allowed_domains: [a]},"
         " {id: a1, name: y, kind: county, start_urls: ['http://a/'], allowed_domains: [a]}]", "duplicate id"),
        ("units: [", "not valid YAML"),
        ("- a\n- b\n", "'units' list"),
    ],
)
def test_bad_units_file_names_file_and_field(tmp_path, body, message):
    f = tmp_path / "bad.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(UnitsError) as err:
        load_units(f)
    assert str(f) in str(err.value)
    assert message in str(err.value)


def test_unknown_unit_id_lists_known_ones():
    with pytest.raises(UnitsError, match="unknown unit id.*nowhere.*meijiang"):
        select_units(load_units(), ["nowhere"])


def test_missing_units_file(tmp_path):
    with pytest.raises(UnitsError, match="not found"):
        load_units(tmp_path / "none.yaml")
