from __future__ import annotations

from pathlib import Path

import pytest
from onebox_service import (
    ServiceSettings,
    SettingsError,
    SettingsSection,
    build_settings,
    load_settings,
)


class DemoSettings(ServiceSettings):
    port: int = 3999
    demo_bot_token: str | None = None


def test_defaults_run_locally() -> None:
    settings = build_settings(DemoSettings, credentials_directory=None)
    assert settings.database_url == "sqlite:///./var/onebox.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 3999)
    assert settings.log_format == "json"
    assert settings.admin_token is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEBOX_PORT", "4100")
    monkeypatch.setenv("ONEBOX_LOG_FORMAT", "console")
    monkeypatch.setenv("ONEBOX_ADMIN_TOKEN", "tok")
    settings = build_settings(DemoSettings)
    assert settings.port == 4100
    assert settings.log_format == "console"
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "tok"
    with pytest.raises(Exception, match="frozen"):
        settings.port = 1  # type: ignore[misc]


def test_bad_value_exits_2_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONEBOX_PORT", "not-a-port-hunter2")
    monkeypatch.setenv("ONEBOX_ADMIN_TOKEN", "hunter2")
    with pytest.raises(SystemExit) as exit_info:
        load_settings(DemoSettings)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ONEBOX_PORT" in err
    assert "hunter2" not in err


def test_several_bad_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEBOX_LOG_FORMAT", "xml")
    monkeypatch.setenv("ONEBOX_METRICS_FLUSH_SECONDS", "-1")
    with pytest.raises(SettingsError) as info:
        build_settings(DemoSettings)
    assert "ONEBOX_LOG_FORMAT" in str(info.value)
    assert "ONEBOX_METRICS_FLUSH_SECONDS" in str(info.value)


def test_secret_from_credentials_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ONEBOX_DEMO_BOT_TOKEN").write_text("from-credential")
    (tmp_path / "ONEBOX_ADMIN_TOKEN").write_text("cred-admin")
    monkeypatch.setenv("ONEBOX_ADMIN_TOKEN", "from-env")
    settings = build_settings(DemoSettings, credentials_directory=tmp_path)
    assert settings.demo_bot_token == "from-credential"
    # the variable, when present, wins over the credential
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "from-env"


def test_credentials_directory_from_systemd_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ONEBOX_DEMO_BOT_TOKEN").write_text("abc")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert build_settings(DemoSettings).demo_bot_token == "abc"


class DemoSection(SettingsSection):
    demo_retries: int | None = None
    demo_api_key: str | None = None


class SectionedSettings(DemoSettings):
    demo: DemoSection = DemoSection()


def test_a_section_reads_flat_variables_and_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ONEBOX_DEMO_API_KEY").write_text("from-credential\n")
    monkeypatch.setenv("ONEBOX_DEMO_RETRIES", "3")
    settings = build_settings(SectionedSettings, credentials_directory=tmp_path)
    assert settings.demo == DemoSection(demo_retries=3, demo_api_key="from-credential")


def test_a_bad_section_variable_is_named_flat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEBOX_DEMO_RETRIES", "many-hunter2")
    with pytest.raises(SettingsError) as info:
        build_settings(SectionedSettings)
    assert str(info.value).startswith("invalid setting ONEBOX_DEMO_RETRIES: ")
    assert "hunter2" not in str(info.value)


def test_the_service_database_fsyncs_every_commit_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onebox_bus.testing import migrated_sqlite
    from onebox_service import SystemdEnvironment, open_runtime

    url = migrated_sqlite(tmp_path / "onebox.db")
    seen = []
    for value in (None, "NORMAL"):
        if value is not None:
            monkeypatch.setenv("ONEBOX_DATABASE_SYNCHRONOUS", value)
        settings = build_settings(ServiceSettings)
        settings = settings.model_copy(update={"database_url": url})
        runtime = open_runtime(settings, service="test", systemd=SystemdEnvironment())
        try:
            seen.append(runtime.db.connection().exec_driver_sql("PRAGMA synchronous").scalar())
        finally:
            runtime.close()
    assert seen == [2, 1]  # FULL, then NORMAL


def test_a_bad_synchronous_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEBOX_DATABASE_SYNCHRONOUS", "OFF")
    with pytest.raises(SettingsError, match="ONEBOX_DATABASE_SYNCHRONOUS"):
        build_settings(ServiceSettings)
