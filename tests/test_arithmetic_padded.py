"""``arithmetic.padded_hw``: the size windows slide over, as ``F.pad`` makes it."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from convscope.arithmetic import padded_hw
from convscope.errors import ConvScopeError


@pytest.mark.parametrize(
    ("size", "sides"),
    [((5, 5), (1, 1, 1, 1)), ((28, 30), (1, 2, 0, 3)), ((1, 7), (0, 0, 0, 0)), ((4, 4), (3, 0, 0, 5))],
)
def test_padded_size_is_the_shape_f_pad_gives(size, sides):
    top, bottom, left, right = sides
    padded = F.pad(torch.zeros(1, 1, *size), (left, right, top, bottom))
    assert padded_hw(size, sides) == tuple(padded.shape[-2:])


def test_a_square_size_may_be_one_number():
    assert padded_hw(5, (1, 1, 2, 2)) == (7, 9)


def test_negative_padding_is_refused_in_words():
    with pytest.raises(ConvScopeError, match="negative padding"):
        padded_hw(5, (-1, 0, 0, 0))
