"""``convscope serve``: the explainer app in the browser, on this machine.

Example:
    convscope serve --model default --model tinyvgg --port 8000 --open
    convscope serve --host 0.0.0.0 --workers 2 --allowed-host convscope.example.org
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, cast

from convscope.cli import print_json
from convscope.errors import ConvScopeError
from convscope.server.budget import MIN_CACHE_MB
from convscope.server.protocol import DEFAULT_READ_TIMEOUT, ServeConfig

#: The names a loopback-only server is reached by.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_ALL_INTERFACES = ("0.0.0.0", "::", "")

if TYPE_CHECKING:
    import uvicorn


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
    parser.add_argument(
        "--classes", metavar="FILE", help="class names, one per line, for model files that carry none (TF.js, ONNX)"
    )
    parser.add_argument(
        "--samples",
        metavar="DIR",
        help="a folder of images to add to every model's gallery (labels from sub-folder names or a samples.json)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--open", action="store_true", help="open the page in the default browser once the server is up"
    )
    parser.add_argument("--json", action="store_true", help="print the address and models as JSON before serving")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port; uploads live in --upload-dir so each answers the others' images (default 1)",
    )
    parser.add_argument(
        "--upload-dir",
        metavar="DIR",
        help="folder every worker keeps uploads in, bounded and least-recently-used (default: a temporary folder removed on exit)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name the server may be reached by, e.g. behind a proxy (repeatable; '*' for any). "
        "Loopback names, and for --host 0.0.0.0 this machine's names and addresses, are always allowed",
    )
    parser.add_argument(
        "--cache-mb",
        type=int,
        default=None,
        metavar="MB",
        help="memory for recent traces, least recently used dropped first (per worker; "
        "default min(1024, a quarter of this machine's memory))",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help=f"close a connection whose request (headers and body) takes longer than this to arrive (default {DEFAULT_READ_TIMEOUT:g})",
    )
    parser.add_argument(
        "--runs", default="runs", metavar="DIR",
        help="run folder of the Train page (/train): runs started there are written here, as convscope train writes them (default runs)",
    )  # fmt: skip
    parser.add_argument(
        "--data", action="append", default=[], metavar="DIR",
        help="a class-per-folder image set the Train page offers besides Fashion-MNIST (repeatable)",
    )  # fmt: skip
    parser.set_defaults(run=run)


def build_server(args: argparse.Namespace) -> uvicorn.Server:
    """Load the models and configure uvicorn; raises ConvScopeError for bad models or options."""
    import uvicorn

    from convscope.cli.options import read_classes
    from convscope.server import create_app, torch_thread
    from convscope.server.app import SERVE_CONFIG_ENV
    from convscope.server.registry import load_models

    check_options(args)
    # On the thread that will run every trace: loading runs forward passes (see torch_thread).
    networks = torch_thread.call(load_models, args.model or ["default"], classes=read_classes(args.classes))
    samples = Path(args.samples) if args.samples else None
    workers = getattr(args, "workers", 1)
    options = _uvicorn_options(args)
    if workers == 1:
        app = create_app(
            networks,
            samples_dir=samples,
            uploads=getattr(args, "upload_dir", None),
            allowed_hosts=allowed_hosts_for(args),
            runs_dir=getattr(args, "runs", None),
            train_data=getattr(args, "data", ()),
            cache_mb=getattr(args, "cache_mb", None),
        )
        config = ServeConfig(app, **options)
    else:
        # Each worker process loads the models itself, from the same specs, through an app factory.
        os.environ[SERVE_CONFIG_ENV] = json.dumps(
            {
                "models": args.model or ["default"],
                "classes": read_classes(args.classes),
                "samples": str(samples) if samples else None,
                "uploads": args.upload_dir,
                "allowed_hosts": allowed_hosts_for(args),
                "runs": getattr(args, "runs", None),
                "data": getattr(args, "data", []),
                "cache_mb": getattr(args, "cache_mb", None),
            }
        )
        # A worker imports torch and loads every model before it answers uvicorn's health
        # check, which takes far longer than uvicorn's 5 s default on a busy machine.
        config = ServeConfig(
            "convscope.server.app:app_from_environment",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=300,
            **options,
        )
    config.model_ids = list(networks)
    config.read_timeout = getattr(args, "read_timeout", DEFAULT_READ_TIMEOUT)  # read by DeadlineH11Protocol
    return uvicorn.Server(config)


def check_options(args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        raise ConvScopeError(f"port {args.port} is out of range; use 1-65535 (0 picks a free one)")
    if not 1 <= getattr(args, "workers", 1) <= 64:
        raise ConvScopeError(f"--workers {args.workers} is out of range; use 1-64")
    if getattr(args, "workers", 1) > 1 and not getattr(args, "upload_dir", None):
        raise ConvScopeError("--workers above 1 needs --upload-dir, a folder every worker reads uploads from")
    cache_mb = getattr(args, "cache_mb", None)
    if cache_mb is not None and not MIN_CACHE_MB <= cache_mb <= 2**20:
        raise ConvScopeError(f"--cache-mb {cache_mb} is out of range; use {MIN_CACHE_MB}-{2**20} megabytes")
    if not 0 < getattr(args, "read_timeout", DEFAULT_READ_TIMEOUT) <= 3600:
        raise ConvScopeError(
            f"--read-timeout {args.read_timeout:g} is out of range; use more than 0 and at most 3600 seconds"
        )


def _uvicorn_options(args: argparse.Namespace) -> dict:
    from convscope.server.protocol import DeadlineH11Protocol

    return {
        "host": args.host,
        "port": args.port,
        "log_level": "info" if not args.json else "warning",
        "http": DeadlineH11Protocol,
        "timeout_keep_alive": 5,
        # Let request heads up to 64 KB reach the app, which refuses long URLs with a JSON 414
        # (h11's own 16 KB limit answers a bare 400 instead).
        "h11_max_incomplete_event_size": 64 * 1024,
    }


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


def allowed_hosts_for(args: argparse.Namespace) -> list[str] | None:
    """The ``Host`` names served: loopback names, this machine's when listening beyond it, and --allowed-host."""
    extra = list(getattr(args, "allowed_host", None) or [])
    if "*" in extra:
        return None
    names = [*LOOPBACK_NAMES, *extra]
    if not is_loopback(args.host):
        names += [args.host] if args.host not in _ALL_INTERFACES else machine_names()
    return sorted({n.lower() for n in names if n})


def machine_names() -> list[str]:
    """This machine's host names and addresses (no network traffic: only local look-ups)."""
    names = {socket.gethostname(), socket.getfqdn()}
    for name in list(names):
        try:
            names.update(str(info[4][0]) for info in socket.getaddrinfo(name, None))
        except OSError:
            pass
    return sorted(n.split("%")[0] for n in names if n)


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in _ALL_INTERFACES else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def urls_of(host: str, port: int) -> list[str]:
    """Every URL the server answers on: one per address of this machine when listening on all of them."""
    if host not in _ALL_INTERFACES:
        return [url_of(host, port)]
    v6 = host == "::"
    found = [n for n in machine_names() if _is_address(n) and (v6 or ":" not in n)]
    return [url_of("127.0.0.1", port), *(url_of(a, port) for a in found if not a.startswith("127.") and a != "::1")]


def _is_address(text: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, text)
            return True
        except OSError:
            pass
    return False


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
    made = None
    if not args.upload_dir:  # a private folder for this run, removed however it ends
        made = args.upload_dir = tempfile.mkdtemp(prefix="convscope-uploads-")
    # uvicorn stops on SIGTERM and then raises the signal again; its default action would
    # end the process before the finally below removes the folder.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _serve(args)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(args: argparse.Namespace) -> int:
    server = build_server(args)
    check_port_free(args.host, args.port)
    urls = urls_of(args.host, args.port)
    config = cast(ServeConfig, server.config)
    models = config.model_ids
    if not is_loopback(args.host):
        print(
            f"convscope: warning: listening on {args.host or 'all interfaces'}, not only this machine: anyone who can reach "
            "it can upload images and use the CPU; put it behind a proxy with authentication for real deployments",
            file=sys.stderr,
        )
    if args.json:
        print_json({"url": urls[0], "urls": urls, "models": models, "workers": config.workers})
    else:
        print(f"ConvScope serving {', '.join(models)} at {' and '.join(urls)}  (Ctrl+C stops)")
    if args.open:
        threading.Thread(target=_open_when_started, args=(server, urls[0]), daemon=True).start()
    if config.workers > 1:
        return _run_workers(config)
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind; say why in one line instead
        if server.started:
            raise
        raise ConvScopeError(
            f"could not listen on {args.host}:{args.port}; is another program using the port? try --port"
        ) from None
    if not server.started:
        raise ConvScopeError(
            f"could not listen on {args.host}:{args.port}; is another program using the port? try --port"
        )
    return 0


def _run_workers(config: uvicorn.Config) -> int:
    from uvicorn.supervisors import Multiprocess

    try:
        sock = config.bind_socket()
    except SystemExit:
        raise ConvScopeError(
            f"could not listen on {config.host}:{config.port}; is another program using the port? try --port"
        ) from None
    Multiprocess(config, sockets=[sock]).run()
    return 0


def _open_when_started(server: uvicorn.Server, url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
