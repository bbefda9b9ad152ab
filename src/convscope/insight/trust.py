"""How far an attribution map can be trusted, measured beside every map.

- **Sanity check** (Adebayo et al. 2018, model-parameter randomisation): the
  map is computed again on a copy of the model whose top layers are
  re-initialised; a high rank correlation between the two maps means the map
  shows the input (edges, bright areas) more than what the network learned.
- **Faithfulness** (deletion and insertion, Petsiuk et al. 2018): pixels are
  removed from, or added to, a baseline in the map's order, most important
  first; the class probability is recorded at each step and the area under
  each curve compared with the same curves for a random order. A faithful
  map deletes faster (smaller deletion area) and inserts faster (larger
  insertion area) than chance.
- **Completeness** for integrated gradients sits on the :class:`Attribution`.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from convscope.insight.attribution import Attribution, attribute
from convscope.insight.forward import eval_mode, scores
from convscope.network import Network

#: Rank correlation at or above which a map "does not depend on the learned weights".
SANITY_THRESHOLD = 0.5


def rank_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman's ρ of two maps: the Pearson correlation of their ranks, ties sharing the mean rank.

    Example:
        >>> rank_correlation(torch.tensor([1.0, 2, 3]), torch.tensor([10.0, 20, 25]))
        1.0
    """
    ra, rb = _ranks(a.flatten().double().numpy()), _ranks(b.flatten().double().numpy())
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = float(np.sqrt((ra * ra).sum() * (rb * rb).sum()))
    return float((ra * rb).sum() / denominator) if denominator > 0 else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends - 1) / 2.0  # ranks from 0; ties share the mean of their positions
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def randomised_copy(network: Network, *, top: int | None = None, seed: int = 0) -> tuple[Network, list[str]]:
    """A copy of ``network`` with the weights of its ``top`` last learnable layers re-initialised.

    ``top=None`` re-initialises every learnable layer (the cascade down to the
    first layer). The original is untouched, so a server can keep serving it.
    Returns the copy and the names of the layers re-initialised, top first.
    """
    learnable = [
        layer
        for layer in reversed(network.layers)
        if layer.module is not None and layer.params and ":" not in layer.name
    ]
    chosen = learnable if top is None else learnable[: max(top, 1)]
    module = copy.deepcopy(network.module)
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(seed)
        for layer in chosen:
            target = module.get_submodule(layer.target)
            reset = getattr(target, "reset_parameters", None)
            if callable(reset):
                reset()
            else:
                for p in target.parameters():
                    p.normal_(0, 0.05)
    twin = Network(module, network.input_spec, network.class_names, name=f"{network.name} (randomised)")
    return twin, [layer.name for layer in chosen]


@dataclass(frozen=True)
class SanityCheck:
    correlation: float
    threshold: float
    randomised_layers: tuple[str, ...]
    #: True when the map barely changes: it "does not depend on the learned weights".
    flagged: bool

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "randomised_layers": list(self.randomised_layers)}


def sanity_check(
    network: Network, x: torch.Tensor, attribution: Attribution, *, top: int | None = None, seed: int = 0
) -> SanityCheck:
    """Model-parameter randomisation: ρ between the map and the same method's map on a re-initialised copy."""
    twin, names = randomised_copy(network, top=top, seed=seed)
    again = attribute(twin, x, attribution.target, attribution.method, layer=attribution.layer, **attribution.settings)
    rho = rank_correlation(attribution.map, again.map)
    return SanityCheck(rho, SANITY_THRESHOLD, tuple(names), rho >= SANITY_THRESHOLD)


@dataclass(frozen=True)
class Faithfulness:
    #: Shares of the pixels removed / added, ``0 … 1``.
    fractions: tuple[float, ...]
    deletion: tuple[float, ...]
    insertion: tuple[float, ...]
    random_deletion: tuple[float, ...]
    random_insertion: tuple[float, ...]
    deletion_area: float
    insertion_area: float
    random_deletion_area: float
    random_insertion_area: float

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _curves(
    network: Network, x: torch.Tensor, base: torch.Tensor, order: torch.Tensor, target: int, counts: list[int]
) -> tuple[list[float], list[float]]:
    """Target probability as the first ``n`` pixels in ``order`` are deleted (set to ``base``) and inserted."""
    _, c, h, w = x.shape
    ranks = torch.empty(h * w, dtype=torch.long)
    ranks[order] = torch.arange(h * w)
    masks = torch.stack([(ranks < n).float().view(1, h, w) for n in counts])  # (S, 1, H, W): 1 = chosen pixels
    deleted = x * (1 - masks) + base * masks
    inserted = base * (1 - masks) + x * masks
    with eval_mode(network.module), torch.no_grad():
        probs = torch.softmax(scores(network, torch.cat([deleted, inserted])), dim=1)[:, target]
    return probs[: len(counts)].tolist(), probs[len(counts) :].tolist()


def _area(fractions: list[float], values: list[float]) -> float:
    return float(np.trapezoid(values, fractions))


def faithfulness(
    network: Network,
    x: torch.Tensor,
    attribution: Attribution,
    *,
    steps: int = 32,
    baseline: str = "zeros",
    repeats: int = 4,
    seed: int = 0,
) -> Faithfulness:
    """Deletion and insertion curves in the map's order and, averaged over ``repeats`` seeded random orders,
    in a random order; ``steps + 1`` points each, all in one batch per order."""
    from convscope.insight.attribution import baseline_of

    base = baseline_of(x, baseline)
    h, w = x.shape[-2:]
    counts = [round(i * h * w / steps) for i in range(steps + 1)]
    fractions = [n / (h * w) for n in counts]
    order = torch.argsort(attribution.map.flatten(), descending=True, stable=True)
    deletion, insertion = _curves(network, x, base, order, attribution.target, counts)
    generator = torch.Generator().manual_seed(seed)
    rand_del = np.zeros(len(counts))
    rand_ins = np.zeros(len(counts))
    for _ in range(repeats):
        d, i = _curves(network, x, base, torch.randperm(h * w, generator=generator), attribution.target, counts)
        rand_del += np.array(d) / repeats
        rand_ins += np.array(i) / repeats
    return Faithfulness(
        fractions=tuple(fractions),
        deletion=tuple(deletion),
        insertion=tuple(insertion),
        random_deletion=tuple(rand_del.tolist()),
        random_insertion=tuple(rand_ins.tolist()),
        deletion_area=_area(fractions, deletion),
        insertion_area=_area(fractions, insertion),
        random_deletion_area=_area(fractions, rand_del.tolist()),
        random_insertion_area=_area(fractions, rand_ins.tolist()),
    )


def trust_report(network: Network, x: torch.Tensor, attribution: Attribution, *, seed: int = 0) -> dict[str, Any]:
    """Everything shown beside a map: sanity check, faithfulness and (integrated gradients) completeness."""
    report: dict[str, Any] = {
        "sanity": sanity_check(network, x, attribution, seed=seed).to_dict(),
        "faithfulness": faithfulness(network, x, attribution, seed=seed).to_dict(),
    }
    if attribution.completeness is not None:
        report["completeness"] = attribution.completeness
    return report
