"""A versioned price table: USD per million input and output tokens, per model.

Cost is computed by us from the usage the provider reports, never taken from the provider.
A paid provider whose model has no known price is not called (fail closed): a router that
cannot count what it spends cannot hold a budget. Prices change: the table carries the date
it was checked (`PRICE_TABLE_VERSION`), and the routing file may override any entry.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICE_TABLE_VERSION = "2026-11"


@dataclass(frozen=True, slots=True, kw_only=True)
class Price:
    """USD per million tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """What a call with this usage costs, in USD."""
        return (
            input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok
        ) / 1_000_000


FREE = Price(input_per_mtok=0.0, output_per_mtok=0.0)

#: List prices (groq.com/pricing, Anthropic's pricing page) as of `PRICE_TABLE_VERSION`.
PRICES: dict[str, Price] = {
    "llama-3.1-8b-instant": Price(input_per_mtok=0.05, output_per_mtok=0.08),
    "llama-3.3-70b-versatile": Price(input_per_mtok=0.59, output_per_mtok=0.79),
    "claude-sonnet-4-5": Price(input_per_mtok=3.0, output_per_mtok=15.0),
    "claude-sonnet-4-6": Price(input_per_mtok=3.0, output_per_mtok=15.0),
    "claude-sonnet-4-0": Price(input_per_mtok=3.0, output_per_mtok=15.0),
    "claude-haiku-4-5": Price(input_per_mtok=1.0, output_per_mtok=5.0),
    "claude-3-5-haiku-latest": Price(input_per_mtok=0.8, output_per_mtok=4.0),
    "claude-3-haiku-20240307": Price(input_per_mtok=0.25, output_per_mtok=1.25),
}


def lookup_price(model: str, overrides: dict[str, Price] | None = None) -> Price | None:
    """The price of `model`: an override first, then the table, also for dated snapshots.

    ``claude-sonnet-4-5-20250929`` is priced as ``claude-sonnet-4-5``. Returns None when unknown.
    """
    table = {**PRICES, **(overrides or {})}
    if model in table:
        return table[model]
    for known in sorted(table, key=len, reverse=True):
        if model.startswith(known + "-"):
            return table[known]
    return None
