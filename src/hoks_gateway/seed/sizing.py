"""How many study rights and plans each provider gets.

Plans go to the first `started` providers only, shared by provider size; each of them also has
study rights without a plan yet (the rollout reached 75–95 % of a provider's students), and the
providers that have not started have study rights at the same density per size. So there are
always more study rights than plans, as in August 2019 when 78,000 plans came from 82 of 161
providers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import NamedTuple

from hoks_gateway.seed.organisations import Provider

# Study rights per plan when no provider has started and the density cannot be measured.
_DENSITY_WITHOUT_PLANS = 300 / 0.85


class Quota(NamedTuple):
    study_rights: int
    plans: int


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder); each share at least
    `minimum` when the total allows it."""
    if not weights:
        return []
    floor = minimum if total >= minimum * len(weights) else 0
    rest = total - floor * len(weights)
    weight_sum = sum(weights)
    exact = [rest * w / weight_sum for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [floor + s for s in shares]


def quotas(providers: Sequence[Provider], started: int, plans: int, rng: random.Random) -> list[Quota]:
    active, waiting = providers[:started], providers[started:]
    plan_shares = apportion(plans, [p.size for p in active], minimum=1)
    result = []
    for share in plan_shares:
        coverage = rng.uniform(0.75, 0.95)
        result.append(Quota(share + max(1, round(share * (1 / coverage - 1))), share))
    active_size = sum(p.size for p in active)
    if plans and active_size:
        density = sum(q.study_rights for q in result) / active_size
    else:
        density = _DENSITY_WITHOUT_PLANS / sum(p.size for p in providers)
    result.extend(Quota(max(1, round(density * p.size)), 0) for p in waiting)
    return result
