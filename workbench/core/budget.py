"""Spending caps: what one run (or one batch) may spend on model calls before it stops.

``[limits] max_cost_usd`` and ``max_tokens`` in the config, or ``--max-cost-usd`` /
``--max-tokens`` on the command line. Costs are litellm's price-table figures (local models
count tokens at zero cost); cache hits cost nothing. A call is refused once the spending so far
has reached a cap, so a run stops within one call of it; every answer received before that is
in the cache, so a re-run with a higher cap resumes where this one stopped.
"""

from __future__ import annotations

import threading

from pydantic import Field

from workbench.core.errors import SpendingCapReached
from workbench.core.schema import Strict


class SpendingLimits(Strict):
    """Caps per run; ``None`` is no cap."""

    max_cost_usd: float | None = Field(default=None, gt=0, description="USD per run or batch.")
    max_tokens: int | None = Field(
        default=None, gt=0, description="Prompt plus completion tokens per run or batch."
    )

    @property
    def any(self) -> bool:
        return self.max_cost_usd is not None or self.max_tokens is not None


class Budget:
    """Spending so far against ``limits``; shared by every request of one run or batch (and
    safe to share across threads)."""

    def __init__(self, limits: SpendingLimits) -> None:
        self.limits = limits
        self.cost_usd = 0.0
        self.tokens = 0
        self.calls = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise ``SpendingCapReached`` if a cap has been reached: the next call would pass it."""
        with self._lock:
            cap = self.limits.max_cost_usd
            if cap is not None and self.cost_usd >= cap:
                raise SpendingCapReached(
                    f"max_cost_usd {cap:g}", self.spent(), calls=self.calls
                )
            tokens = self.limits.max_tokens
            if tokens is not None and self.tokens >= tokens:
                raise SpendingCapReached(f"max_tokens {tokens}", self.spent(), calls=self.calls)

    def charge(self, tokens: int, cost_usd: float) -> None:
        with self._lock:
            self.tokens += tokens
            self.cost_usd += cost_usd
            self.calls += 1

    def spent(self) -> str:
        return f"${self.cost_usd:.4f} and {self.tokens:,} tokens"
