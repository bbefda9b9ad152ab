import pytest
import torch

from convscope.training.schedule import lr_at


def torch_lrs(make_scheduler, total: int, lr: float) -> list[float]:
    """The learning rate PyTorch's own scheduler gives at each of ``total`` steps."""
    optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for step in range(total):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if step < total - 1:
            scheduler.step()
    return rates


@pytest.mark.parametrize(("total", "warmup"), [(100, 0.25), (37, 0.3), (12, 0.5)])
def test_onecycle_matches_torch_onecyclelr(total, warmup):
    expected = torch_lrs(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=0.1, total_steps=total, pct_start=warmup, anneal_strategy="cos",
            cycle_momentum=False, div_factor=25, final_div_factor=1e4,
        ),
        total, 0.1,
    )  # fmt: skip
    ours = [lr_at(s, total_steps=total, lr=0.1, schedule="onecycle", warmup=warmup) for s in range(total)]
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("total", [2, 10, 101])
def test_cosine_without_warmup_matches_torch_cosineannealinglr(total):
    expected = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total - 1), total, 0.2)
    ours = [lr_at(s, total_steps=total, lr=0.2, schedule="cosine", warmup=0.0) for s in range(total)]
    assert ours == pytest.approx(expected, abs=1e-12)


def test_cosine_warmup_rises_linearly_from_zero_to_the_peak():
    rates = [lr_at(s, total_steps=100, lr=1.0, schedule="cosine", warmup=0.1) for s in range(11)]
    assert rates[:10] == pytest.approx([s / 10 for s in range(10)])
    assert rates[10] == pytest.approx(1.0)


def test_constant_is_the_same_at_every_step():
    assert {lr_at(s, total_steps=50, lr=0.3, schedule="constant") for s in range(50)} == {0.3}


def test_unknown_schedule_raises():
    with pytest.raises(ValueError):
        lr_at(0, total_steps=10, lr=0.1, schedule="step")
