"""The browser app: ``/`` serves the page, ``/sandbox`` the calculators, ``/train`` the Train page; their assets are mounted at ``/static``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from convscope.server.paths import WEB_DIR

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/sandbox")
def sandbox() -> FileResponse:
    """The calculators for the learner's own numbers: a page of its own, no model needed."""
    return FileResponse(WEB_DIR / "sandbox.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/train")
def train_page() -> FileResponse:
    """Train a zoo architecture and watch it learn: a page of its own."""
    return FileResponse(WEB_DIR / "train.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/insight")
def insight() -> FileResponse:
    """Looking inside the model: attribution with trust checks, filters, classic kernels (layer etc. from the URL)."""
    return FileResponse(WEB_DIR / "insight.html", media_type="text/html", headers={"Cache-Control": "no-cache"})
