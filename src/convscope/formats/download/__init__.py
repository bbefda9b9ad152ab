"""Models ConvScope downloads by name: a registry of URLs + sha256, and a cache.

Example:
    >>> from convscope.formats.download import ensure_model, list_downloads
    >>> "cnn-explainer" in list_downloads()
    True
    >>> ensure_model("cnn-explainer")   # fetched once, then read from the cache
    PosixPath('.../models/cnn-explainer')
"""

from convscope.formats.download.build import ensure_model, get_downloadable, is_cached
from convscope.formats.download.cache import HOME_ENV, MIRROR_ENV, OFFLINE_ENV, cache_root, download_dir, model_dir
from convscope.formats.download.fetch import DownloadError, mirrored
from convscope.formats.download.registry import Downloadable, RemoteFile, downloads, list_downloads

__all__ = [
    "HOME_ENV",
    "MIRROR_ENV",
    "OFFLINE_ENV",
    "DownloadError",
    "Downloadable",
    "RemoteFile",
    "cache_root",
    "download_dir",
    "downloads",
    "ensure_model",
    "get_downloadable",
    "is_cached",
    "list_downloads",
    "mirrored",
    "model_dir",
]
