"""The lineage explorer at ``/ui``: static files, built from ``ui/`` by npm and shipped in the
package, so ``pip install .`` needs no Node.

The page signs its calls to stemma's own public API with SigV4 in the browser; there is no second,
unauthenticated API. Files are served with a strict Content-Security-Policy: nothing loads from
outside this server. This module only maps paths to files; it imports no service or store.
"""

from __future__ import annotations

import mimetypes
from importlib import resources
from importlib.abc import Traversable

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def static_root() -> Traversable:
    return resources.files(__package__).joinpath("static")


def resolve(path: str) -> tuple[bytes, str] | None:
    """The file for a ``/ui`` path and its content type; the app shell for unknown routes
    without an extension (the page routes in the browser), None when nothing matches."""
    relative = path.removeprefix("/ui").lstrip("/")
    parts = [p for p in relative.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None
    root = static_root()
    target = root.joinpath(*parts) if parts else root.joinpath("index.html")
    if not target.is_file():
        if parts and "." in parts[-1]:
            return None
        target = root.joinpath("index.html")
        if not target.is_file():
            return None
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"
    return target.read_bytes(), content_type
