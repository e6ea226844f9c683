"""The hub's configuration without starting a hub (runs in `make test`): isolation is the default and refuses a
state folder the students could not reach; `--no-isolation` is the SimpleLocalProcessSpawner laptop mode."""
import os
import sys
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

HUB_DIR = Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub"
sys.path.insert(0, str(HUB_DIR))

import hubctl  # noqa: E402


def load(monkeypatch, state, **env):
    monkeypatch.setenv("HVP_HUB_STATE", str(state))
    monkeypatch.setenv("HVP_HUB_ADMIN_TOKEN", "t" * 64)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB_DIR)).load_config()


def test_isolation_is_the_default(monkeypatch):
    monkeypatch.delenv("HVP_HUB_ISOLATION", raising=False)
    assert hubctl.isolation()
    assert hubctl.unix_name("alice") == hubctl.user_prefix() + "alice" != "alice"


def test_isolated_hub_refuses_a_state_folder_others_cannot_reach(monkeypatch, tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(SystemExit, match="cannot reach"):
        load(monkeypatch, private / "hub", HVP_HUB_ISOLATION="1")


def test_no_isolation_is_the_simple_spawner(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path / "hub", HVP_HUB_ISOLATION="0")
    assert c.JupyterHub.spawner_class == "simple"
    assert c.Authenticator.allow_all is True
    assert c.SimpleLocalProcessSpawner.home_dir_template.startswith(str(tmp_path / "hub" / "home"))
    if os.geteuid() == 0:
        assert c.Spawner.args == ["--allow-root"]
    env = hubctl.singleuser_env("alice", state=tmp_path / "hub")
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[-1] == str(hubctl.SINGLEUSER_CONFIG)
    assert "JUPYTERHUB_USER" not in (HUB_DIR / "singleuser" / "nbgrader_config.py").read_text().split('"""')[-1]


def test_course_collects_with_the_owner_check(monkeypatch, tmp_path):
    monkeypatch.setenv("HVP_HUB_ISOLATION", "0")
    where = hubctl.init_state(tmp_path / "hub")
    text = (where["course"] / "nbgrader_config.py").read_text()
    assert "c.ExchangeCollect.check_owner = True" in text
    assert 'c.ExchangeFactory.collect = "hub_exchange.OwnerCheckedCollect"' in text
    assert oct(where["course"].stat().st_mode & 0o777) == "0o700"
    assert oct(where["exchange"].stat().st_mode & 0o7777) == "0o1777"
    inbound = where["exchange"] / hubctl.COURSE_ID / "inbound"
    assert oct(inbound.stat().st_mode & 0o7777) == "0o2733"
