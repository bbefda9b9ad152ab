"""The small vocabulary every other module shares: shapes and layer kinds."""

from enum import StrEnum

#: A tensor shape without the batch dimension, e.g. ``(C, H, W)`` or ``(F,)``.
Shape = tuple[int, ...]


class LayerKind(StrEnum):
    """What a layer does, as the views and explanations understand it."""

    INPUT = "input"
    CONV2D = "conv2d"
    LINEAR = "linear"
    RELU = "relu"
    LEAKY_RELU = "leaky_relu"
    ELU = "elu"
    GELU = "gelu"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    SILU = "silu"
    HARDSWISH = "hardswish"
    RELU6 = "relu6"
    SOFTMAX = "softmax"
    LOG_SOFTMAX = "log_softmax"
    MAXPOOL2D = "maxpool2d"
    AVGPOOL2D = "avgpool2d"
    ADAPTIVE_AVGPOOL2D = "adaptive_avgpool2d"
    ADAPTIVE_MAXPOOL2D = "adaptive_maxpool2d"
    BATCHNORM2D = "batchnorm2d"
    DROPOUT = "dropout"
    FLATTEN = "flatten"
    ZEROPAD2D = "zeropad2d"
    ADD = "add"
    CONCAT = "concat"
    IDENTITY = "identity"
    OTHER = "other"


#: Kinds that apply a function to each value on its own.
ACTIVATION_KINDS = frozenset(
    {
        LayerKind.RELU,
        LayerKind.LEAKY_RELU,
        LayerKind.ELU,
        LayerKind.GELU,
        LayerKind.SIGMOID,
        LayerKind.TANH,
        LayerKind.SILU,
        LayerKind.HARDSWISH,
        LayerKind.RELU6,
    }
)
