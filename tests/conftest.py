import os
from pathlib import Path

import pytest

# A system-wide proxy would send test requests for 127.0.0.1 somewhere else.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def tmp_db(tmp_path):
    from audits.db import open_db

    db = open_db(tmp_path / "t.db")
    yield db
    db.close()
