"""Training runs started from the web app: one ``convscope train --live`` process at a time.

A run from the page is the same command a user would type (``command_for`` of
the CLI), started as a child process of the server, so training never blocks
the explainer's requests and the page's run and the CLI's are one thing: both
write an ordinary run folder under ``serve --runs DIR``, which the page lists
and the CLI can ``--resume``.

- **One at a time**: a lock file in the runs folder holds the training
  process's id, so a second Start is refused even from another worker process
  of ``serve --workers N``.
- **Pause** sends SIGSTOP, **resume** SIGCONT; **stop** ends the process (SIGTERM);
  **continue** starts ``convscope train --resume``, which goes on from the last
  finished epoch's checkpoint — also after a server restart.
- The child ends when the server does: :meth:`TrainingRuns.close` stops it on
  shutdown, and the child itself exits when its parent is gone
  (``CONVSCOPE_EXIT_WITH_PARENT``), should the server be killed outright.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convscope.display import png_data_url
from convscope.errors import ConvScopeError, NotFoundError
from convscope.training.config import TrainConfig
from convscope.training.live import EXIT_WITH_PARENT_ENV, LIVE_NAME, LiveLog, read_events

LOCK_NAME = ".training.lock"
LOG_NAME = "train.log"  # one of training.run.SESSION_FILES
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Events after which a run's process has ended on its own account.
TERMINAL = ("done", "error", "stopped")
#: Samples an augmentation preview may show: a strip beside a control, not a dataset dump.
MAX_PREVIEW_SAMPLES = 12
#: Side of a folder dataset's images in a preview (as ``convscope augment-preview --size``).
PREVIEW_SIZE = 64


class ConflictError(ConvScopeError):
    """Another run is training (HTTP 409)."""

    status = 409


@dataclass
class Active:
    """The run this server is training now."""

    name: str
    process: subprocess.Popen[bytes]
    paused: bool = False
    stopping: bool = False  # the server asked it to end
    config: TrainConfig | None = None  # what it was started with (its config.json comes once its data is read)
    reaper: threading.Thread | None = None  # writes the process's last word to its events when it ends


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TrainingRuns:
    """The run folders under ``root`` and the one training process, if any.

    Args:
        root: the runs folder (``serve --runs``), created when the first run starts.
        datasets: the datasets a page may train on, by the name it shows:
            ``fashion-mnist`` when installed, and ``serve --data`` folders.
    """

    def __init__(self, root: str | Path, datasets: Mapping[str, str]) -> None:
        self.root = Path(root)
        self.datasets = dict(datasets)
        self.active: Active | None = None
        self._guard = threading.Lock()
        #: Called with (name, folder) when a run this server started finishes (offers its model).
        self.on_finished: Callable[[str, Path], object] | None = None
        #: The last finished run whose test images were judged: (name, model time) -> (test set, predictions).
        self._judged: dict[tuple[str, int], tuple[Any, Any]] = {}
        #: The dataset the augmentation previews were last drawn from: name -> its training split.
        self._samples: dict[str, Any] = {}

    # --- reading runs
    def folder(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ConvScopeError(
                f"run name '{name[:80]}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        return self.root / name

    def existing(self, name: str) -> Path:
        folder = self.folder(name)
        starting = self.active is not None and self.active.name == name
        if not starting and not (folder / "config.json").is_file():
            raise NotFoundError(f"no training run '{name}' in {self.root}")
        return folder

    def status(self, name: str) -> str:
        """running, paused, finished, failed, stopped or interrupted (a server restart, a killed process)."""
        folder = self.existing(name)
        events, _ = read_events(folder / LIVE_NAME)
        last = next((e["type"] for e in reversed(events) if e.get("type") in (*TERMINAL, "start")), None)
        # "done" is the process's last word: finished, though the process may still be exiting.
        if (folder / "model" / "model.json").exists() and last in (None, "done"):
            return "finished"
        active = self.active
        if active is not None and active.name == name and active.process.poll() is None:
            return "paused" if active.paused else "running"
        return {"error": "failed", "stopped": "stopped"}.get(last or "", "interrupted")

    def describe(self, name: str) -> dict[str, Any]:
        from convscope.training.run import read_run_config

        folder = self.existing(name)
        status = self.status(name)
        active = self.active
        if active is not None and active.name == name and active.config is not None:
            config = active.config
        else:
            config = read_run_config(folder)
        return {
            "name": name,
            "status": status,
            "config": config.to_dict(),
            "resumable": status in ("stopped", "interrupted", "failed"),
            "model": f"run-{name}" if status == "finished" else None,
            "message": self._message(folder) if status == "failed" else None,
        }

    def all(self) -> list[dict[str, Any]]:
        if not self.root.is_dir():
            return []
        active = self.active.name if self.active is not None else None
        names = sorted(
            (
                p.name
                for p in self.root.iterdir()
                if _NAME.match(p.name) and ((p / "config.json").is_file() or p.name == active)
            ),
            key=lambda n: (self.root / n).stat().st_mtime,
            reverse=True,
        )
        return [self.describe(n) for n in names]

    def _message(self, folder: Path) -> str:
        events, _ = read_events(folder / LIVE_NAME)
        for event in reversed(events):
            if event.get("type") == "error":
                return str(event.get("message", ""))
        return _last_line(folder / LOG_NAME)

    # --- starting and steering the process
    def config_from(self, request: Mapping[str, Any]) -> TrainConfig:
        """The TrainConfig a page's form describes, checked by TrainConfig as the CLI's flags are."""
        source = self.source(str(request.get("data", "fashion-mnist")))
        fields = {k: v for k, v in request.items() if k not in ("name", "data")}
        try:
            return TrainConfig(**{**fields, "data": source})
        except TypeError as exc:  # an unknown field
            raise ConvScopeError(f"unknown training setting: {exc}") from None

    def source(self, data: str) -> str:
        """Where dataset ``data`` (a name the page shows) is read from; a name this server does not offer fails."""
        if data not in self.datasets:
            offered = ", ".join(self.datasets) or "none (install Debian's dataset-fashion-mnist or pass serve --data)"
            raise ConvScopeError(f"unknown dataset '{data[:80]}'; this server offers: {offered}")
        return self.datasets[data]

    def check(self, config: TrainConfig) -> dict[str, Any]:
        """What ``convscope train`` checks before it trains: the data, the architecture and that they fit."""
        from convscope.training.run import build_model, prepare

        prepared = prepare(config)
        build_model(config, prepared)
        return {
            "classes": list(prepared.classes),
            "train_images": len(prepared.train),
            "val_images": len(prepared.val) if prepared.val is not None else 0,
            "input_shape": list(prepared.spec.shape),
        }

    def start(self, name: str, config: TrainConfig) -> dict[str, Any]:
        folder = self.folder(name)
        if folder.exists():
            raise ConvScopeError(f"a run named '{name}' exists already; choose another name or continue that run")
        from convscope.cli.train import arguments_for

        return self._spawn(name, [*arguments_for(config), "--out", str(folder)], resume=False, config=config)

    def resume(self, name: str) -> dict[str, Any]:
        from convscope.training.run import read_run_config

        folder = self.existing(name)
        if self.status(name) == "finished":
            raise ConvScopeError(f"run '{name}' has finished; start a new run to train more")
        return self._spawn(name, ["--out", str(folder), "--resume"], resume=True, config=read_run_config(folder))

    def _spawn(self, name: str, arguments: list[str], *, resume: bool, config: TrainConfig) -> dict[str, Any]:
        with self._guard:
            self._refuse_if_busy()
            self.root.mkdir(parents=True, exist_ok=True)
            folder = self.folder(name)
            if not resume:
                folder.mkdir()
            command = [sys.executable, "-m", "convscope", "train", *arguments, "--live"]
            env = {**os.environ, EXIT_WITH_PARENT_ENV: str(os.getpid()), "PYTHONUNBUFFERED": "1"}
            with open(folder / LOG_NAME, "ab") as log:
                process = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
                )
            self._lock(process.pid)
            self.active = Active(name, process, config=config)
            self.active.reaper = threading.Thread(target=self._reap, args=(self.active,), daemon=True)
            self.active.reaper.start()
        return {"name": name, "status": "running", "pid": process.pid}

    def _refuse_if_busy(self) -> None:
        if self.active is not None and self.active.process.poll() is None:
            raise ConflictError(
                f"run '{self.active.name}' is training; stop it or wait for it to finish, one run at a time"
            )
        lock = self.root / LOCK_NAME
        try:
            pid = int(lock.read_text().strip() or 0)
        except (OSError, ValueError):
            return
        if pid and _alive(pid):
            raise ConflictError("another ConvScope process is training in this runs folder; one run at a time")

    def _lock(self, pid: int) -> None:
        from convscope.atomic import write_atomic

        write_atomic(self.root / LOCK_NAME, lambda f: f.write(str(pid).encode()))

    def _reap(self, active: Active) -> None:
        """Wait for the process; a process that died without a last word gets one from its log."""
        code = active.process.wait()
        folder = self.folder(active.name)
        events, _ = read_events(folder / LIVE_NAME)
        ended = bool(events) and events[-1].get("type") in TERMINAL
        if not ended and code != 0:
            live = LiveLog(folder / LIVE_NAME)
            if active.stopping:
                live.emit("stopped", reason="stopped from the page", step=_last_step(events))
            elif code < 0:
                live.emit("error", message=f"the training process was killed (signal {-code})", code=code)
            else:
                live.emit("error", message=_last_line(folder / LOG_NAME), code=code)
        with contextlib.suppress(OSError):
            if (self.root / LOCK_NAME).read_text().strip() == str(active.process.pid):
                (self.root / LOCK_NAME).unlink()
        if code == 0 and self.on_finished is not None:
            with contextlib.suppress(ConvScopeError):  # the page can still open it by hand
                self.on_finished(active.name, folder)

    def _running(self, name: str) -> Active:
        active = self.active
        if active is None or active.name != name or active.process.poll() is not None:
            self.existing(name)
            raise ConvScopeError(f"run '{name}' is not training now")
        return active

    def pause(self, name: str) -> dict[str, Any]:
        active = self._running(name)
        if not active.paused:
            active.process.send_signal(signal.SIGSTOP)
            active.paused = True
            LiveLog(self.folder(name) / LIVE_NAME).emit("paused")
        return self.describe(name)

    def unpause(self, name: str) -> dict[str, Any]:
        active = self._running(name)
        if active.paused:
            active.process.send_signal(signal.SIGCONT)
            active.paused = False
            LiveLog(self.folder(name) / LIVE_NAME).emit("resumed")
        return self.describe(name)

    def stop(self, name: str, timeout: float = 30.0) -> dict[str, Any]:
        active = self._running(name)
        self._end(active, timeout)
        return self.describe(name)

    def _end(self, active: Active, timeout: float) -> None:
        active.stopping = True
        if active.paused:
            active.process.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
            active.paused = False
        active.process.terminate()
        try:
            active.process.wait(timeout)
        except subprocess.TimeoutExpired:
            active.process.kill()
            active.process.wait()
        if active.reaper is not None:  # the "stopped" event is written before Stop answers
            active.reaper.join(timeout)

    def close(self) -> None:
        """Stop the training process (server shutdown)."""
        active = self.active
        if active is not None and active.process.poll() is None:
            self._end(active, 10.0)

    def misclassified(self, name: str, true: int, predicted: int, limit: int = 24) -> dict[str, Any]:
        """The test images of one confusion-matrix cell (class ``true`` predicted as ``predicted``), as PNG data URLs.

        The finished model is run over the run's test set once, in the batches
        :func:`~convscope.training.evaluation.evaluate` used, so each cell's count is test.json's.
        """
        from convscope.formats import load_model
        from convscope.training.evaluation import predictions
        from convscope.training.run import prepare, read_run_config

        if self.status(name) != "finished":
            raise ConvScopeError(f"run '{name}' has not finished; its test images are judged when training ends")
        folder = self.existing(name)
        key = (name, (folder / "model" / "model.json").stat().st_mtime_ns)
        if key not in self._judged:
            network = load_model(folder / "model")
            test = prepare(read_run_config(folder)).test
            self._judged = {key: (test, predictions(network.module, test, network.input_spec))}
        test, predicted_all = self._judged[key]
        k = len(test.classes)
        if not (0 <= true < k and 0 <= predicted < k):
            raise ConvScopeError(f"classes are numbered 0 to {k - 1}; got true={true}, predicted={predicted}")
        cell = ((test.labels == true) & (predicted_all == predicted)).nonzero().flatten()
        images = [{"index": index, "png": _chw_png(test.images[index])} for index in cell[:limit].tolist()]
        return {
            "true": true,
            "predicted": predicted,
            "true_class": test.classes[true],
            "predicted_class": test.classes[predicted],
            "count": len(cell),
            "images": images,
        }

    def augment_preview(self, data: str, augment: list[str], *, count: int, seed: int) -> dict[str, Any]:
        """Each augmentation's effect on ``count`` seeded training samples of dataset ``data`` (a name
        this server offers), as :func:`~convscope.data.preview.preview_grid` draws them, in PNG data URLs."""
        from convscope.data.augment import Augmentation
        from convscope.data.preview import pick_samples, preview_grid, to_bytes

        augmentation = Augmentation.parse(augment)  # a bad setting fails before the data is read
        if not 1 <= count <= MAX_PREVIEW_SAMPLES:
            raise ConvScopeError(f"--count must be from 1 to {MAX_PREVIEW_SAMPLES}, got {count}")
        if not 0 <= seed < 2**63:
            raise ConvScopeError(f"--seed must be from 0 to 2**63 - 1, got {seed}")
        samples = self._preview_data(data)
        count = min(count, len(samples))
        titles, columns = preview_grid(samples, augmentation, count=count, seed=seed)
        labels = [samples.classes[int(samples.labels[i])] for i in pick_samples(samples, count, seed)]
        return {
            "data": data,
            "augment": augmentation.names(),
            "seed": seed,
            "samples": labels,
            "columns": [
                {"title": title, "images": [_chw_png(image) for image in to_bytes(images)]}
                for title, images in zip(titles, columns, strict=True)
            ],
        }

    def _preview_data(self, data: str) -> Any:
        """The training split of an offered dataset, loaded once (a preview asks for it on every change)."""
        from convscope.data.sources import is_idx_source, load_dataset
        from convscope.inputs import InputSpec

        source = self.source(data)
        if data not in self._samples:
            spec = None if is_idx_source(source) else InputSpec(3, PREVIEW_SIZE, PREVIEW_SIZE)
            self._samples = {data: load_dataset(source, split="train", spec=spec)}  # one dataset held at a time
        return self._samples[data]

    def metrics(self, name: str) -> dict[str, Any]:
        """A run's per-epoch records as its ``metrics.json`` holds them (none before its first epoch ends)."""
        import json

        folder = self.existing(name)
        try:
            epochs = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["epochs"]
        except FileNotFoundError:
            epochs = []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConvScopeError(f"run '{name}' has an unreadable metrics.json: {exc}") from None
        return {"name": name, "status": self.status(name), "epochs": epochs}

    def events(self, name: str, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        return read_events(self.existing(name) / LIVE_NAME, offset)


def _chw_png(pixels: Any) -> str:
    """One uint8 image tensor ``(C, H, W)`` (1 or 3 channels) as a ``data:image/png`` URL."""
    return png_data_url(pixels.permute(1, 2, 0).numpy())  # (H, W, C)


def _last_step(events: list[dict[str, Any]]) -> int | None:
    return next((int(e["step"]) for e in reversed(events) if e.get("type") == "step"), None)


def _last_line(path: Path) -> str:
    """The last non-empty line of a process's output: its one-line error."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return "the training process ended without a message"
    words = [line for line in lines if line]
    return words[-1][:400] if words else "the training process ended without a message"
