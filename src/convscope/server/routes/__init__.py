"""API routes, one module per resource; each only parses, validates and calls the library."""

from convscope.server.routes import (
    calc,
    explain,
    model_samples,
    models,
    pages,
    samples,
    structure,
    structure_pages,
    traces,
)

ROUTERS = (
    models.router,
    model_samples.router,
    samples.router,
    traces.router,
    explain.router,
    calc.router,
    structure.router,
    structure_pages.router,
    pages.router,
)
