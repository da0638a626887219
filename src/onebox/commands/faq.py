"""``onebox faq add | list | remove``: change the bot's FAQ while the services run.

The entries live in the shared database (table ``router_faq``); the FAQ file
(``ONEBOX_FAQ_FILE``) only seeds it when the orchestrator starts, and the owner's additions and
removals always win over the file (docs/faq.md). A running orchestrator answers from the new
entries from its next message on, and the cached answers an edit supersedes are deleted with
it. ``--lang`` names the language an answer is written in: with ``--id`` the answer is that
entry's translation, which the offline answer sends to customers writing or speaking that
language (``remove ID --lang xx`` removes it). Exit codes: 0 done, 1 unknown entry or unusable
database, 2 refused input.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

import orjson
from onebox_orchestrator.questions import QuestionGroups
from onebox_router import ConfigError, FaqError, StoredFaq, faq_store, language_code

from onebox._database import CommandError, owner_database


def register(sub: Any) -> None:
    """Add ``onebox faq`` and its subcommands."""
    p = sub.add_parser("faq", help="add, list or remove FAQ entries", description=__doc__)
    faq = p.add_subparsers(dest="faq_command", required=True)
    add = faq.add_parser(
        "add",
        help="add an entry, or with --id a translation (the bot uses it from the next message)",
    )
    add.add_argument("--question", help="the customer's question (a new entry)")
    add.add_argument("--answer", required=True, help="the answer (at most 4000 characters)")
    add.add_argument("--lang", help="the language the answer is written in (es, pt, fr...)")
    add.add_argument("--id", help="add the answer as this entry's translation (needs --lang)")
    add.add_argument("--json", action="store_true", help="print the entry as JSON")
    add.set_defaults(handler=run_add)
    listing = faq.add_parser("list", help="the current entries")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_list)
    remove = faq.add_parser("remove", help="remove an entry by its id (see `onebox faq list`)")
    remove.add_argument("id", help="the entry's id")
    remove.add_argument("--lang", help="remove only the entry's translation in this language")
    remove.set_defaults(handler=run_remove)


def _as_dict(entry: StoredFaq) -> dict[str, object]:
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "source": entry.source,
        "created_at": entry.created_at,
        "language": entry.language,
        "translations": dict(entry.translations),
    }


def _fail(message: str, code: int) -> int:
    print(f"onebox faq: {message}", file=sys.stderr)
    return code


def run_add(args: argparse.Namespace) -> int:
    """Add the entry: 0 stored, 2 refused (empty, too long), 1 database unusable."""
    if args.id is not None:
        return _translate(args)
    if args.question is None:
        return _fail("--question is required (or --id ID --lang xx for a translation)", 2)
    try:
        with owner_database(args) as (db, settings):
            store = faq_store(settings.router_settings(), db)
            entry = store.add(args.question, args.answer, language=args.lang)
            # the unanswered groups this entry answers leave the owner's list
            settled = QuestionGroups(db).settle(
                args.question, faq_id=str(entry.id), answer=args.answer
            )
    except FaqError as exc:
        return _fail(f"{exc}; nothing was stored", 2)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if args.json:
        extra = {"superseded": store.superseded, "answered_groups": settled}
        print(orjson.dumps(_as_dict(entry) | extra).decode())
    else:
        print(f"FAQ entry {entry.id} stored; {store.superseded} cached answer(s) it supersedes "
              f"were deleted; {len(settled)} unanswered question group(s) it answers were "
              "marked answered. The bot uses it from the next message.")  # fmt: skip
    return 0


def _translate(args: argparse.Namespace) -> int:
    """Add entry ID's answer in --lang: 0 stored, 1 no such entry, 2 refused input."""
    if not args.id.isdigit():
        return _fail(f"{args.id!r} is not an entry id (a number from `onebox faq list`)", 2)
    if args.lang is None:
        return _fail("--id needs --lang: the language the answer is written in", 2)
    if args.question is not None:
        return _fail("--question goes with a new entry, not with --id", 2)
    try:
        with owner_database(args) as (db, settings):
            store = faq_store(settings.router_settings(), db)
            entry = store.translate(int(args.id), args.lang, args.answer)
    except FaqError as exc:
        return _fail(f"{exc}; nothing was stored", 2)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if entry is None:
        return _fail(f"no FAQ entry {args.id} (see `onebox faq list`); nothing was stored", 1)
    if args.json:
        print(orjson.dumps(_as_dict(entry) | {"superseded": store.superseded}).decode())
    else:
        language = language_code(args.lang)
        print(f"FAQ entry {entry.id} now answers in {language!r} too; {store.superseded} "
              "cached answer(s) to its question were deleted. The bot uses it from the next "
              "message.")  # fmt: skip
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the current entries: 0, or 1 when the database cannot be used."""
    try:
        with owner_database(args) as (db, settings):
            entries = faq_store(settings.router_settings(), db).list()
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if args.json:
        print(orjson.dumps([_as_dict(e) for e in entries]).decode())
        return 0
    if not entries:
        print("No FAQ entries yet: the FAQ file is imported when the orchestrator starts, "
              "and `onebox faq add` adds one.")  # fmt: skip
    for entry in entries:
        when = datetime.fromtimestamp(entry.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        written = f", {entry.language}" if entry.language else ""
        print(f"[{entry.id}] ({entry.source}{written}, {when} UTC) {entry.question}")
        for line in entry.answer.splitlines() or [""]:
            print(f"    {line}")
        for language, text in sorted(entry.translations.items()):
            for n, line in enumerate(text.splitlines() or [""]):
                print(f"    [{language}] {line}" if n == 0 else f"         {line}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    """Remove entry ID: 0 removed, 1 no such entry (or database unusable), 2 not an id."""
    if not args.id.isdigit():
        return _fail(f"{args.id!r} is not an entry id (a number from `onebox faq list`)", 2)
    try:
        with owner_database(args) as (db, settings):
            store = faq_store(settings.router_settings(), db)
            if args.lang is not None:
                if store.get(int(args.id)) is None:
                    return _fail(f"no FAQ entry {args.id} (see `onebox faq list`)", 1)
                removed = store.untranslate(int(args.id), args.lang)
            else:
                removed = store.remove(int(args.id))
    except FaqError as exc:
        return _fail(str(exc), 2)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    if args.lang is not None:
        if not removed:
            return _fail(f"FAQ entry {args.id} has no {args.lang!r} translation", 1)
        print(f"The {args.lang!r} translation of FAQ entry {args.id} was removed; "
              f"{store.superseded} cached answer(s) to its question were deleted.")  # fmt: skip
        return 0
    if not removed:
        return _fail(f"no FAQ entry {args.id} (see `onebox faq list`)", 1)
    print(f"FAQ entry {args.id} removed; {store.superseded} cached answer(s) derived from it "
          "were deleted. The FAQ file will not bring it back.")  # fmt: skip
    return 0
