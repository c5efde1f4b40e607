"""The demo's findings reduced to what must not change when code is only moved around.

`zwgk demo` is deterministic: the same sample world, crawl and rules give the same
findings. Ports and fetch times differ between runs, so URLs are normalised and times
dropped; screenshots are left out (Chromium may be absent). To record a new baseline after
a deliberate change of the world or the rules:

    python -m tests.demo_findings demo/zwgk.db > tests/data/demo-findings.json
"""

from __future__ import annotations

import hashlib
import json
import re

_HOST = re.compile(r"127\.0\.0\.1:\d+")
_COUNT = re.compile(r"\d+(?=\s*[条个件项])")


def fingerprint(findings: list[dict]) -> dict[str, list[str]]:
    """'unit rule' -> [status, digest of message, detail, looked_for/where and evidence].

    A crawl is not deterministic to the byte (two requests at a time per site; a script-built
    list is rendered in Chromium unless the browser is too slow that day), so evidence is
    compared as a set and counts ("检查 2341 个链接", "共 4 条") as '#'; dates, URLs and the
    rest of the wording still count."""
    out = {}
    for f in findings:
        evidence = sorted((e["url"], e.get("status") or 0, _COUNT.sub("#", e.get("excerpt", ""))) for e in f["evidence"])
        words = [_COUNT.sub("#", f["message"]), _COUNT.sub("#", f["detail"]), f["looked_for"], f["looked_where"]]
        payload = json.dumps([words, evidence], ensure_ascii=False)
        digest = hashlib.sha256(_HOST.sub("HOST", payload).encode()).hexdigest()[:16]
        out[f"{f['unit']} {f['rule']}"] = [f["status"], digest]
    return dict(sorted(out.items()))


def dump(prints: dict[str, list[str]]) -> str:
    """One finding per line, so a changed baseline reads as a short diff."""
    rows = [f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}" for k, v in prints.items()]
    return "{\n" + ",\n".join(rows) + "\n}"


if __name__ == "__main__":
    import subprocess
    import sys

    raw = subprocess.run([sys.executable, "-m", "audits.cli", "findings", "--db", sys.argv[1]],
                         capture_output=True, text=True, check=True).stdout
    print(dump(fingerprint(json.loads(raw))))
