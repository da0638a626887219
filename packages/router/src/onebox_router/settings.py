"""`RouterSettings`: what a `Router` is built from, given as constructor arguments.

The router is a library: it never reads the environment for a service. The orchestrator
reads the ``ONEBOX_*`` variables (keys, endpoints, models, the routing file) through the
service kit's loader and hands them over; `environment_settings` reads the same variables
for the ``onebox-router`` command line only, which sits beside the kit and cannot use it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .errors import ConfigError


class RouterSettings(BaseModel):
    """Provider keys and endpoints, the FAQ file, the deadline and the routing file.

    A provider without a key (Groq, Anthropic) or URL (local) is absent from every chain;
    with none configured, ``offline`` answers everything.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

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


def environment_settings() -> RouterSettings:
    """The command line's settings from the variables the orchestrator reads (empty = unset).

    Raises:
        ConfigError: a variable holds a bad value (named, its value never shown).
    """
    values = {
        name: value
        for name in RouterSettings.model_fields
        if (value := os.environ.get(f"ONEBOX_{name.upper()}"))
    }
    try:
        return RouterSettings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors(include_input=False, include_url=False)[0]
        raise ConfigError(f"invalid setting ONEBOX_{str(error['loc'][0]).upper()}") from None
