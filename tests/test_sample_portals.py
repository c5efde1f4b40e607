"""The sample portals: deterministic, complete, and their ground truth agrees with what they serve."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from audits.demo import SamplePortalServer, build_world
from audits.demo.build import DEFECTS
from audits.demo.registry import STYLES, load_registry, style_for
from crawler.units import load_units


def _snapshot(world):
    return {(k, p): (r.status, r.body) for k, s in world.sites.items() for p, r in s.resources.items()}


def test_same_seed_same_bytes_other_seed_differs():
    a, b, c = build_world(seed=7), build_world(seed=7), build_world(seed=8)
    assert _snapshot(a) == _snapshot(b)
    assert [u.profile for u in a.units] == [u.profile for u in b.units]
    assert _snapshot(a) != _snapshot(c)


def test_every_registry_unit_is_sampled():
    world = build_world()
    assert [u.id for u in world.units] == [u.id for u in load_units()]
    assert {u.kind for u in world.units} == {"county", "municipal-government", "municipal-department"}


def test_profiles_cover_defects_and_clean_units():
    world = build_world()
    states = {i["state"] for u in world.units for i in u.profile}
    assert {"missing", "stale", "empty", "broken", "late", "incomplete", "js_only", "unreachable", "ok"} <= states
    clean = [u.id for u in world.units if u.profile[0]["state"] == "ok"]
    assert len(clean) >= len(world.units) // 3
    assert set(DEFECTS) <= {u.id for u in world.units}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _bfs(server, unit_id, encoding="utf-8"):
    """A tiny independent crawler (urllib): in scope, robots.txt honoured."""
    world = server.world
    unit = world.unit(unit_id)
    netloc = server.netloc(unit.site)
    robots = urllib.robotparser.RobotFileParser()
    try:
        robots.parse(urllib.request.urlopen(f"http://{netloc}/robots.txt").read().decode().splitlines())
    except urllib.error.HTTPError:
        robots.parse([])  # as Scrapy does: an unusable robots.txt restricts nothing
    start = server.base_url(unit_id)
    seen, out, queue = {start}, {}, deque([start])
    while queue:
        url = queue.popleft()
        if not robots.can_fetch("*", url):
            out[url] = "blocked_robots"
            continue
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                body, status, base = resp.read(), resp.status, resp.geturl()  # links resolve against the final URL
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            out[url] = err.code
            continue
        out[url] = status
        if not ctype.startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(body.decode(encoding))
        for href in parser.hrefs:
            target = urljoin(base, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc != netloc or not parts.path.startswith(unit.base):
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return out


@pytest.mark.parametrize(("unit_id", "encoding"), [("meijiang", "utf-8"), ("xingning", "gbk"), ("wuhua", "utf-8"),
                                                   ("mz-czj", "utf-8"), ("fengshun", "utf-8")])
def test_served_site_matches_ground_truth(sample_server, unit_id, encoding):
    truth = sample_server.ground_truth()["units"][unit_id]["pages"]
    seen = _bfs(sample_server, unit_id, encoding)
    assert set(seen) == set(truth)
    for url, got in seen.items():
        rec = truth[url]
        expected = "blocked_robots" if rec["fetch"] == "blocked_robots" else rec["status"]
        assert got == expected, url


def test_outside_site_is_linked_but_not_crawled_by_the_bfs(sample_server):
    before = len(sample_server.hits)
    _bfs(sample_server, "meizhou")
    outside = sample_server.netloc("outside")
    assert not [h for h in sample_server.hits[before:] if h[0] == outside]
    home = urllib.request.urlopen(sample_server.base_url("meizhou")).read().decode()
    assert f"http://{outside}/beian" in home  # the 备案 link points to the outside site
    assert "http://www.gov.cn/zhengce/wenda/" in home  # 国务院政策问答平台 at its real, off-site address


def test_units_file_points_at_the_local_servers(sample_server, tmp_path):
    path = sample_server.write_units_file(tmp_path / "u.yaml")
    units = {u.id: u for u in load_units(path)}
    assert set(units) == {u.id for u in load_units()}
    czj = units["mz-czj"]
    assert czj.start_urls[0] == sample_server.base_url("mz-czj")
    assert czj.in_scope(sample_server.url("mz-czj", "/zwgk/zfjg/sczj/tzgg/index.html"))
    assert not czj.in_scope(sample_server.url("mz-czj", "/zwgk/zfjg/sjyj/"))
    assert units["meizhou"].acts_for == ("mz-office",)
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["units"][0]["url_status"] == "confirmed"


def test_awkward_encodings_and_js_list(sample_server):
    with urllib.request.urlopen(sample_server.base_url("xingning")) as resp:
        assert "charset=GBK" in resp.headers["Content-Type"]
        assert "兴宁市" in resp.read().decode("gbk")
    with urllib.request.urlopen(sample_server.base_url("pingyuan")) as resp:
        body = resp.read()
        assert b'charset="gb2312"' in body and "平远县" in body.decode("utf-8")
    js = urllib.request.urlopen(sample_server.url("meixian", "/gkmlpt/fdzdgknr/index.html")).read().decode()
    assert '<ul class="list" id="list"></ul>' in js and "<li>" not in js.split('id="list"')[1].split("</ul>")[0]
    data = json.loads(urllib.request.urlopen(sample_server.url("meixian", "/gkmlpt/fdzdgknr/list.json")).read())
    assert len(data) == 4


def test_down_portal_answers_503(sample_server):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(sample_server.base_url("fengshun"))
    assert err.value.code == 503


# --- any registry --------------------------------------------------------------------------

# Units no table of the sample world knows: they must get a working, clean portal.
EXTRA_COUNTY = {"id": "sample-xinqu", "name": "梅州市新区人民政府", "short_name": "新区", "kind": "county",
                "start_urls": ["http://www.xinqu.example/"], "allowed_domains": ["xinqu.example"]}
EXTRA_DEPARTMENT = {"id": "mz-sample-sjzx", "name": "梅州市数据中心", "short_name": "市数据中心",
                    "kind": "municipal-department", "start_urls": ["http://www.meizhou.gov.cn/zwgk/zfjg/ssjzx/"]}


def _start_pages(server):
    status = {}
    for u in server.world.units:
        try:
            with urllib.request.urlopen(server.base_url(u.id), timeout=10) as resp:
                status[u.id] = resp.status
        except urllib.error.HTTPError as err:
            status[u.id] = err.code
    return status


def _served_as_truth(server, *unit_ids):
    """Every unit's start page answers (200, or 503 for a portal planted as down), and the
    sites of `unit_ids` hold exactly what their ground truth says."""
    truth = server.ground_truth()["units"]
    for uid, status in _start_pages(server).items():
        assert status == (200 if truth[uid]["reachable"] else 503), uid
    for unit_id in unit_ids:
        unit = server.world.unit(unit_id)
        seen = _bfs(server, unit_id, "gbk" if unit.encoding == "gbk" else "utf-8")
        assert set(seen) == set(truth[unit_id]["pages"]), unit_id
        assert len(seen) > 20  # a whole portal, not just a start page
    return truth


def test_registry_with_units_no_table_knows():
    # A few more counties, so the derived presentations (template, encoding, dates) vary.
    more = [{**EXTRA_COUNTY, "id": f"sample-county-{n}", "name": f"第{n}县人民政府", "short_name": f"第{n}县"}
            for n in range(6)]
    registry = load_registry() + [EXTRA_COUNTY, EXTRA_DEPARTMENT] + more
    assert not {EXTRA_COUNTY["id"], EXTRA_DEPARTMENT["id"]} & (set(STYLES) | set(DEFECTS))
    world = build_world(registry=registry)
    assert [u.id for u in world.units] == [e["id"] for e in registry]
    extras = [EXTRA_COUNTY, EXTRA_DEPARTMENT] + more
    with SamplePortalServer(world) as server:
        truth = _served_as_truth(server, *[e["id"] for e in extras])
    for extra in extras:
        assert truth[extra["id"]]["reachable"]
        assert [i["state"] for i in truth[extra["id"]]["profile"]] == ["ok"]  # no planted defect
        assert truth[extra["id"]]["profile"][0]["expect"] == "pass"
    county, dept = world.unit(EXTRA_COUNTY["id"]), world.unit(EXTRA_DEPARTMENT["id"])
    assert county.site == county.id and county.base == "/"
    assert dept.site == "meizhou" and dept.base == "/zwgk/zfjg/ssjzx/"
    assert f"{EXTRA_COUNTY['name']}办公室" == county.footer["host"]
    # The units the tables know are built as in the default world.
    default = build_world()
    for uid in ("meijiang", "xingning", "mz-czj"):
        assert world.unit(uid).profile == default.unit(uid).profile
    assert _snapshot_of(world, "xingning") == _snapshot_of(default, "xingning")


def _snapshot_of(world, site_key):
    return {p: (r.status, r.body) for p, r in world.sites[site_key].resources.items()}


def test_derived_presentation_is_the_same_in_every_process():
    code = "from audits.demo.registry import style_for; print(style_for('sample-xinqu'))"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outs == {f"{style_for('sample-xinqu')}\n"}


@pytest.mark.parametrize("city", [None, {"id": "sample-city", "name": "某市人民政府", "short_name": "市政府",
                                         "kind": "municipal-government", "acts_for": ["mz-office"],
                                         "start_urls": ["http://www.city.example/"]}])
def test_registry_without_meizhou(city):
    registry = [e for e in load_registry() if e["id"] != "meizhou"] + ([city] if city else [])
    world = build_world(registry=registry)
    assert "meizhou" not in {u.id for u in world.units}
    czj = world.unit("mz-czj")
    host = city["id"] if city else czj.site
    assert {u.site for u in world.units if u.kind == "municipal-department"} == {host}
    assert czj.footer["host"] == (f"{city['name']}办公室" if city else "市人民政府办公室")
    if city:
        assert world.unit(city["id"]).site == host and world.unit(city["id"]).base == "/"
        assert world.unit(city["id"]).acts_for == ("mz-office",)
    with SamplePortalServer(world) as server:
        _served_as_truth(server, "mz-czj")


def test_defects_of_units_missing_from_the_registry_are_ignored():
    dropped = {"meijiang", "pingyuan", "meizhou", "mz-czj", "mz-jyj"}
    assert dropped <= set(DEFECTS)
    registry = [e for e in load_registry() if e["id"] not in dropped]
    world = build_world(registry=registry)
    default = build_world()
    assert {u.id for u in world.units} == {u.id for u in default.units} - dropped
    for u in world.units:  # the other units keep exactly their planted defects
        assert u.profile == default.unit(u.id).profile
    assert _snapshot_of(world, "wuhua") == _snapshot_of(default, "wuhua")
    with SamplePortalServer(world) as server:
        _served_as_truth(server, "mz-fgj")


def test_default_world_plants_exactly_the_defects_file():
    world = build_world()
    for u in world.units:
        planted = [(i["item"], i["state"], i["rules"], i["detail"]) for i in u.profile if i["state"] != "ok"]
        assert planted == DEFECTS.get(u.id, []), u.id
    assert world.sites["fengshun"].down and not any(s.down for k, s in world.sites.items() if k != "fengshun")


def test_registry_errors_are_named():
    with pytest.raises(ValueError, match="twice"):
        build_world(registry=[EXTRA_COUNTY, EXTRA_COUNTY])
    with pytest.raises(ValueError, match="kind"):
        build_world(registry=[{**EXTRA_COUNTY, "kind": "village"}])
