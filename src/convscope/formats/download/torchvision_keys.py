"""torchvision's checkpoint keys → the zoo's module names.

ResNet and GoogLeNet in the zoo already use torchvision's submodule names, so
their keys pass unchanged (GoogLeNet's auxiliary classifiers, used only in
training and absent from the zoo, are dropped). VGG-16 and AlexNet name their
layers after the papers (``conv_3_2``, ``fc_6``) where torchvision numbers the
positions in two ``nn.Sequential`` blocks (``features.12``, ``classifier.0``);
the tables below pair them up, module by module, in network order.

Example:
    >>> list(to_zoo_keys("vgg16", {"features.12.weight": torch.zeros(256, 256, 3, 3)}))
    ['conv_3_2.weight']
"""

from __future__ import annotations

import torch
from torch import nn

from convscope.errors import ModelError

#: VGG-16's convolutions sit at these positions of torchvision's ``features`` (ReLUs and pools between).
_VGG16_FEATURES = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
_VGG16_CONVS = tuple(f"conv_{b}_{i}" for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for i in range(1, n + 1))

#: torchvision module path → zoo module name; modules not listed keep their name.
RENAMES: dict[str, dict[str, str]] = {
    "vgg16": {
        **{f"features.{i}": name for i, name in zip(_VGG16_FEATURES, _VGG16_CONVS, strict=True)},
        "classifier.0": "fc_6",
        "classifier.3": "fc_7",
        "classifier.6": "output",
    },
    "alexnet": {
        "features.0": "conv_1",
        "features.3": "conv_2",
        "features.6": "conv_3",
        "features.8": "conv_4",
        "features.10": "conv_5",
        "classifier.1": "fc_6",
        "classifier.4": "fc_7",
        "classifier.6": "output",
    },
    "resnet18": {},
    "resnet34": {},
    "googlenet": {},
}

#: Key prefixes of training-only parts the zoo leaves out.
DROPPED: dict[str, tuple[str, ...]] = {"googlenet": ("aux1.", "aux2.")}


def to_zoo_keys(arch: str, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a torchvision state dict's keys to the zoo architecture ``arch``'s."""
    if arch not in RENAMES:
        raise ModelError(f"no torchvision key mapping for zoo model '{arch}'; known: {', '.join(RENAMES)}")
    renames, dropped = RENAMES[arch], DROPPED.get(arch, ())
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if key.startswith(dropped):
            continue
        module, _, param = key.rpartition(".")
        out[f"{renames.get(module, module)}.{param}"] = tensor
    return out


def load_into(module: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Load ``state`` into ``module`` exactly: every key present, every shape equal.

    Batch-norm step counters (``num_batches_tracked``) that checkpoints older
    than PyTorch 0.4.1 lack are the only keys filled in (with the module's own
    zero); they do not change what the network computes in evaluation.
    """
    expected = module.state_dict()
    state = dict(state)
    for key in expected:
        if key not in state and key.endswith("num_batches_tracked"):
            state[key] = expected[key]
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or unexpected:
        parts = [f"missing {', '.join(missing[:4])}"] if missing else []
        parts += [f"unexpected {', '.join(unexpected[:4])}"] if unexpected else []
        raise ModelError(f"{source}: the checkpoint does not fit the architecture ({'; '.join(parts)})")
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise ModelError(
                f"{source}: '{key}' has shape {tuple(state[key].shape)} but the architecture needs {tuple(tensor.shape)}"
            )
    module.load_state_dict(state)


__all__ = ["DROPPED", "RENAMES", "load_into", "to_zoo_keys"]
