"""Models trained from the Train page, offered in the model picker once their run finishes."""

from __future__ import annotations

from pathlib import Path

from convscope.server.tracing import TraceService


def run_model_id(name: str) -> str:
    """The id under which run ``name``'s model is served."""
    return f"run-{name}"


def offer_run_model(service: TraceService, name: str, folder: Path) -> str:
    """Load run ``name``'s model and add it to the served models; returns its id.

    A freshly trained model has no sample images of its own; it borrows those of
    a served model with the same classes (a Fashion-MNIST run those of the
    default model), so the explainer opens it on an image at once.
    """
    from convscope.formats import load_model
    from convscope.server.samples import SampleSet

    model_id = run_model_id(name)
    network = load_model(folder / "model")
    borrowed = SampleSet([])
    for other_id, other in service.models.items():
        if tuple(other.class_names) == tuple(network.class_names) and len(service.samples.of(other_id)):
            borrowed = service.samples.of(other_id)
            break
    service.models.add(model_id, network)
    service.samples.add(model_id, borrowed)
    return model_id
