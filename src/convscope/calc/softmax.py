"""Softmax of typed logits: each exp term, their sum and each probability.

``p_i = exp(z_i)/Σ_j exp(z_j)``. When exp of the largest logit would overflow
float32 (the type networks compute in) or underflow it to 0, every logit is
first shifted by the largest one, m: ``exp(z_i − m)/Σ_j exp(z_j − m)`` is the
same fraction (the factor exp(−m) cancels) and its largest term is exp(0) = 1.
Probabilities are shown at the fewest decimals (3 to 8) at which the shown
values add up to exactly 1; when no such precision exists, the rounding is stated.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from convscope.calc.parse import parse_vector
from convscope.calc.result import Calculation, Note, Step, num

#: Above this, exp(z) overflows: ln of the largest finite float32 and float64.
LN_MAX_FLOAT32 = math.log(float(np.finfo(np.float32).max))  # ≈ 88.72
LN_MAX_FLOAT64 = math.log(sys.float_info.max)  # ≈ 709.78
#: Below this, exp(z) is no longer a normal float32 and soon rounds to 0.
LN_MIN_FLOAT32 = math.log(float(np.finfo(np.float32).tiny))  # ≈ −87.34
#: Decimals tried for the probabilities, fewest first; the fallback when none re-adds.
DECIMALS = range(3, 9)
FALLBACK_DECIMALS = 4


@dataclass(frozen=True, kw_only=True)
class SoftmaxTerm(Step):
    """One class: its logit, exp term and probability."""

    step = "term"
    index: int
    logit: float
    #: ``z_i − shift``, the number exp is taken of.
    exponent: float
    exp: float
    probability: float
    #: The probability as shown, at the chosen decimals.
    shown: str


def _rounded(value: float, decimals: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def display_decimals(probabilities: Sequence[float]) -> tuple[int, bool]:
    """The fewest decimals at which the rounded probabilities add to exactly 1, and whether any did.

    Example:
        >>> display_decimals([1 / 3, 1 / 3, 1 / 3])
        (4, False)
    """
    for decimals in DECIMALS:
        if sum(_rounded(p, decimals) for p in probabilities) == 1:
            return decimals, True
    return FALLBACK_DECIMALS, False


def shift_for(logits: tuple[float, ...]) -> tuple[float, Note]:
    """The shift m subtracted from every logit (0 when exp(z) fits float32) and why, in words."""
    m = max(logits)
    if m > LN_MAX_FLOAT32:
        both = "float64 (up to about 1.8e308) and " if m > LN_MAX_FLOAT64 else ""
        holds = f"is too large for {both}float32 (up to about 3.4e38, exp({LN_MAX_FLOAT32:.2f}))"
        text = (
            f"Shift: exp({num(m)}) {holds}, so it would be infinity and the probabilities infinity/infinity. "
            f"Subtracting the largest logit m = {num(m)} from every logit first gives the same probabilities "
            "(exp(−m) cancels in the fraction), and the largest term becomes exp(0) = 1."
        )
        return m, Note(topic="shift", text=text)
    if m < LN_MIN_FLOAT32:
        text = (
            f"Shift: exp({num(m)}) is smaller than float32 holds (about 1.2e-38, exp({LN_MIN_FLOAT32:.2f})), so every "
            f"term would round towards 0 and the sum to 0. Subtracting the largest logit m = {num(m)} from every "
            "logit first gives the same probabilities (exp(−m) cancels in the fraction), and the largest term "
            "becomes exp(0) = 1."
        )
        return m, Note(topic="shift", text=text)
    text = (
        f"No shift needed: the largest logit {num(m)} gives exp({num(m)}) = {num(math.exp(m))}, within float32 "
        f"(exp overflows past {LN_MAX_FLOAT32:.2f}). Networks often subtract the largest logit anyway; "
        "the probabilities stay the same."
    )
    return 0.0, Note(topic="shift", text=text)


def softmax(logits: str | Sequence[float]) -> Calculation:
    """Exp terms, their sum and the probabilities of typed logits.

    Example:
        >>> calc = softmax("2.0 1.0 0.1")
        >>> [round(p, 3) for p in calc.output]
        [0.659, 0.242, 0.099]
    """
    z = parse_vector(logits, "logits")
    shift, shift_note = shift_for(z)
    exponents = [zi - shift for zi in z]
    terms = [math.exp(e) for e in exponents]
    total = math.fsum(terms)
    probabilities = tuple(t / total for t in terms)
    decimals, readds = display_decimals(probabilities)
    shown = [str(_rounded(p, decimals)) for p in probabilities]
    exp_of = (lambda i: f"exp({num(z[i])} − {num(shift)})") if shift else (lambda i: f"exp({num(z[i])})")
    found = [
        SoftmaxTerm(
            text=f"p_{i} = {exp_of(i)}/{num(total)} = {num(terms[i])}/{num(total)} = {shown[i]}",
            index=i,
            logit=z[i],
            exponent=exponents[i],
            exp=terms[i],
            probability=probabilities[i],
            shown=shown[i],
        )  # fmt: skip
        for i in range(len(z))
    ]
    shown_sum = sum(Decimal(s) for s in shown)
    sum_note = Note(
        topic="sum",
        text=f"Sum of the exp terms: {' + '.join(num(t) for t in terms)} = {num(total)} "
        "(each term shown to 6 significant digits).",
    )
    if readds:
        rounding = f"Probabilities shown to {decimals} decimals, where the shown values add to exactly {shown_sum}."
    else:
        rounding = (
            f"Probabilities shown to {decimals} decimals; rounded, they add to {shown_sum} rather than 1 "
            "(no precision from 3 to 8 decimals makes them re-add exactly); unrounded they add to 1."
        )
    return Calculation(
        operation="softmax",
        input=list(z),
        settings={},
        output=probabilities,
        shape=(len(z),),
        steps=(shift_note, sum_note, *found, Note(topic="rounding", text=rounding)),
        extras={"shift": shift, "exp_sum": total, "decimals": decimals, "shown_sum_is_one": readds},
    )
