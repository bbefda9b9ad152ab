"""Uploaded image bytes, content-addressed (SHA-256) in a folder every worker reads.

Several server processes behind one proxy must answer each other's image ids,
so uploads live on disk rather than in one process's memory. The folder is a
bounded least-recently-used cache: a read refreshes a file's modification
time, and writes evict the oldest files once the folder holds more than
``max_bytes`` (or ``max_files``); each process rescans after adding a
sixteenth of either, so the folder overshoots by at most that per worker. Writes are atomic (a temporary file renamed
into place) and create files with the umask's permissions, so any process of
the same user — or of a group the umask lets in — can read them.

Example:
    >>> store = UploadStore("uploads", max_bytes=1000)
    >>> image_id = store.add(b"abc")
    >>> image_id[:8], store.get(image_id)
    ('ba7816bf', b'abc')
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import uuid
import weakref
from pathlib import Path

from convscope.errors import ConvScopeError

_ID = re.compile(r"[0-9a-f]{64}")
_SUFFIX = ".img"
#: Temporary files older than this (seconds) were left by a crashed writer.
_STALE_SECONDS = 3600


def image_id_of(data: bytes) -> str:
    """The id of an image: the hex SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


class UploadStore:
    """Image bytes by id in ``folder``, at most ``max_bytes`` and ``max_files`` in all.

    Args:
        folder: where the files live; created (with the umask's permissions) when missing.
            ``None`` makes a private temporary folder removed with the store.
        max_bytes: total bytes kept; the least recently used files go first.
        max_files: files kept, so that many tiny uploads cannot make each eviction scan slow.
    """

    def __init__(
        self, folder: str | Path | None = None, *, max_bytes: int = 256 * 2**20, max_files: int = 4096
    ) -> None:
        if folder is None:
            owned = tempfile.TemporaryDirectory(prefix="convscope-uploads-")
            self._cleanup = weakref.finalize(self, owned.cleanup)
            folder = owned.name
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.max_files = max_files
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConvScopeError(f"cannot use {self.folder} for uploads: {exc.strerror or exc}") from None
        if not os.access(self.folder, os.R_OK | os.W_OK | os.X_OK):
            raise ConvScopeError(f"cannot use {self.folder} for uploads: it is not readable and writable by this user")
        # Scanning the folder on every upload costs a stat per file; this process scans
        # again once its own additions could have taken the folder over a bound.
        self._bytes_since_scan = self._files_since_scan = 0
        self._scan_every_bytes = max(1, max_bytes // 16)
        self._scan_every_files = max(1, min(16, max_files // 16))

    def path_of(self, image_id: str) -> Path | None:
        """The file for a well-formed id (64 lowercase hex digits), else ``None``: ids never name other paths."""
        return self.folder / f"{image_id}{_SUFFIX}" if _ID.fullmatch(image_id) else None

    def add(self, data: bytes) -> str:
        """Store ``data`` (once per content) and return its id."""
        image_id = image_id_of(data)
        path = self.path_of(image_id)
        assert path is not None
        if path.exists():
            _touch(path)
            return image_id
        temporary = self.folder / f".tmp-{image_id[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # os.open with 0o666 lets the umask decide the permissions (mkstemp would force 0600).
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
            _touch(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._bytes_since_scan += len(data)
        self._files_since_scan += 1
        if self._bytes_since_scan >= self._scan_every_bytes or self._files_since_scan >= self._scan_every_files:
            self.evict(keep=path)
        return image_id

    def get(self, image_id: str) -> bytes | None:
        """The bytes of an upload (marking it recently used), or ``None`` when unknown or evicted."""
        path = self.path_of(image_id)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        _touch(path)
        return data

    def __contains__(self, image_id: str) -> bool:
        path = self.path_of(image_id)
        return path is not None and path.is_file()

    def evict(self, keep: Path | None = None) -> None:
        """Remove the least recently used files until the folder is within its bounds.

        Other workers may evict at the same time; a file already gone is skipped.
        """
        self._bytes_since_scan = self._files_since_scan = 0
        entries, now = [], time.time()
        with os.scandir(self.folder) as scan:
            for entry in scan:
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if entry.name.startswith(".tmp-"):
                    if now - info.st_mtime > _STALE_SECONDS:
                        Path(entry.path).unlink(missing_ok=True)
                    continue
                if entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False):
                    entries.append((info.st_mtime_ns, info.st_size, Path(entry.path)))
        total = sum(size for _, size, _ in entries)
        count = len(entries)
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes and count <= self.max_files:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total, count = total - size, count - 1

    def total_bytes(self) -> int:
        """Bytes stored now (tests and benchmarks read it)."""
        return sum(p.stat().st_size for p in self.folder.glob(f"*{_SUFFIX}"))


def _touch(path: Path) -> None:
    # Set the time explicitly: a file system's own timestamps may be a clock tick coarse,
    # which would make several quick uploads equally old.
    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except OSError:  # evicted by another worker meanwhile, or another user's file: recency is best effort
        pass
