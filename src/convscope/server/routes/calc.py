"""``/api/calc``: the sandbox's calculators for the learner's own numbers (``convscope.calc``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from convscope.server.calc_payload import FieldError, calculate, catalog, kernels
from convscope.server.routes.common import errors
from convscope.server.schemas import CalcCatalog, CalcErrorDetail, CalcRequest, CalcResult, KernelInfo

router = APIRouter(prefix="/api/calc", tags=["calculators"])

Operation = Literal["conv", "relu", "pool", "flatten", "softmax", "dense"]


@router.get("", response_model=CalcCatalog)
def get_catalog() -> dict[str, Any]:
    """The calculators on offer, their fields with defaults, and the classic kernels."""
    return catalog()


@router.get("/kernels", response_model=list[KernelInfo])
def list_kernels() -> list[dict[str, Any]]:
    """The classic kernels: name, weights (÷ divisor) and what each detects."""
    return kernels()


@router.api_route("/kernels", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def kernels_are_read_only() -> JSONResponse:
    """``/kernels`` would otherwise be taken for an operation's name; it is a GET-only listing."""
    return JSONResponse({"detail": "the kernel list is read-only; use GET"}, status_code=405, headers={"Allow": "GET"})


@router.post("/{operation}", response_model=CalcResult, responses={400: {"model": CalcErrorDetail}, **errors(422)})
def post_calculation(operation: Operation, body: CalcRequest) -> Any:
    """One calculation with every step; bad input is a 400 naming the field it is about."""
    try:
        return calculate(operation, body.model_dump(exclude_none=True, by_alias=True))
    except FieldError as exc:
        return JSONResponse({"detail": str(exc), "field": exc.field}, status_code=400)
