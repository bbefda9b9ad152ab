"""Where the server finds the browser app."""

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
