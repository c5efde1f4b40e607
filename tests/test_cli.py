"""The CLI: documented, and user mistakes get one clear line and a non-zero exit."""

import re

import pytest
from click.testing import CliRunner

from audits.cli import cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(command):
    assert cli.commands[command].help
    assert f"zwgk {command}" in README


def test_rules_coverage_maps_all_46_tasks():
    result = CliRunner().invoke(cli, ["rules", "--coverage"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    m = re.fullmatch(r"(\d+)/(\d+) tasks mapped: (\d+) checked automatically \(fully or in part\), "
                     r"(\d+) by proxy only, (\d+) manual", last)
    mapped, total, automated, proxy, manual = map(int, m.groups())
    assert (mapped, total) == (46, 46)
    assert automated + proxy + manual == 46
    assert automated + proxy >= 30  # tasks with an automated rule reaching their units
    assert automated >= 15  # of which checked fully or in part, not by proxy only
    states = dict(re.findall(r"^task +(\d+)  (automated|proxy|manual|NOT MAPPED) ", result.output, re.M))
    assert sorted(map(int, states)) == list(range(1, 47))
    assert [list(states.values()).count(s) for s in ("automated", "proxy", "manual")] == [automated, proxy, manual]
    assert "NOT MAPPED" not in result.output
    assert "applies to none of its units" not in result.output


def test_rules_lists_every_rule():
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    assert re.search(r"^ZL-002\s+tasks 28\s+automated", result.output, re.M)
    assert re.search(r"^GL-001\s+tasks 39\s+manual", result.output, re.M)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "--unit", "nowhere"], "unknown unit id(s) nowhere"),
        (["crawl", "--units", "/nonexistent/units.yaml"], "units file not found"),
        (["audit", "--db", "/nonexistent/z.db"], "database not found"),
        (["findings", "--db", "/nonexistent/z.db"], "database not found"),
        (["report", "--db", "/nonexistent/z.db"], "database not found"),
        (["rules", "--rules", "/nonexistent"], "no such rule file or folder"),
        (["audit", "--as-of", "2021-13-45", "--db", "/nonexistent/z.db"], "--as-of expects YYYY-MM-DD"),
    ],
)
def test_user_mistakes_are_one_line_errors(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert message in result.output


def test_bad_rule_file_is_reported_with_file_and_field(tmp_path):
    bad = tmp_path / "XX-999.yaml"
    bad.write_text("id: XX-999\ntitle: t\ntasks: [1]\nlegal_basis: [x]\napplies_to: {from_plan: true}\nseverity: huge\n"
                   "evidence: {column: {names: [a]}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "--rules", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: severity: must be one of" in result.output
