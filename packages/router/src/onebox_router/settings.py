"""`RouterSettings`: the router's ``ONEBOX_*`` variables (the only module reading the environment).

The names are an interface: units, scripts and other tools configure onebox with them.
Secrets may also come from systemd credentials (``$CREDENTIALS_DIRECTORY/onebox_groq_api_key``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class RouterSettings(BaseSettings):
    """Provider keys and endpoints, the FAQ file, the deadline and the routing file.

    A provider without a key (Groq, Anthropic) or URL (local) is absent from every chain;
    with none configured, ``offline`` answers everything.
    """

    model_config = SettingsConfigDict(
        env_prefix="ONEBOX_", frozen=True, extra="ignore", env_ignore_empty=True
    )

    groq_api_key: SecretStr | None = None
    groq_base_url: str = "https://api.groq.com/openai/v1"
    groq_model: str = "llama-3.1-8b-instant"
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_model: str = "claude-sonnet-4-5"
    local_llm_url: str | None = None
    local_llm_model: str = "llama3.2"
    faq_file: Path | None = None
    deadline_seconds: float = Field(default=30.0, gt=0)
    routing_file: Path | None = None
    database_url: str = "sqlite:///./var/onebox.db"

    def __init__(self, **values: Any) -> None:
        credentials = os.environ.get("CREDENTIALS_DIRECTORY")
        if credentials and "_secrets_dir" not in values:
            values["_secrets_dir"] = credentials
        super().__init__(**values)
