"""The architecture zoo. Importing this package registers every model."""

from convscope.zoo import alexnet as _alexnet  # noqa: F401  (registers)
from convscope.zoo import googlenet as _googlenet  # noqa: F401
from convscope.zoo import lenet as _lenet  # noqa: F401
from convscope.zoo import resnet as _resnet  # noqa: F401
from convscope.zoo import tinyvgg as _tinyvgg  # noqa: F401
from convscope.zoo import vgg as _vgg  # noqa: F401
from convscope.zoo.registry import ModelEntry, get_entry, get_model, list_models, register_model

__all__ = ["ModelEntry", "get_entry", "get_model", "list_models", "register_model"]
