"""``convscope serve``: the explainer app in the browser, on this machine.

Example:
    convscope serve --model default --model tinyvgg --port 8000 --open
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, cast

from convscope.cli import print_json
from convscope.errors import ConvScopeError

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="open the explainer app: every layer of a CNN computing, in your browser",
        description="Start the ConvScope web app (FastAPI under uvicorn). Loopback only unless --host says otherwise.",
    )
    parser.add_argument(
        "--model",
        "-m",
        action="append",
        metavar="MODEL",
        help="'default', a zoo name, a model folder/zip or an ONNX/Keras/TF.js file (repeatable; the first is shown first)",
    )
    parser.add_argument("--classes", metavar="FILE", help="class names, one per line, for model files that carry none (TF.js, ONNX)")
    parser.add_argument(
        "--samples",
        metavar="DIR",
        help="a folder of images to add to every model's gallery (labels from sub-folder names or a samples.json)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser once the server is up")
    parser.add_argument("--json", action="store_true", help="print the address and models as JSON before serving")
    parser.set_defaults(run=run)


def build_server(args: argparse.Namespace) -> uvicorn.Server:
    """Load the models and configure uvicorn; raises ConvScopeError for bad models or ports."""
    import uvicorn

    from convscope.cli.options import read_classes
    from convscope.server import create_app
    from convscope.server.registry import load_models

    if not 0 <= args.port <= 65535:
        raise ConvScopeError(f"port {args.port} is out of range; use 1-65535 (0 picks a free one)")
    samples = Path(args.samples) if args.samples else None
    app = create_app(load_models(args.model or ["default"], classes=read_classes(args.classes)), samples_dir=samples)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="info" if not args.json else "warning")
    return uvicorn.Server(config)


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def check_port_free(host: str, port: int) -> None:
    """Fail with one line before uvicorn starts when the address is taken.

    uvicorn answers a busy port by exiting from inside its event loop, which
    leaves a half-closed loop behind; a plain bind first gives a clean error.
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConvScopeError(f"cannot listen on {host}: {exc.strerror}; use an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError:
            raise ConvScopeError(
                f"could not listen on {host}:{port}; is another program using the port? try --port"
            ) from None


def run(args: argparse.Namespace) -> int:
    server = build_server(args)
    check_port_free(args.host, args.port)
    url = url_of(args.host, args.port)
    app = cast("FastAPI", server.config.app)  # build_server handed uvicorn our FastAPI app
    models = app.state.service.models.ids
    if args.json:
        print_json({"url": url, "models": models})
    else:
        print(f"ConvScope serving {', '.join(models)} at {url}  (Ctrl+C stops)")
    if args.open:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind; say why in one line instead
        if server.started:
            raise
        raise ConvScopeError(f"could not listen on {args.host}:{args.port}; is another program using the port? try --port") from None
    if not server.started:
        raise ConvScopeError(f"could not listen on {args.host}:{args.port}; is another program using the port? try --port")
    return 0


def _open_when_started(server: uvicorn.Server, url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
