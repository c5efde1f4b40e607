"""The sample portals: deterministic, complete, and their ground truth agrees with what they serve."""

import json
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
    assert f"http://{outside}/zcwd/" in home  # the 国务院政策问答平台 link points off-site


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
