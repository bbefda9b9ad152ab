"""Numbers as the explanation panels quote them: fixed decimals that visibly re-add.

A worked line such as ``0.43 = 0.59 + (−0.17)`` only teaches when the shown parts
add up to the shown total. :func:`readding_decimals` picks the fewest decimals at
which they do (a rounded sum can miss by one in the last digit); :func:`fixed`
writes a value at those decimals with a true minus sign.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal

_WIDE = Context(prec=400)

#: Decimals tried, fewest first; the last one is used when none re-adds.
DECIMALS = range(2, 7)


def rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded half-even to ``decimals`` places, exactly as a Decimal.

    Example:
        >>> rounded(0.125, 2), rounded(-1.0, 0)
        (Decimal('0.12'), Decimal('-1'))
    """
    # A wide context: exp terms of large logits have more digits than the default 28.
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN, context=_WIDE)


def fixed(value: float | None, decimals: int) -> str:
    """A value at ``decimals`` places with a true minus sign; ``–`` for None or NaN, ``∞`` for infinities.

    Example:
        >>> fixed(-0.4312, 2), fixed(-0.001, 2)
        ('−0.43', '0.00')
    """
    if value is None or math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = str(rounded(value, decimals))
    if text.startswith("-") and rounded(value, decimals) == 0:
        text = text[1:]  # −0.00 reads as a sign error
    return text.replace("-", "−")


def readds(parts: Sequence[float], total: float, decimals: int) -> bool:
    """True when the parts, each rounded to ``decimals``, add to the rounded total exactly."""
    return sum((rounded(p, decimals) for p in parts), Decimal(0)) == rounded(total, decimals)


def readding_decimals(parts: Sequence[float], total: float, choices: Sequence[int] = DECIMALS) -> tuple[int, bool]:
    """The fewest decimals at which ``parts`` visibly add to ``total``, and whether any did.

    Example:
        >>> readding_decimals([0.124, 0.124], 0.248)  # 0.12 + 0.12 ≠ 0.25, 0.124 + 0.124 = 0.248
        (3, True)
        >>> readding_decimals([1 / 3, 1 / 3, 1 / 3], 1.0, choices=[2, 3])
        (3, False)
    """
    finite = all(math.isfinite(v) for v in (*parts, total))
    for decimals in choices:
        if finite and readds(parts, total, decimals):
            return decimals, True
    return choices[-1], False


def count(n: int) -> str:
    """An integer with thousands separators.

    Example:
        >>> count(12288)
        '12,288'
    """
    return f"{n:,}"
