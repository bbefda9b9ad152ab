import pytest
import torch

from convscope.data import ImageSet
from convscope.errors import ConvScopeError


def make_set(counts=(30, 20, 10)) -> ImageSet:
    labels = torch.cat([torch.full((n,), k) for k, n in enumerate(counts)])
    images = torch.arange(len(labels), dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 1, 2, 2).contiguous()
    return ImageSet(images, labels, tuple(f"c{k}" for k in range(len(counts))))


def test_split_is_stratified_disjoint_and_complete():
    data = make_set()
    train, val = data.split(0.1, seed=3)
    assert torch.bincount(val.labels).tolist() == [3, 2, 1]
    ids = torch.cat([train.source_index, val.source_index]).sort().values
    assert ids.tolist() == list(range(len(data)))


def test_split_depends_on_the_seed_only():
    a = make_set().split(0.2, seed=1)[1].source_index
    b = make_set().split(0.2, seed=1)[1].source_index
    c = make_set().split(0.2, seed=2)[1].source_index
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_split_zero_keeps_everything_for_training():
    data = make_set()
    train, val = data.split(0.0, seed=0)
    assert train is data and val is None


def test_split_of_too_few_images_is_a_user_error():
    with pytest.raises(ConvScopeError, match="too few"):
        make_set((1, 1)).split(0.1, seed=0)


def test_channel_stats_match_torch_mean_and_std():
    images = torch.randint(0, 256, (5, 3, 4, 4), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    data = ImageSet(images, torch.zeros(5, dtype=torch.long), ("a",))
    mean, std = data.channel_stats()
    x = images.double() / 255
    assert mean == pytest.approx(x.mean(dim=(0, 2, 3)).tolist(), abs=1e-4)
    assert std == pytest.approx(x.std(dim=(0, 2, 3)).tolist(), abs=1e-4)
