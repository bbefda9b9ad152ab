"""The ConvScope web server: FastAPI app factory, routes, wire formats, caches.

The library never imports this package; ``convscope serve`` and tests do.
"""

from convscope.server.app import create_app

__all__ = ["create_app"]
