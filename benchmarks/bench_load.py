"""Load: many concurrent clients against a local ``convscope serve`` (uploads, traces, layers, explain).

Usage: python benchmarks/bench_load.py [--clients 50] [--seconds 20] [--workers 1] [--model default]

Starts the server as a subprocess on a free loopback port, then:
- warm-up: a few requests of every kind;
- baseline: one client alone for a few seconds (latency of an unloaded server);
- load: ``--clients`` clients for ``--seconds`` seconds, each looping over a mix of
  uploads of new images (20 %), trace reads (20 %), layer reads (40 %) and explain
  requests (20 %), of its own uploads and the bundled samples.
Prints the request rate, p50/p95/p99 latency (and p50 as a ratio to the one-client
baseline), the error count (any status >= 400 or transport error) and the server's
resident memory before and after the load and its peak (VmHWM, all workers).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

# ---- config ------------------------------------------------------------------
CLIENTS = 50
SECONDS = 20.0
BASELINE_SECONDS = 4.0
MODEL = "default"
MIX = (("upload", 0.2), ("trace", 0.2), ("layers", 0.4), ("explain", 0.2))
# -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def image_bytes(rng: random.Random, size: int) -> bytes:
    from PIL import Image

    pixels = rng.randbytes(size * size)
    buffer = io.BytesIO()
    Image.frombytes("L", (size, size), pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def rss_kb(pid: int) -> tuple[int, int]:
    """Resident and peak resident kilobytes of ``pid`` and its children (the workers)."""
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    rss = peak = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    peak += int(line.split()[1])
        except OSError:
            pass
    return rss, peak


class Client:
    """One simulated user: uploads images and reads what the page would read."""

    def __init__(self, http, model: str, samples: list[str], layers: list[str], seed: int) -> None:
        self.http, self.model, self.layers = http, model, layers
        self.rng = random.Random(seed)
        self.images = list(samples)

    async def one(self) -> tuple[str, float, bool]:
        kind = self.rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        image = self.rng.choice(self.images)
        base = f"api/models/{self.model}/traces"
        start = time.perf_counter()
        try:
            if kind == "upload":
                data = image_bytes(self.rng, self.rng.choice([28, 40, 64]))
                response = await self.http.post(base, files={"file": ("load.png", data, "image/png")})
                if response.status_code == 200:
                    self.images.append(response.json()["image"])
            elif kind == "trace":
                response = await self.http.get(f"{base}/{image}")
            elif kind == "layers":
                names = ",".join(self.rng.sample(self.layers, min(4, len(self.layers))))
                response = await self.http.get(f"{base}/{image}/layers", params={"names": names, "first": "8"})
            else:
                params = {"channel": "0", "y": str(self.rng.randrange(8)), "x": str(self.rng.randrange(8))}
                response = await self.http.get(f"{base}/{image}/layers/conv_1_1/explain", params=params)
            ok = response.status_code < 400
        except Exception:  # noqa: BLE001 - a transport error is an error like a 5xx
            ok = False
        return kind, time.perf_counter() - start, ok


async def drive(url: str, clients: int, seconds: float, model: str, seed: int) -> list[tuple[str, float, bool]]:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        listed = (await http.get(f"api/models/{model}")).json()
        layers = [layer["name"] for layer in listed["layers"] if layer["name"] != "input"]
        samples = [s["id"] for s in (await http.get("api/samples")).json()] or ["missing"]
        users = [Client(http, model, samples, layers, seed + i) for i in range(clients)]
        results: list[tuple[str, float, bool]] = []
        stop = time.perf_counter() + seconds

        async def loop(user: Client) -> None:
            while time.perf_counter() < stop:
                results.append(await user.one())

        await asyncio.gather(*(loop(u) for u in users))
        return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(model: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "convscope", "serve", "-m", model, "--port", str(port), "--json"]
    command += ["--workers", str(workers)] if workers > 1 else []
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    import httpx

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx.get(url + "api/models", timeout=5).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 300 s")


def report(label: str, results: list[tuple[str, float, bool]], seconds: float) -> float:
    latencies = [t for _, t, _ in results]
    errors = sum(1 for _, _, ok in results if not ok)
    p50 = percentile(latencies, 0.5)
    print(
        f"{label:9s} {len(results):6d} requests  {len(results) / seconds:7.1f} req/s  "
        f"p50 {p50 * 1e3:7.1f} ms  p95 {percentile(latencies, 0.95) * 1e3:7.1f} ms  "
        f"p99 {percentile(latencies, 0.99) * 1e3:7.1f} ms  errors {errors}"
    )
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--model", default=MODEL)
    args = parser.parse_args()
    print(
        f"bench_load: {args.clients} clients x {args.seconds:g} s, model {args.model}, {args.workers} worker(s), {os.cpu_count()} CPUs"
    )
    process, url = start_server(args.model, args.workers)
    try:
        asyncio.run(drive(url, 2, 1.0, args.model, seed=0))  # warm-up
        before = rss_kb(process.pid)
        baseline = asyncio.run(drive(url, 1, BASELINE_SECONDS, args.model, seed=100))
        base_p50 = report("1 client", baseline, BASELINE_SECONDS)
        start = time.perf_counter()
        loaded = asyncio.run(drive(url, args.clients, args.seconds, args.model, seed=1000))
        elapsed = time.perf_counter() - start
        p50 = report(f"{args.clients} clients", loaded, elapsed)
        after = rss_kb(process.pid)
        kinds = {k: [t for kind, t, _ in loaded if kind == k] for k, _ in MIX}
        print(
            "by kind   "
            + "  ".join(f"{k} {len(v)} p50 {statistics.median(v) * 1e3:.0f} ms" for k, v in kinds.items() if v)
        )
        print(f"p50 under load / alone: {p50 / base_p50:.1f}x")
        print(
            f"server RSS before {before[0] / 1024:.0f} MB  after {after[0] / 1024:.0f} MB  peak {after[1] / 1024:.0f} MB"
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
