"""API routes, one module per resource; each only parses, validates and calls the library."""

from convscope.server.routes import (
    calc,
    explain,
    insight,
    insight_jobs,
    insight_topk,
    model_samples,
    models,
    pages,
    quiz,
    samples,
    structure,
    structure_pages,
    teaching,
    traces,
    train,
)

ROUTERS = (
    models.router,
    model_samples.router,
    samples.router,
    traces.router,
    explain.router,
    teaching.router,
    calc.router,
    quiz.router,
    train.router,
    structure.router,
    structure_pages.router,
    insight.router,
    insight_topk.router,
    insight_jobs.router,
    pages.router,
)
