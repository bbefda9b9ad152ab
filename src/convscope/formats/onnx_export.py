"""Any ConvScope model as an ONNX file.

Uses PyTorch's TorchScript-based exporter (``dynamo=False``): it needs no
package beyond torch and onnx, and the pinned torch still ships it. The graph
takes ``input`` of shape ``(N, C, H, W)`` (N free) and returns ``output``, the
module's own output: class scores, or probabilities when the model ends with a
softmax.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

from convscope.atomic import write_by_name
from convscope.errors import ConvScopeError, ModelError, first_line
from convscope.inputs import InputSpec
from convscope.network import Network

#: The ONNX operator set written; onnxruntime 1.18 and later read it.
OPSET = 17


def export_onnx(
    model: Network | nn.Module,
    input_spec: InputSpec | None,
    path: str | os.PathLike[str],
    *,
    opset: int = OPSET,
) -> Path:
    """Write ``model`` to ``path`` as ONNX, atomically (nothing half-written on failure).

    Args:
        model: a :class:`Network` or a plain module taking ``(N, C, H, W)``.
        input_spec: the input shape to trace with; ``None`` takes the Network's own.
        path: the ``.onnx`` file to write.
        opset: the ONNX operator set version.

    Raises:
        ModelError: the module holds an operation ONNX cannot express.

    Example:
        >>> from convscope.formats import zoo_network
        >>> export_onnx(zoo_network("tinyvgg"), None, "tinyvgg.onnx").name
        'tinyvgg.onnx'
    """
    module = model.module if isinstance(model, Network) else model
    spec = input_spec or (model.input_spec if isinstance(model, Network) else None)
    if spec is None:
        raise ConvScopeError("export_onnx needs an input spec for a plain module; pass input_spec=InputSpec(C, H, W)")
    target = Path(path)
    if target.is_dir():
        raise ConvScopeError(f"{target} is a folder; give the .onnx file to write")
    return write_by_name(target, lambda tmp: _export(module, spec, tmp, opset))


def _export(module: nn.Module, spec: InputSpec, path: Path, opset: int) -> None:
    was_training = module.training
    module.eval()
    x = torch.zeros((1, *spec.shape))  # (1, C, H, W)
    # On failure the exporter dumps its whole IR graph to its log, which torch
    # 2.13 leaves switched on; keep stdout clean for ``--json`` by logging to stderr.
    set_stream = getattr(torch._C, "_jit_set_onnx_log_output_stream", None)
    if set_stream is not None:
        set_stream("stderr")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            # The legacy exporter announces its own deprecation, warns about traced
            # Python values (shapes) and about F.pad index arithmetic it leaves
            # unfolded; none of these changes what the graph computes.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", "Constant folding - Only steps=1", UserWarning)
            torch.onnx.export(
                module,
                (x,),
                str(path),
                dynamo=False,
                opset_version=opset,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
            )
        onnx.checker.check_model(str(path))
    except (RuntimeError, TypeError, ValueError, NotImplementedError, onnx.checker.ValidationError) as exc:
        raise ModelError(f"cannot export {type(module).__name__} to ONNX ({first_line(exc)})") from None
    finally:
        module.train(was_training)


__all__ = ["OPSET", "export_onnx"]
