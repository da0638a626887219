"""install.sh and uninstall.sh in a throwaway root: every action printed, a second run idle.

The scripts run for real with ``ONEBOX_ROOT`` prefixing every path: systemd-sysusers and
systemctl work offline on that root, uv builds the umbrella CLI's environment, and the
migration runs on the root's database. Only starting units is left out (no systemd there).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, require_tool

pytestmark = pytest.mark.slow


def snapshot(tmp_path: Path) -> Path:
    """A copy of the repository as install.sh would deploy it (the working tree may change)."""
    rsync = require_tool("rsync")
    src = tmp_path / "src"
    subprocess.run(
        [
            rsync,
            "-rlpt",
            "--exclude=/.git/",
            "--exclude=/.team/",
            "--filter=:- .gitignore",
            f"{REPO}/",
            f"{src}/",
        ],
        check=True,
    )
    return src


def run(script: Path, root: Path, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    env.update(ONEBOX_ROOT=str(root), ONEBOX_ENVS="onebox:onebox", ONEBOX_UV_LINK_MODE="hardlink")
    done = subprocess.run(
        ["bash", str(script), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_install_is_idempotent_and_uninstall_keeps_the_data(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("install.sh runs as root (chown, systemd-sysusers)")
    require_tool("systemd-sysusers")
    require_tool("systemctl")
    require_tool("uv")
    src = snapshot(tmp_path)
    install, uninstall = src / "infra/install.sh", src / "infra/uninstall.sh"
    root = tmp_path / "root"
    root.mkdir()

    planned = run(install, root, "--dry-run")
    assert list(root.iterdir()) == [], "a dry run touches nothing"
    assert all(line.startswith("would change: ") for line in planned[:-1])
    assert planned[-1] == f"{len(planned) - 1} change(s) to make"
    for expected in (
        "would change: user and group onebox (systemd-sysusers)",
        "would change: /var/lib/onebox (0750 onebox:onebox)",
        "would change: /etc/systemd/system/onebox-orchestrator.service",
        "would change: /opt/onebox/venvs/onebox (uv sync --package onebox)",
        f"would change: migrate {root}/var/lib/onebox/onebox.db",
        "would change: enable onebox.target",
        "would change: enable onebox-recycle-telegram.timer",
    ):
        assert expected in planned

    done = run(install, root)
    assert [line.replace("changed: ", "would change: ") for line in done[:-1]] == planned[:-1]
    assert run(install, root) == ["nothing to change"]
    assert run(install, root, "--dry-run") == ["nothing to change"]

    assert any(line.startswith("onebox:") for line in (root / "etc/passwd").read_text().split())
    db = root / "var/lib/onebox/onebox.db"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] >= 1
    finally:
        conn.close()
    assert (root / "etc/onebox/credentials/onebox-telegram").stat().st_mode & 0o777 == 0o700
    wants = root / "etc/systemd/system/timers.target.wants"
    assert (wants / "onebox-recycle-orchestrator.timer").is_symlink()
    assert (root / "etc/systemd/system/multi-user.target.wants/onebox.target").is_symlink()
    assert (root / "opt/onebox/bin/onebox-healthcheck").stat().st_mode & 0o111

    removed = run(uninstall, root)
    assert "changed: disable onebox.target" in removed
    assert not (root / "opt/onebox").exists()
    assert not list((root / "etc/systemd/system").glob("onebox*"))
    assert not (wants / "onebox-recycle-orchestrator.timer").exists()
    assert db.exists(), "the data stays"
    assert (root / "etc/onebox/common.env").exists()
    assert run(uninstall, root)[0] == "nothing to change"


def test_upgrade_service_plans_a_one_unit_release(tmp_path: Path) -> None:
    script = REPO / "infra/upgrade-service.sh"
    root = tmp_path / "root"
    plan = run(script, root, "--dry-run", "orchestrator", "HEAD")
    release = "onebox-orchestrator-HEAD"
    assert plan == [
        f"would: export HEAD to {root}/opt/onebox/releases/{release}",
        f"would: build {root}/opt/onebox/venvs/{release} "
        "(uv sync --frozen --no-dev --package onebox-orchestrator)",
        f"would: build {root}/opt/onebox/venvs/{release}-cli "
        "(uv sync --frozen --no-dev --package onebox)",
        f"would: migrate with the release's migrations ({root}/opt/onebox/venvs/{release}-cli"
        f"/bin/onebox --database-url sqlite:///{root}/var/lib/onebox/onebox.db migrate)",
        "would: point onebox-orchestrator at the release "
        f"({root}/etc/systemd/system/onebox-orchestrator.service.d/release.conf)",
        "skipped: restart onebox-orchestrator.service (ONEBOX_ROOT is not /)",
    ]
    assert not root.exists()
    bad = subprocess.run(
        ["bash", str(script), "--dry-run", "billing", "HEAD"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "usage:" in bad.stderr
