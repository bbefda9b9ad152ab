import math

import pytest
import torch
import torch.nn.functional as F

from convscope.data.augment import Augmentation, affine, affine_theta, color_shift, hflip, random_crop, warp
from convscope.errors import ConvScopeError


def batch(c=1, n=6, size=8):
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(42))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_hflip_mirrors_exactly_the_images_it_picks():
    x = batch()
    y = hflip(x, gen(), p=0.5)
    flipped = [torch.equal(y[i], x[i].flip(-1)) for i in range(len(x))]
    kept = [torch.equal(y[i], x[i]) for i in range(len(x))]
    assert all(f or k for f, k in zip(flipped, kept, strict=True)) and any(flipped) and any(kept)


def test_random_crop_is_a_window_of_the_zero_padded_image():
    x, pad = batch(c=3), 2
    y = random_crop(x, gen(), padding=pad)
    padded = F.pad(x, (pad,) * 4)
    for i in range(len(x)):
        windows = [padded[i, :, dy : dy + 8, dx : dx + 8] for dy in range(5) for dx in range(5)]
        assert any(torch.equal(y[i], w) for w in windows)


def test_random_crop_without_padding_is_the_identity():
    x = batch()
    assert torch.equal(random_crop(x, gen(), padding=0), x)


def test_affine_with_no_change_is_the_identity():
    x = batch(c=3)
    torch.testing.assert_close(affine(x, gen()), x)


def test_affine_theta_of_90_degrees_turns_images_like_rot90():
    x = batch(c=2)
    n = x.shape[0]
    theta = affine_theta(torch.full((n,), math.pi / 2), torch.zeros(n), torch.ones(n), torch.zeros(n, 2))
    torch.testing.assert_close(warp(x, theta), torch.rot90(x, k=1, dims=(2, 3)), atol=1e-5, rtol=0)


def test_affine_theta_shift_moves_content_by_whole_pixels():
    x = batch(size=8)
    n = x.shape[0]
    theta = affine_theta(torch.zeros(n), torch.zeros(n), torch.ones(n), torch.tensor([[0.25, 0.0]]).expand(n, 2))
    moved = warp(x, theta)  # output column j reads input column j + 2
    torch.testing.assert_close(moved[..., :6], x[..., 2:], atol=1e-6, rtol=0)
    assert torch.all(moved[..., 6:] == 0)


def test_rotated_images_differ_from_the_originals():
    x = batch()
    assert not torch.allclose(affine(x, gen(), degrees=30.0), x)


def test_color_shift_of_zero_strength_is_the_identity_and_stays_in_range():
    x = batch(c=3)
    torch.testing.assert_close(color_shift(x, gen()), x)
    y = color_shift(x, gen(), brightness=0.9, contrast=0.9, saturation=0.9, hue=0.5)
    assert y.min() >= 0 and y.max() <= 1


def test_hue_rotation_keeps_luma_and_changes_colour():
    x = batch(c=3)

    def luma(t):
        return 0.299 * t[:, 0] + 0.587 * t[:, 1] + 0.114 * t[:, 2]

    from convscope.data.augment import _rotate_hue

    rotated = _rotate_hue(x, torch.full((x.shape[0],), 1.0))
    torch.testing.assert_close(luma(rotated), luma(x), atol=1e-5, rtol=0)
    assert not torch.allclose(rotated, x)


def test_grayscale_images_skip_saturation_and_hue():
    x = batch(c=1)
    torch.testing.assert_close(color_shift(x, gen(), saturation=0.5, hue=0.5), x)


def test_the_same_seed_augments_the_same_way():
    aug = Augmentation.parse(["flip", "crop", "rotate", "affine", "color"])
    x = batch(c=3)
    assert torch.equal(aug(x, gen(5)), aug(x, gen(5)))
    assert not torch.equal(aug(x, gen(5)), aug(x, gen(6)))


def test_parse_reads_names_and_values_and_round_trips():
    aug = Augmentation.parse(["flip", "crop=3", "rotate=15"])
    assert (aug.flip, aug.crop, aug.rotate, aug.affine) == (True, 3, 15.0, 0.0)
    assert Augmentation.parse(aug.names()) == aug


@pytest.mark.parametrize("item", ["blur", "crop=big", "rotate=-5"])
def test_parse_rejects_unknown_or_bad_augmentations(item):
    with pytest.raises(ConvScopeError):
        Augmentation.parse([item])
