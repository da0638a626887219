"""Shared test hygiene: no ONEBOX_* variable from the caller's shell leaks into a test."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_onebox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ONEBOX_") and name != "ONEBOX_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
