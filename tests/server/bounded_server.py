"""A server for the memory test: warm up, cap its own address space, then serve until told to stop.

Run as ``python -m tests.server.bounded_server PORT HEADROOM_MB UPLOADS_DIR``. It builds the
64x64 RGB TinyVGG app, traces one image (so torch's threads and arenas exist),
then limits its address space to what it uses now plus ``HEADROOM_MB``, prints
``ready`` and serves on ``127.0.0.1:PORT``. A request that tries to allocate
gigabytes then fails inside this process instead of taking the machine's memory.
"""

from __future__ import annotations

import resource
import sys

import uvicorn
from fastapi.testclient import TestClient

from convscope.formats import zoo_network
from convscope.server import create_app
from tests.server.images import png


def address_space_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def main() -> None:
    port, headroom_mb, uploads = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    app = create_app({"tinyvgg": zoo_network("tinyvgg", seed=1)}, samples_dir=None, uploads=uploads)
    with TestClient(app) as client:  # warm up: threads, torch's allocator, Pillow's plugins
        for seed in range(3):
            client.post("/api/models/tinyvgg/traces", files={"file": ("a.png", png(80, 70, seed), "image/png")})
    limit = address_space_bytes() + headroom_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print("ready", limit, flush=True)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", h11_max_incomplete_event_size=64 * 1024
    )


if __name__ == "__main__":
    main()
