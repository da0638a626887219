"""The voice-note settings: bad values stop the service at start with the variable named."""

from __future__ import annotations

from pathlib import Path

import pytest
from onebox_service import ServiceSettings, SettingsError, build_settings, open_media_dir
from onebox_service.media_stage import media_folder


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ONEBOX_MEDIA_DIR", "var/../../etc"), ("ONEBOX_VOICE_MAX_MB", "30"),
     ("ONEBOX_VOICE_MAX_SECONDS", "0"), ("ONEBOX_VOICE_LEASE_SECONDS", "0.1")],
)  # fmt: skip
def test_a_bad_voice_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        build_settings(ServiceSettings)
    assert variable in str(info.value)
    assert "\n" not in str(info.value)


def test_the_media_folder_defaults_to_beside_the_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "data" / "onebox.db"
    settings = ServiceSettings(database_url=f"sqlite:///{db}")
    assert media_folder(settings) == tmp_path / "data" / "media"
    chosen = ServiceSettings(database_url=f"sqlite:///{db}", media_dir=tmp_path / "notes")
    assert media_folder(chosen) == tmp_path / "notes"


def test_an_unusable_media_folder_stops_the_start_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as info:
        open_media_dir(blocker / "media")
    assert str(info.value).startswith("onebox: ONEBOX_MEDIA_DIR ")
    assert "\n" not in str(info.value)
    made = open_media_dir(tmp_path / "ok")
    assert made.is_dir()
    assert oct(made.stat().st_mode & 0o777) == "0o700"
    # A note left by a process that died mid-transcription is removed at the next start.
    (made / "media-0123abcd.ogg").write_bytes(b"OggS")
    (made / "media-4567.part").write_bytes(b"Ogg")
    open_media_dir(made)
    assert list(made.iterdir()) == []
