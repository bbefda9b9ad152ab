"""Fetching one file: mirror, stream with a progress bar, verify, move into place.

A download goes to a temporary file beside its destination, its SHA-256 is
computed while it streams, and only a verified file is renamed into place, so
an interrupted, truncated or corrupted download leaves nothing behind. Every
failure is a :class:`DownloadError` with a one-line message.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from convscope.errors import ConvScopeError
from convscope.formats.download.cache import MIRROR_ENV, offline
from convscope.formats.download.registry import RemoteFile

_CHUNK = 1 << 16
_TIMEOUT_S = 60
#: Opens the temporary file (a seam for tests that simulate a full disk).
_open_part = os.fdopen


class DownloadError(ConvScopeError):
    """A download that failed: network, checksum, disk or cache folder."""


def mirrored(url: str, mirror: str | None = None) -> str:
    """``url`` with its scheme and host replaced by ``$CONVSCOPE_MIRROR`` (paths kept; a mirror path is a prefix).

    Example:
        >>> mirrored("https://download.pytorch.org/models/x.pth", "http://127.0.0.1:8080")
        'http://127.0.0.1:8080/models/x.pth'
    """
    mirror = os.environ.get(MIRROR_ENV, "") if mirror is None else mirror
    if not mirror:
        return url
    base, parts = urlsplit(mirror.rstrip("/")), urlsplit(url)
    if not base.scheme or not base.netloc:
        raise DownloadError(f"{MIRROR_ENV}={mirror!r} is not a URL; give one like http://mirror.example:8080")
    return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))


def file_digest(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def matches(digest: str, file: RemoteFile) -> bool:
    """True when ``digest`` is the file's pinned SHA-256 (or starts with its published prefix)."""
    return digest.startswith(file.sha256.lower())


def fetch(file: RemoteFile, dest: Path, *, bar: Any = None) -> Path:
    """Make ``dest`` hold ``file``: reuse a verified copy already there, else download it.

    Args:
        file: what to fetch.
        dest: where the verified file ends up.
        bar: a progress bar (``tqdm``) advanced by the bytes received, or ``None``.

    Raises:
        DownloadError: offline, unreachable, HTTP error, truncated, checksum mismatch,
            disk full or a cache folder that cannot be written.
    """
    if dest.is_file():
        if matches(file_digest(dest), file):
            return dest
        dest.unlink()  # a stale or damaged copy: fetch it again
    if offline():
        raise DownloadError(
            f"offline: {dest.name} is not in the cache; fetch {file.url} and put it at {dest} (or run without --offline)"
        )
    _make_dir(dest.parent)
    url = mirrored(file.url)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise _disk_error(exc, dest.parent) from exc
    tmp = Path(tmp_name)
    try:
        with _open_part(fd, "wb") as out:
            digest = _stream(url, out, dest.name, bar)
        if not matches(digest, file):
            raise DownloadError(
                f"{dest.name} from {url} has sha256 {digest[:16]}…, not the pinned {file.sha256[:16]}…; "
                "the file changed or the mirror serves another one, so it was not kept"
            )
        _respect_umask(tmp)
        os.replace(tmp, dest)
    except OSError as exc:
        raise _disk_error(exc, dest.parent) from exc
    finally:
        tmp.unlink(missing_ok=True)  # gone already when it was moved into place
    return dest


def _stream(url: str, out: Any, label: str, bar: Any) -> str:
    """Copy the body of ``url`` into ``out``; the hex SHA-256 of what arrived."""
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "convscope"})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response (and its socket) open
        raise DownloadError(f"download of {label} failed: HTTP {exc.code} {exc.reason} from {url}") from None
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        raise DownloadError(
            f"cannot reach {urlsplit(url).netloc} for {label} ({reason}); check the network, set {MIRROR_ENV}, "
            "or fetch the file by hand (--offline says where it goes)"
        ) from None
    except (TimeoutError, http.client.HTTPException, ConnectionError) as exc:
        raise DownloadError(
            f"download of {label} from {url} broke off ({type(exc).__name__}); run the command again"
        ) from None
    if total is not None and received != total:
        raise DownloadError(
            f"download of {label} from {url} stopped at {received:,} of {total:,} bytes; run the command again"
        )
    return digest.hexdigest()


def _make_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _disk_error(exc, folder) from exc
    if not os.access(folder, os.W_OK):
        raise DownloadError(
            f"cache folder {folder} is not writable; fix its permissions or set CONVSCOPE_HOME to another folder"
        )


def _disk_error(exc: OSError, folder: Path) -> DownloadError:
    if isinstance(exc, DownloadError):
        return exc
    if exc.errno == errno.ENOSPC:
        return DownloadError(
            f"no space left on the device holding {folder}; free some space or set CONVSCOPE_HOME elsewhere"
        )
    return DownloadError(
        f"cannot write to the cache folder {folder} ({exc.strerror or exc}); fix its permissions or set CONVSCOPE_HOME"
    )


def _respect_umask(path: Path) -> None:
    """``mkstemp`` creates files 0600; a cached download gets the mode any new file would."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


__all__ = ["DownloadError", "fetch", "file_digest", "matches", "mirrored"]
