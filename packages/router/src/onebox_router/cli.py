"""``onebox-router``: inspect the routing configuration, classify a message, show spend.

Commands (configured by the same ``ONEBOX_*`` variables as the services):

- ``onebox-router policy`` — the chains and each provider's model, limits, price and budget
  (never its key); exits 2 with one line naming the problem when the configuration is bad;
- ``onebox-router classify TEXT`` — simple or complex, with the features that decided;
- ``onebox-router spend`` — spend per provider today and this month (from ``router_calls``).
"""

from __future__ import annotations

import argparse
import sys
import time

import orjson
from onebox_bus import BusError
from sqlalchemy.exc import SQLAlchemyError

from .classifier import Classifier
from .conversation import Conversation, Turn
from .errors import ConfigError
from .offline import load_faq
from .policy import load_policy
from .privacy import cache_exclusion
from .settings import RouterSettings, environment_settings


def _policy(settings: RouterSettings) -> dict[str, object]:
    policy = load_policy(settings)
    load_faq(settings.faq_file)
    return {
        "chains": {cls: list(chain) for cls, chain in policy.chains.items()},
        "providers": {
            name: {
                "model": p.model,
                "base_url": p.base_url,
                "timeout_s": p.timeout_s,
                "requests_per_minute": p.rpm,
                "tokens_per_minute": p.tpm,
                "usd_per_mtok_in": p.price.input_per_mtok,
                "usd_per_mtok_out": p.price.output_per_mtok,
                "monthly_budget_usd": p.monthly_budget_usd,
            }
            for name, p in policy.providers.items()
        },
        "deadline_s": policy.deadline_s,
        "classifier_threshold": policy.classifier_threshold,
        "cache": {
            "enabled": policy.cache_enabled,
            "ttl_s": policy.cache_ttl_s,
            "ttl_by_class": dict(policy.cache_ttl_by_class),
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="onebox-router", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: $ONEBOX_DATABASE_URL or ./var/onebox.db")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("policy", help="show the routing chains and providers")
    classify = commands.add_parser("classify", help="classify a message")
    classify.add_argument("text")
    commands.add_parser("spend", help="spend per provider today and this month")
    args = parser.parse_args(argv)
    try:
        settings = environment_settings()
        if args.command == "policy":
            result: object = _policy(settings)
        elif args.command == "classify":
            threshold = load_policy(settings).classifier_threshold
            conv = Conversation(system="", turns=[Turn(role="user", text=args.text)])
            verdict = Classifier(threshold=threshold).classify(conv)
            result = {
                "class": verdict.label,
                "score": verdict.score,
                "reasons": dict(verdict.reasons),
                "cache": cache_exclusion(conv) or "eligible",
            }
        else:
            from onebox_bus import Database
            from onebox_bus.settings import default_database_url

            from .ledger import spend_summary

            with Database(args.database_url or default_database_url()) as db:
                result = spend_summary(db, clock=time.time)
    except (ConfigError, ValueError) as exc:
        print(f"onebox-router: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except (SQLAlchemyError, BusError) as exc:
        print(
            f"onebox-router: database: {type(exc).__name__} (run `onebox migrate`?)",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0
