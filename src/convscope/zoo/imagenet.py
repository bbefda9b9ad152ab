"""What the ImageNet-sized zoo models share: their input scaling.

The mean and standard deviation per channel are those of the ImageNet training
set as torchvision publishes them, so weights trained the usual way read the
same pixels the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convscope.inputs import InputSpec
from convscope.zoo.registry import check_min_size

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def imagenet_spec(model: str, minimum: int = 1) -> Callable[[dict[str, Any]], InputSpec]:
    """The input spec function of an ImageNet model: RGB, ``input_size`` square, ImageNet scaling.

    Args:
        model: the model's registered name, for error messages.
        minimum: the smallest ``input_size`` the model's maps survive.

    Example:
        >>> imagenet_spec("vgg16", 32)({"input_size": 224}).shape
        (3, 224, 224)
    """

    def spec(cfg: dict[str, Any]) -> InputSpec:
        size = cfg["input_size"]
        check_min_size(model, size, minimum)
        return InputSpec(3, size, size, mean=IMAGENET_MEAN, std=IMAGENET_STD)

    return spec
