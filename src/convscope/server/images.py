"""Uploaded image bytes kept by their SHA-256, bounded by total size.

Keeping the bytes (not the trace) lets a reload, the back button or another
model re-trace an uploaded image without uploading it again, until newer
uploads push it out.

Example:
    >>> store = ImageStore(max_bytes=1000)
    >>> image_id = store.add(b"abc")
    >>> image_id[:8], store.get(image_id)
    ('ba7816bf', b'abc')
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict


def image_id_of(data: bytes) -> str:
    """The id of an image: the hex SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


class ImageStore:
    """Least recently used image bytes, at most ``max_bytes`` in all."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def add(self, data: bytes) -> str:
        image_id = image_id_of(data)
        with self._lock:
            if image_id in self._data:
                self._data.move_to_end(image_id)
                return image_id
            self._data[image_id] = data
            self._size += len(data)
            while self._size > self.max_bytes and len(self._data) > 1:
                _, dropped = self._data.popitem(last=False)
                self._size -= len(dropped)
        return image_id

    def get(self, image_id: str) -> bytes | None:
        with self._lock:
            data = self._data.get(image_id)
            if data is not None:
                self._data.move_to_end(image_id)
            return data
