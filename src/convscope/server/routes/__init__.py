"""API routes, one module per resource; each only parses, validates and calls the library."""

from convscope.server.routes import calc, explain, insight, model_samples, models, pages, samples, traces

ROUTERS = (
    models.router,
    model_samples.router,
    samples.router,
    traces.router,
    explain.router,
    calc.router,
    insight.router,
    pages.router,
)
