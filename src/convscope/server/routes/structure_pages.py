"""``/structure`` (one model's layer graph) and ``/architectures`` (the zoo side by side): pages of their own."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from convscope.server.paths import WEB_DIR

router = APIRouter(include_in_schema=False)


@router.get("/structure")
def structure() -> FileResponse:
    """The served model's graph as a diagram; ``?model=…&order=chw|hwc`` is read by the page."""
    return FileResponse(WEB_DIR / "structure.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/architectures")
def architectures() -> FileResponse:
    """The zoo's architectures side by side, with their blocks explained."""
    return FileResponse(WEB_DIR / "architectures.html", media_type="text/html", headers={"Cache-Control": "no-cache"})
