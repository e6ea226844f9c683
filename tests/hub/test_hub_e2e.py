"""The class deployment on JupyterHub (issue 11): deploy/jupyterhub/.

The end-to-end test starts a real hub, proxy and three student servers on loopback (about a minute and
~1 GB of memory on two cores), so it only runs when asked for: ``HVP_HUB_TESTS=1`` (``make hub-test``, which
also installs requirements-hub.txt and the proxy). In an ordinary ``make test`` it is skipped; the cheap checks
of the pins below always run.
"""
import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "deploy" / "jupyterhub"
RUN_HUB = os.environ.get("HVP_HUB_TESTS") == "1"


def test_pins():
    """jupyterhub and its proxy are pinned; the proxy is installed locally (npm ci) and not committed."""
    reqs = (ROOT / "requirements-hub.txt").read_text()
    assert re.search(r"^jupyterhub==6\.1\.1$", reqs, re.M)
    unpinned = [line for line in reqs.splitlines()
                if line.strip() and not line.startswith("#") and "==" not in line]
    assert not unpinned, unpinned
    package = json.loads((HUB_DIR / "package.json").read_text())
    assert package["dependencies"] == {"configurable-http-proxy": "5.3.0"}
    lock = json.loads((HUB_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == "5.3.0"
    assert "node_modules/" in (HUB_DIR / ".gitignore").read_text().split()


@pytest.mark.skipif(not RUN_HUB, reason="starts JupyterHub and three servers: set HVP_HUB_TESTS=1 "
                                        "(make hub-test)")
def test_class_on_jupyterhub():
    """Hub as root, three students on their own unix accounts running a chapter over the proxy, every
    isolation attack refused, nbgrader's exchange, grades 10 / 0 / 5."""
    sys.path.insert(0, str(HUB_DIR))
    import e2e

    # e2e makes its own state folder where the students' accounts can reach it (pytest's tmp_path is 0700)
    report = e2e.run(None, log=lambda line: print(line, flush=True))
    print("\n".join(["attack | expected | observed"] + e2e.attack_table(report)), flush=True)
    want, full = e2e.expected_scores()
    assert report["ok"]
    assert report["grades"] == {name: (score, full) for name, score in want.items()}
    assert report["grades"]["alice"][0] == full and report["grades"]["bob"][0] == 0
    assert 0 < report["grades"]["carol"][0] < full
    assert all(n >= 10 for n in report["chapter_cells_compared"].values())
    assert len(set(report["server_uids"].values())) == len(e2e.STUDENTS) and 0 not in report["server_uids"].values()
    assert len(report["attacks"]) >= 15 and all(a["ok"] for a in report["attacks"].values()), report["attacks"]
    assert report["grading_uids"] and "root" not in report["grading_uids"], report["grading_uids"]
    assert report["leftover_processes"] == [], "the hub left processes behind (ended by the test)"
    assert sorted(report["accounts_removed"]) == sorted(e2e.TEST_PREFIX + n for n in [e2e.INSTRUCTOR, *e2e.STUDENTS])
