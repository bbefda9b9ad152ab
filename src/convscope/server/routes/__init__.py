"""API routes, one module per resource; each only parses, validates and calls the library."""

from convscope.server.routes import explain, models, pages, samples, traces

ROUTERS = (models.router, samples.router, traces.router, explain.router, pages.router)
