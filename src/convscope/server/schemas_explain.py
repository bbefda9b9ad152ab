"""Pydantic models for the detail views' JSON: step explanations and the hyperparameter explorer.

Steps differ per layer kind (see :mod:`convscope.explain.steps`); the fields every
step shares are declared here and the rest travel as extra fields, exactly as
``Step.to_dict()`` writes them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StepInfo(BaseModel):
    """One output value and the parts it is made of (``step`` names the family: conv, pool, …)."""

    model_config = ConfigDict(extra="allow")

    step: str = Field(description="conv, activation, pool, batchnorm, linear, softmax, add, concat, flatten or passthrough")
    layer: str
    kind: str
    position: dict[str, int] = Field(description="{channel, y, x} for maps, {index} for vectors")
    output: float | None = Field(description="The traced value")
    computed: float | None = Field(description="The same value re-added from the parts shown")
    scale: float | None
    formula: str


class WindowTaps(BaseModel):
    """Where each window of a sliding layer reads, per axis; indices outside 0…size−1 are padding."""

    rows: list[list[int]] = Field(description="For each output row y: the input rows its K_h taps read")
    cols: list[list[int]] = Field(description="For each output column x: the input columns its K_w taps read")


class ArithInfo(BaseModel):
    """What the hyperparameter explorer shows for one combination."""

    report: dict[str, Any] = Field(description="convscope.arithmetic.arithmetic_report(...).to_dict()")
    padded: list[int] = Field(description="Padded input (H, W)")
    windows: WindowTaps
