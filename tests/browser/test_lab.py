"""Every chapter runs in a real JupyterLab: run all cells, no error output; on chapters with widgets, moving a
slider changes what the kernel draws.

One Lab server (the project's environment, loopback, no token, a free port, private config/runtime/data/
settings/workspace folders, autosave off) serves a temporary copy of notebooks/, so the committed notebooks
are never written; it is stopped by pid at the end, also on failure. Chapters run one after another, each
with its own kernel (shut down afterwards) and a deadline of CHAPTER_DEADLINE seconds.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser_support import SCREENSHOTS, chapters, offline_page

CHAPTERS = chapters()
CHAPTER_DEADLINE = int(os.environ.get("HVP_LAB_CHAPTER_DEADLINE", "120"))  # seconds per chapter
PHOTO = next((p.stem for p in CHAPTERS if "widgets" in nbformat.read(p, as_version=4).metadata), None)

# User settings for the private Lab: no autosave (the copies are not written either), no news or update
# checks (they would go to the network).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen):
    """Stop the Lab server (and its kernels, in its process group) by pid."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("lab")
    root = home / "course"
    shutil.copytree(Path(CHAPTERS[0]).parent, root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = home / "settings"
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "JUPYTER_PATH"}}
    env.update(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"),
               PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.token=",
           "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(home / "lab.log", "wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{(home / 'lab.log').read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield {"base": base, "root": root, "log": home / "lab.log"}
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page, watch = offline_page(ctx)
    page.on("dialog", lambda d: d.accept())
    try:
        yield page, watch
    finally:
        ctx.close()


OPEN_AND_RUN = """async ([deadline]) => {
  const app = window.jupyterapp;
  await app.restored;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.sessionContext) throw new Error("no notebook open");
  await panel.context.ready;
  await panel.sessionContext.ready;
  const timeout = (ms, what) => new Promise((_, fail) => setTimeout(() => fail(new Error(what)), ms));
  const idle = async () => {
    while (!panel.sessionContext.session || !panel.sessionContext.session.kernel ||
           panel.sessionContext.session.kernel.status !== "idle")
      await new Promise(ok => setTimeout(ok, 200));
  };
  await Promise.race([idle(), timeout(60000, "kernel did not start")]);
  const t0 = performance.now();
  const ok = await Promise.race([app.commands.execute("notebook:run-all-cells"),
                                 timeout(deadline * 1000, `run-all not done after ${deadline} s`)]);
  await Promise.race([idle(), timeout(30000, "kernel still busy")]);
  const errors = [];
  let unrun = 0;
  const cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== "code") continue;
    if (c.sharedModel.getSource().trim() && c.executionCount === null) unrun++;
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs.get(j).toJSON();
      if (o.output_type === "error") errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  }
  return {ok, errors, unrun, seconds: (performance.now() - t0) / 1000,
          kernel: panel.sessionContext.session.kernel.name};
}"""

# What the output area around the first slider shows, readouts left out.
SNAPSHOT = """() => {
  const slider = document.querySelector(".jp-Notebook .widget-slider");
  const area = slider && slider.closest(".jp-Cell-outputWrapper, .jp-OutputArea");
  if (!area) return null;
  const c = area.cloneNode(true);
  c.querySelectorAll(".widget-readout, .widget-slider").forEach(n => n.remove());
  return c.textContent + [...c.querySelectorAll("img")].map(i => i.src.slice(-200)).join("|");
}"""


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_runs_in_lab(chapter, lab, lab_page):
    page, watch = lab_page
    nb = nbformat.read(chapter, as_version=4)
    page.goto(f"{lab['base']}/lab/tree/notebooks/{chapter.name}?reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
    # Lab's polling requests of the previous chapter's page are aborted by the navigation: not failures.
    watch.failed[:] = [f for f in watch.failed if "net::ERR_ABORTED" not in f]
    try:
        result = page.evaluate(OPEN_AND_RUN, [CHAPTER_DEADLINE])
        print(f"{chapter.stem}: run-all {result['seconds']:.1f} s, kernel {result['kernel']}")
        assert not result["errors"], f"error outputs in {chapter.name}: {result['errors']}"
        assert result["ok"] and result["unrun"] == 0, f"{chapter.name}: run-all incomplete ({result})"

        if "widgets" in nb.metadata:
            handle = page.locator(".jp-Notebook .widget-slider [role=slider], "
                                  ".jp-Notebook .widget-slider .noUi-handle").first
            handle.scroll_into_view_if_needed()
            before = page.evaluate(SNAPSHOT)
            assert before is not None, "no slider output found"
            handle.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => ({SNAPSHOT})() !== {json.dumps(before)}", timeout=30_000)
            page.wait_for_timeout(500)
            if chapter.stem == PHOTO:
                handle.scroll_into_view_if_needed()
                page.screenshot(path=str(SCREENSHOTS / f"lab_{chapter.stem}.png"))
    finally:
        # Free the kernel for the next chapter; leave the (unsaved) notebook without a save prompt.
        page.evaluate("""async () => {
          const p = window.jupyterapp.shell.currentWidget;
          if (p && p.sessionContext) { await p.sessionContext.shutdown(); p.context.model.dirty = false; }
        }""")
    assert not watch.failed, f"failed requests to the Lab server: {watch.failed}"
    assert not watch.unexpected_page_errors(), watch.page_errors


def test_lab_made_no_outside_requests(lab, lab_page):
    """Run last in this module: the Lab page asked for nothing outside localhost."""
    page, watch = lab_page
    assert not watch.blocked, f"Lab tried to reach: {sorted(set(watch.blocked))}"
