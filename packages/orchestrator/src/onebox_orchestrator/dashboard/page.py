"""The dashboard's HTML, rendered on the server from the typed `Summary` (`.summary`).

`render_page` gives the whole document; `render_content` only its ``<main>``, which the page's
script fetches again every few seconds and swaps in. Every figure that also appears in
``/api/summary`` carries its JSON path and value (``data-key``, ``data-value``), so a tool or
a test can check the page against the API. Everything inserted is escaped; the page loads
only our own stylesheet and script (the Content-Security-Policy allows nothing else).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import TypeVar

import orjson

from .charts import Line, line_chart, meter
from .figures import Summary, WindowFigures
from .summary import WINDOWS

REFRESH_SECONDS = 15

T = TypeVar("T")


def count(n: float) -> str:
    """A count with thousands separators."""
    return f"{int(n):,}"


def money(usd: float | None) -> str:
    """US dollars: cents, or four decimals below a cent."""
    if usd is None:
        return "–"
    return f"${usd:,.2f}" if usd >= 0.01 or usd == 0 else f"${usd:.4f}"


def seconds(s: float | None) -> str:
    """A duration: milliseconds below a second."""
    if s is None:
        return "–"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def percent(r: float | None) -> str:
    """A ratio as a percentage."""
    return "–" if r is None else f"{r * 100:.1f} %"


def age(s: float) -> str:
    """How long ago / how old, roughly."""
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def when(t: float | None) -> str:
    """A UTC timestamp."""
    if t is None:
        return "–"
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC")


def figure(key: str, value: T, fmt: Callable[[T], str]) -> str:
    """`value` formatted, tagged with its place `key` in ``/api/summary``."""
    raw = orjson.dumps(value).decode()
    return (
        f'<span class="num" data-key="{escape(key)}" data-value="{escape(raw)}">'
        f"{escape(fmt(value))}</span>"
    )


def _kpis(summary: Summary, w: str) -> str:
    p = f"windows/{w}"
    win = summary.windows[w]
    cards = [
        ("Messages in", figure(f"{p}/messages_in", win.messages_in, count), ""),
        ("Replies out", figure(f"{p}/replies_out", win.replies_out, count), ""),
        (
            "Reply time",
            figure(f"{p}/latency/p50_s", win.latency.p50_s, seconds),
            "p50 · p95 " + figure(f"{p}/latency/p95_s", win.latency.p95_s, seconds),
        ),
        (
            "Cache hit rate",
            figure(f"{p}/cache/hit_rate", win.cache.hit_rate, percent),
            figure(f"{p}/cache/hits", win.cache.hits, count) + " answers from the cache",
        ),
        (
            "Saved by the cache",
            figure(f"{p}/cache/saved_usd", win.cache.saved_usd, money),
            "calls avoided × "
            + figure(f"{p}/cache/call_price_usd", win.cache.call_price_usd, money)
            + " each",
        ),
        ("Spend", figure(f"{p}/spend_usd", win.spend_usd, money), "on model providers"),
    ]
    return (
        '<section class="kpis">'
        + "".join(
            f'<div class="card kpi"><h3>{escape(title)}</h3><p class="big">{value}</p>'
            f'<p class="sub">{sub}</p></div>'
            for title, value, sub in cards
        )
        + "</section>"
    )


def _overview(summary: Summary) -> str:
    def cell(
        key: str, pick: Callable[[WindowFigures], T], fmt: Callable[[T], str]
    ) -> Callable[[str], str]:
        return lambda w: figure(f"windows/{w}/{key}", pick(summary.windows[w]), fmt)

    rows = [
        ("Messages in", cell("messages_in", lambda f: f.messages_in, count)),
        ("Replies out", cell("replies_out", lambda f: f.replies_out, count)),
        ("Reply time p50", cell("latency/p50_s", lambda f: f.latency.p50_s, seconds)),
        ("Reply time p95", cell("latency/p95_s", lambda f: f.latency.p95_s, seconds)),
        ("Cache hit rate", cell("cache/hit_rate", lambda f: f.cache.hit_rate, percent)),
        ("Saved by the cache", cell("cache/saved_usd", lambda f: f.cache.saved_usd, money)),
        ("Spend", cell("spend_usd", lambda f: f.spend_usd, money)),
    ]
    head = "".join(f"<th>{escape(label)}</th>" for label, _, _ in WINDOWS.values())
    body = "".join(
        f"<tr><th>{escape(title)}</th>" + "".join(f"<td>{at(w)}</td>" for w in WINDOWS) + "</tr>"
        for title, at in rows
    )
    return (
        '<section class="card"><h2>At a glance</h2><div class="scroll"><table>'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def _charts(summary: Summary, w: str) -> str:
    win = summary.windows[w]
    s, step = win.series, win.step_s
    times = s.t
    return '<section class="charts">' + "".join(
        [
            line_chart(
                chart_id="traffic", title="Messages in and replies out", times=times, step=step,
                lines=[Line(name="in", values=s.in_), Line(name="out", values=s.out)],
                fmt=lambda v: count(v),
            ),
            line_chart(
                chart_id="latency", title="Reply time (webhook to sent)", times=times, step=step,
                lines=[Line(name="p50", values=s.p50_s),
                       Line(name="p95", values=s.p95_s)],
                fmt=seconds,
            ),
            line_chart(
                chart_id="cache", title="Cache hit rate", times=times, step=step,
                lines=[Line(name="hit rate", values=s.hit_rate)], fmt=percent, ceiling=1.0,
            ),
            line_chart(
                chart_id="spend", title="Spend", times=times, step=step,
                lines=[Line(name="USD", values=s.spend_usd)], fmt=money,
            ),
        ]
    ) + "</section>"  # fmt: skip


def _table(title: str, head: list[str], rows: list[str], empty: str) -> str:
    if not rows:
        return (
            f'<section class="card"><h2>{escape(title)}</h2>'
            f'<p class="muted">{escape(empty)}</p></section>'
        )
    cols = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f'<section class="card"><h2>{escape(title)}</h2><div class="scroll"><table>'
        f"<thead><tr>{cols}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _channels(summary: Summary, w: str) -> str:
    rows = [
        f"<tr><th>{escape(c)}</th>"
        + "".join(
            f"<td>{figure(f'windows/{w}/channels/{c}/{k}', value, count)}</td>"
            for k, value in (("in", f.in_), ("out", f.out), ("failed", f.failed))
        )
        + "</tr>"
        for c, f in summary.windows[w].channels.items()
    ]
    return _table("Channels", ["Channel", "In", "Out", "Failed"], rows, "No messages yet.")


def _providers(summary: Summary, w: str) -> str:
    window = summary.windows[w].providers
    budgets = summary.budgets
    rows = []
    for name in sorted(set(window) | set(budgets)):
        p = f"windows/{w}/providers/{name}"
        calls = window.get(name)
        cells = (
            "".join(
                f"<td>{figure(f'{p}/{k}', value, count)}</td>"
                for k, value in (
                    ("calls", calls.calls),
                    ("failures", calls.failures),
                    ("timeouts", calls.timeouts),
                )
            )
            + f"<td>{figure(f'{p}/spend_usd', calls.spend_usd, money)}</td>"
            if calls is not None
            else "<td>0</td><td>0</td><td>0</td><td>$0.00</td>"
        )
        budget = budgets.get(name)
        month = (
            figure(f"budgets/{name}/month_spend_usd", budget.month_spend_usd, money)
            + (" of " + money(budget.budget_usd) if budget.budget_usd else "")
            + meter(budget.used, label=f"{name} budget used")
            if budget
            else "–"
        )
        rows.append(f'<tr><th>{escape(name)}</th>{cells}<td class="budget">{month}</td></tr>')
    head = ["Provider", "Calls", "Failures", "Timeouts", "Spend", "This month / budget"]
    return _table("Model providers", head, rows, "No provider calls yet.")


def _queue(summary: Summary) -> str:
    rows = [
        f"<tr><th>{escape(topic)}</th>"
        f"<td>{figure(f'queue/topics/{topic}/ready', t.ready, count)}</td>"
        f"<td>{figure(f'queue/topics/{topic}/claimed', t.claimed, count)}</td>"
        f"<td>{figure(f'queue/topics/{topic}/oldest_ready_age_s', t.oldest_ready_age_s, age)}</td>"
        f"<td>{figure(f'queue/topics/{topic}/dead', t.dead, count)}</td></tr>"
        for topic, t in summary.queue.topics.items()
    ]
    head = ["Topic", "Waiting", "In progress", "Oldest waiting", "Dead"]
    return _table("Queue", head, rows, "The queue is empty.")


def _dead_letters(summary: Summary) -> str:
    rows = [
        f'<tr data-dead="{d.id}"><th>{d.id}</th><td>{escape(d.topic)}</td>'
        f'<td class="reason">{escape(d.error)}</td><td>{d.attempts}</td>'
        f"<td>{escape(when(d.finished_at))}</td>"
        f'<td><button type="button" class="replay" data-replay="{d.id}">Replay</button>'
        "</td></tr>"
        for d in summary.dead_letters.items
    ]
    head = ["Id", "Topic", "Reason", "Attempts", "Failed at", ""]
    title = f"Dead letters ({summary.dead_letters.count})"
    return _table(title, head, rows, "No dead letters.")


def _health(summary: Summary, w: str) -> str:
    health = summary.health
    rows = [
        f"<tr><th>orchestrator: {escape(worker.name)}</th>"
        f'<td class="{"good" if worker.alive else "bad"}">'
        f"{'alive' if worker.alive else 'stopped'}</td>"
        f"<td>{escape(age(worker.last_loop_age_s))} ago</td><td></td></tr>"
        for worker in health.workers
    ]
    for name, s in health.services.items():
        seen = "not in the last hour" if s.last_seen is None else when(s.last_seen)
        starts = figure(f"health/services/{name}/starts/{w}", s.starts[w], count)
        rows.append(
            f"<tr><th>{escape(name)}</th><td>metrics written {escape(seen)}</td>"
            f"<td>last start {escape(when(s.last_start))}</td>"
            f"<td>{starts} starts</td></tr>"
        )
    title = "Health: database " + ("ok" if health.database_ok else "NOT answering")
    return _table(
        title, ["Service / worker", "State", "Last", "Starts"], rows, "Nothing reported yet."
    )


def render_content(summary: Summary, *, window: str) -> str:
    """The ``<main>`` element: status, figures, charts and tables for `window`."""
    good = summary.health.status == "ok"
    queue = summary.queue
    status = (
        f'<section class="status {"good" if good else "bad"}">'
        f"<strong>{'Working' if good else 'Needs attention'}</strong>"
        f" · {figure('queue/waiting', queue.waiting, count)} waiting"
        f" · oldest {figure('queue/oldest_ready_age_s', queue.oldest_ready_age_s, age)}"
        f" · {figure('dead_letters/count', summary.dead_letters.count, count)} dead letters"
        f' · <span class="muted">updated {escape(when(summary.generated_at))}</span></section>'
    )
    return (
        f'<main id="content" data-generated-at="{summary.generated_at}" data-window="{window}">'
        + status
        + _kpis(summary, window)
        + _charts(summary, window)
        + '<div class="grid">'
        + _overview(summary)
        + _channels(summary, window)
        + _providers(summary, window)
        + _queue(summary)
        + _dead_letters(summary)
        + _health(summary, window)
        + "</div></main>"
    )


def _document(title: str, body: str, *, csrf: str | None = None) -> str:
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">' if csrf else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"{meta}<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/dashboard.css">'
        '<link rel="icon" href="data:,">'
        f"</head><body>{body}</body></html>"
    )


def render_page(summary: Summary, *, window: str, csrf: str, handoffs: bool = False) -> str:
    """The whole dashboard document (`handoffs`: link the handoffs page, mounted with a desk)."""
    tabs = "".join(
        f'<a href="/?window={w}"{" aria-current=page" if w == window else ""}>{escape(label)}</a>'
        for w, (label, _, _) in WINDOWS.items()
    )
    pages = (
        '<nav class="tabs" aria-label="Pages"><a href="/conversations">Conversations</a>'
        '<a href="/unanswered">Unanswered</a><a href="/cache">Cached answers</a>'
        + ('<a href="/handoffs">Handoffs</a>' if handoffs else "")
        + "</nav>"
    )
    header = (
        '<header><h1>onebox</h1><nav class="tabs">' + tabs + "</nav>" + pages + ""
        '<p id="flash" class="flash" role="status" aria-live="polite"></p></header>'
    )
    script = f'<script src="/static/dashboard.js" data-refresh="{REFRESH_SECONDS}" defer></script>'
    return _document(
        "onebox dashboard", header + render_content(summary, window=window) + script, csrf=csrf
    )


def render_login(*, failed: bool = False, configured: bool = True) -> str:
    """The login form (the admin token), shown with a 401."""
    if not configured:
        note = (
            '<p class="bad">No admin token is set (ONEBOX_ADMIN_TOKEN): the dashboard is only '
            "open on a loopback address.</p>"
        )
        form = ""
    else:
        note = '<p class="bad">That token is not right.</p>' if failed else ""
        form = (
            '<form method="post" action="/login">'
            '<label for="token">Admin token</label>'
            '<input id="token" name="token" type="password" required '
            'autocomplete="current-password">'
            '<button type="submit">Sign in</button></form>'
        )
    body = f'<main class="login card"><h1>onebox</h1>{note}{form}</main>'
    return _document("onebox: sign in", body)
