"""The softmax as a learner checks it by hand: exp(z), their sum, each probability.

The terms are exp(z_i) of the real logits unless exp of the largest would overflow
(or underflow) float32; then every logit is shifted by the largest, m, first,
and a note says why (:func:`convscope.calc.softmax.shift_for`). The precision is
chosen so that what is shown checks out: the shown terms add to the shown sum,
each shown term divided by the shown sum rounds to the shown probability, and the
shown probabilities add to 1; where no precision tried does, a note says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from convscope.calc.softmax import display_decimals, shift_for
from convscope.teaching.numbers import fixed, readds, rounded

#: Decimals of the logits as printed.
LOGIT_DECIMALS = 4
#: Decimals tried for the exp terms, beyond the fewest that can divide to the shown probabilities:
#: each extra digit re-adds with a chance of about 0.4, and longer numbers stop being readable.
EXTRA_DECIMALS = 5


def _divides(terms: Sequence[float], total: float, probabilities: Sequence[float], d: int, dp: int) -> bool:
    """True when every shown term / shown sum rounds to the shown probability."""
    shown_total = rounded(total, d)
    if shown_total == 0:
        return False
    return all(
        (rounded(t, d) / shown_total).quantize(Decimal(1).scaleb(-dp)) == rounded(p, dp)
        for t, p in zip(terms, probabilities, strict=True)
    )


def _term_decimals(terms: Sequence[float], total: float, probabilities: Sequence[float], dp: int) -> tuple[int, bool]:
    # Three significant digits of the largest term at least; and a term rounded to d decimals moves
    # its share by up to 0.5·10^−d / Σ, so d starts one digit past dp − log10(Σ).
    first = max(0, 2 - math.floor(math.log10(max(terms))), dp + 1 - math.floor(math.log10(total)))
    tried = range(first, first + EXTRA_DECIMALS)
    for d in tried:
        if readds(terms, total, d) and _divides(terms, total, probabilities, d, dp):
            return d, True
    # None re-adds: the fewest decimals at which the divisions still check, the sum's rounding stated.
    return next((d for d in tried if _divides(terms, total, probabilities, d, dp)), tried[-1]), False


def softmax_shown(logits: Sequence[float]) -> dict[str, Any]:
    """What the softmax view prints, at a precision where it visibly re-adds.

    Returns a dict: ``shift`` (0 when none is needed), ``basis`` (``exp(z)`` or
    ``exp(z − m)``), ``terms`` and ``sum`` (full values), ``logit_texts``, ``term_texts``,
    ``sum_text``, ``probability_texts``, ``term_decimals``, ``probability_decimals``,
    ``readds`` (every check held) and ``notes`` (the shift and any rounding, in words).

    Example:
        >>> shown = softmax_shown([2.0, 1.0, 0.1])
        >>> shown["term_texts"], shown["sum_text"], shown["probability_texts"]
        (['7.38906', '2.71828', '1.10517'], '11.21251', ['0.659', '0.242', '0.099'])
    """
    z = [float(v) for v in logits]
    shift, why = shift_for(tuple(z))
    terms = [math.exp(v - shift) for v in z]
    total = math.fsum(terms)
    probabilities = [t / total for t in terms]
    dp, adds_to_one = display_decimals(probabilities)
    d, checks = _term_decimals(terms, total, probabilities, dp)
    notes = [why.text] if shift else []
    if not checks:
        added = sum((rounded(t, d) for t in terms), Decimal(0))
        notes.append(
            f"Rounding: the shown terms add to {fixed(float(added), d)} while the sum, {total!r} in full, "
            f"shows as {fixed(total, d)}; each term was rounded to {d} decimals on its own."
        )
    if not adds_to_one:
        shown_sum = sum((rounded(p, dp) for p in probabilities), Decimal(0))
        notes.append(
            f"Rounding: the probabilities shown to {dp} decimals add to {shown_sum}, not 1; unrounded they add to 1."
        )
    return {
        "shift": shift,
        "basis": "exp(z − m)" if shift else "exp(z)",
        "terms": terms,
        "sum": total,
        "logit_texts": [fixed(v, LOGIT_DECIMALS) for v in z],
        "term_texts": [fixed(t, d) for t in terms],
        "sum_text": fixed(total, d),
        "probability_texts": [fixed(p, dp) for p in probabilities],
        "term_decimals": d,
        "probability_decimals": dp,
        "readds": checks and adds_to_one,
        "notes": notes,
    }
