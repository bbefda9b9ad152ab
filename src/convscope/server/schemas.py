"""Pydantic models for every JSON body the API sends: the OpenAPI schema is built from these."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """Every 4xx answer: one line saying what is wrong and what to do."""

    detail: str


class InputSpecInfo(BaseModel):
    channels: int
    height: int
    width: int
    channel_names: list[str]
    mean: list[float]
    std: list[float]


class ModelSummary(BaseModel):
    id: str = Field(description="Use in /api/models/{model_id}/…")
    name: str
    input_spec: InputSpecInfo
    classes: list[str]
    total_params: int
    total_mults: int
    provenance: dict[str, Any]


class LayerInfo(BaseModel):
    name: str
    kind: str
    inputs: list[str] = Field(description="Layers whose outputs feed this one (several for add/concat)")
    output_shape: list[int] = Field(description="(C, H, W) or (F,), without the batch dimension")
    hyper: dict[str, Any]
    params: int
    mults: int
    mult_formula: str
    other_ops: dict[str, int]
    other_formula: str


class ModelDetail(ModelSummary):
    output_layer: str
    traced_with: str
    fallback_reason: str | None
    layers: list[LayerInfo]


class SampleInfo(BaseModel):
    id: str
    label: str = Field(description="The true label")
    class_index: int | None
    url: str


class TraceSource(BaseModel):
    width: int
    height: int
    mode: str = Field(description="Pillow mode of the decoded image")
    notes: list[str] = Field(description="Conversions applied on the way in")


class Prediction(BaseModel):
    index: int
    label: str
    probability: float


class LayerRange(BaseModel):
    name: str
    shape: list[int]
    min: float
    max: float
    channel_ranges: list[list[float]] = Field(description="(min, max) per channel; one pair for (F,) layers")
    channel_order: list[int] = Field(description="Channel indices, most active (largest max |value|) first; ties by index")


class TraceInfo(BaseModel):
    model: str
    image: str = Field(description="A sample id or the SHA-256 of uploaded bytes")
    source: TraceSource
    prediction: Prediction
    probabilities: list[float]
    logits: list[float]
    layers: list[LayerRange]
    trace_ms: float = Field(description="Server time to decode, preprocess, run and summarise the image")
    image_url: str = Field(description="The image as the network sees it (PNG)")
    layers_url: str = Field(description="Prefix of per-layer binary activations: append the layer name")
