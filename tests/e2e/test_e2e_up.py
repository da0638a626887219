"""``onebox up`` on a fresh folder with nothing configured: offline, key-less, sandboxed.

One stack per test (they are the slow part): a chat round trip on both channels, status,
a SIGKILLed service restarted by the supervisor, and a graceful stop of everything.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from .conftest import UpStack, wait_for


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_fresh_folder_chat_status_restart_and_stop(
    tmp_path: Path, up_stack: Callable[..., UpStack], capsys: pytest.CaptureFixture[str]
) -> None:
    stack = up_stack()
    assert (tmp_path / "var" / "onebox.db").is_file()
    notices = [r for r in stack.records("onebox") if r.get("event") == "up.notice" and r.get("url")]
    assert {r["name"]: r["url"] for r in notices} == stack.urls

    # A customer's question goes round on both channels; the offline FAQ answers it.
    tg = stack.run("chat", "--once", "What are your opening hours?")
    assert tg.returncode == 0, tg.stderr
    assert tg.stdout.startswith("bot> ")
    assert "Monday to Friday" in tg.stdout
    code, out, err = stack.cli(
        capsys, "chat", "--channel", "whatsapp", "--once", "Do you ship internationally?"
    )
    assert code == 0, err
    assert "within the EU" in out

    code, out, err = stack.cli(capsys, "status", "--json")
    assert code == 0, out + err
    report = orjson.loads(out)
    assert {n: s["status"] for n, s in report["services"].items()} == dict.fromkeys(
        ("telegram", "whatsapp", "orchestrator"), "ok"
    )
    assert report["bus"]["topics"]["inbound"]["done"] == 2
    assert report["providers"]["offline"]["calls_today"] == 2

    # A service that dies is reported and restarted; the stack keeps answering.
    victim = stack.pid("orchestrator")
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: stack.state()["services"]["orchestrator"]["restarts"] == 1,
             within=30, what="orchestrator restarted")  # fmt: skip
    exited = [r for r in stack.records("onebox") if r.get("event") == "up.exited"]
    assert exited[0]["name"] == "orchestrator"
    assert exited[0]["exit_code"] == -signal.SIGKILL
    wait_for(lambda: stack.cli(capsys, "status")[0] == 0, within=60, what="healthy again")
    code, out, _ = stack.cli(capsys, "chat", "--once", "Are you open on Sunday?")
    assert code == 0
    assert "closed on Sundays" in out
    code, out, _ = stack.cli(capsys, "status")
    assert "restarts 1" in out
    assert out.rstrip().endswith("OK")

    children = [stack.pid(name) for name in ("telegram", "whatsapp", "orchestrator", "metrics")]
    assert stack.stop() == 0
    assert not [pid for pid in children if _alive(pid)]
    assert stack.state()["stopped"] is True
    stopped = [r for r in stack.records("onebox") if r.get("event") == "up.stopped"]
    assert set(stopped[0]["exit_codes"]) == {"telegram", "whatsapp", "orchestrator", "metrics"}
    # Status now says plainly that nothing answers.
    code, out, _ = stack.cli(capsys, "status", "--only", "telegram")
    assert code == 1
    assert "telegram unreachable" in out


def test_only_starts_a_subset_and_chat_reports_a_missing_agent(
    up_stack: Callable[..., UpStack], capsys: pytest.CaptureFixture[str]
) -> None:
    stack = up_stack(only="telegram,orchestrator")
    assert set(stack.state()["services"]) == {"telegram", "orchestrator"}
    assert stack.cli(capsys, "chat", "--once", "hello")[0] == 0
    code, _, err = stack.cli(capsys, "chat", "--channel", "whatsapp", "--once", "hello")
    assert code == 1
    assert "cannot reach the whatsapp agent" in err
    assert stack.cli(capsys, "status")[0] == 0  # only what `up` runs is checked
