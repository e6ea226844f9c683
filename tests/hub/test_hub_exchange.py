"""hub_exchange.OwnerCheckedCollect without a hub (runs in `make test`, as any user): a submission counts only for
the account that owns it, and its files are copied without following links."""
import getpass
import logging
import os
import sys
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub"
sys.path.insert(0, str(HUB_DIR))

from nbgrader.auth import Authenticator  # noqa: E402  (requirements-grading.txt)
from nbgrader.coursedir import CourseDirectory  # noqa: E402

import hub_exchange  # noqa: E402

ME = getpass.getuser()
OTHER = "someone-else" if ME != "someone-else" else "another"


def _submission(inbound, claimed, stamp, tag, files):
    path = inbound / f"{claimed}+a1+{stamp}+{tag}"
    path.mkdir()
    (path / "timestamp.txt").write_text(stamp)
    for name, content in files.items():
        if isinstance(content, Path):
            os.symlink(content, path / name)
        else:
            (path / name).write_text(content)
    return path


def test_forged_and_linked_submissions_are_refused(tmp_path, caplog, monkeypatch):
    # nbgrader creates the gradebook with the `alembic` command of this environment
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    exchange, course = tmp_path / "exchange", tmp_path / "course"
    inbound = exchange / "c" / "inbound"
    inbound.mkdir(parents=True)
    course.mkdir()
    os.chmod(exchange, 0o1777)
    secret = tmp_path / "solution.ipynb"
    secret.write_text("the instructor's solution")
    _submission(inbound, ME, "2026-01-01 00:00:00.000000 UTC", "honest", {"a1.ipynb": "my work"})
    # a later one of mine holding a link (to a file I could read: the copy must still not follow it)
    _submission(inbound, ME, "2026-01-02 00:00:00.000000 UTC", "links", {"a1.ipynb": secret, "notes.txt": "n"})
    # someone else's name on my folder, dated so that it would be their latest
    _submission(inbound, OTHER, "2099-01-01 00:00:00.000000 UTC", "forged", {"a1.ipynb": "not theirs"})
    os.symlink(inbound / os.listdir(inbound)[0], inbound / f"{OTHER}+a1+2098-01-01 00:00:00.000000 UTC+link")

    coursedir = CourseDirectory(root=str(course), course_id="c", assignment_id="a1")
    collect = hub_exchange.OwnerCheckedCollect(coursedir=coursedir, authenticator=Authenticator(),
                                               root=str(exchange), update=True)
    with caplog.at_level(logging.WARNING):
        collect.start()

    reasons = dict(collect.refused)
    forged = [k for k in reasons if k.startswith(OTHER + "+")]
    assert len(forged) == 2, reasons
    assert any(f"owned by {ME}" in reasons[k] for k in forged)
    assert any("not a folder" in reasons[k] for k in forged)
    assert not (course / "submitted" / OTHER).exists()
    mine = course / "submitted" / ME / "a1"
    assert (mine / "timestamp.txt").read_text().startswith("2026-01-02")   # my latest honest folder
    assert (mine / "notes.txt").read_text() == "n"
    assert not (mine / "a1.ipynb").exists(), "a link in a submission was followed"
    assert any("a1.ipynb" in k and "not copied" in v for k, v in reasons.items())
    assert "REFUSED" in caplog.text
