"""Reading inputs that arrive as URLs (``referenceImageUrl``, reference audio) and naming upload files."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlparse

from ..errors import InvalidRequest
from .settings import ServerSettings

MAX_FETCH_BYTES = 20 * 2**20
UPLOAD_PREFIX = "/public/uploads/"


def local_upload(settings: ServerSettings, url: str) -> Path | None:
    """The file behind a URL of this server's uploads (absolute or relative), or ``None``."""
    path = urlparse(url).path if "://" in url else url
    if not path.startswith(UPLOAD_PREFIX):
        return None
    name = path[len(UPLOAD_PREFIX):]
    root = settings.uploads_dir.resolve()
    target = (root / name).resolve()
    if root not in target.parents or not target.is_file():
        return None
    return target


def fetch_bytes(settings: ServerSettings, url: str, *, field: str) -> bytes:
    """The bytes behind ``url``: one of this server's uploads, a ``data:`` URL, or an http(s) URL
    (fetched with a 10 s timeout, at most 20 MiB)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidRequest(f"{field}: must be a URL", field=field)
    url = url.strip()
    local = local_upload(settings, url)
    if local is not None:
        return local.read_bytes()
    if url.startswith("data:"):
        head, _, data = url.partition(",")
        try:
            return base64.b64decode(data) if head.endswith(";base64") else data.encode()
        except ValueError:
            raise InvalidRequest(f"{field}: the data: URL is not valid base64", field=field) from None
    scheme = urlparse(url).scheme
    if scheme not in ("http", "https"):
        raise InvalidRequest(f"{field}: must be an http(s) URL, a data: URL or a /public/uploads/ path "
                             f"(got {url[:60]!r})", field=field)
    import httpx

    try:
        with httpx.stream("GET", url, timeout=10.0, follow_redirects=True) as r:
            r.raise_for_status()
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > MAX_FETCH_BYTES:
                    raise InvalidRequest(f"{field}: the file is larger than 20 MiB", field=field)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise InvalidRequest(f"{field}: could not download {url[:80]!r} ({exc})", field=field) from None
