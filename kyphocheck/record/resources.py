"""What a record's PDF may load: files in the template folders and data: URLs, nothing else.

WeasyPrint fetches every URL a page names (stylesheets, fonts, images, `<a rel="attachment">`)
with urllib, so a site's layout could attach /etc/hostname to a clinical record or reach the
network. `TemplateFetcher` serves only files whose real path (symlinks resolved) is inside the
site's or kyphocheck's template folders, and data: URLs for inline images; it refuses anything
else. A refusal, or a file that cannot be read, stops the PDF: a record must not silently miss a
resource either, where WeasyPrint by default logs the failure and carries on.

This module imports WeasyPrint: only `render_pdf` (in a PDF worker) imports it.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ALLOWED = "a PDF may load only files in the template folders and data: URLs"


class RefusedResource(FatalURLFetchingError):  # type: ignore[misc]  # WeasyPrint: untyped
    """A URL the PDF may not load (or could not): stops WeasyPrint, which lets only this pass."""


class TemplateFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint: untyped
    """WeasyPrint's fetcher, limited to the template folders; it keeps what it refused."""

    def __init__(self, template_dirs: tuple[Path, ...]) -> None:
        super().__init__(fail_on_errors=True, allow_redirects=False)
        # As WeasyPrint makes the base URL (abspath: symlinks kept, as the URLs name them).
        self.template_dirs = tuple(Path(os.path.abspath(d)) for d in template_dirs)  # noqa: PTH100
        self.roots = tuple(Path(os.path.realpath(folder)) for folder in template_dirs)
        # (url, reason) of every refusal, also those WeasyPrint swallows (an SVG's images).
        self.refused: list[tuple[str, str]] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        """The file or data the URL names, or RefusedResource."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            try:
                return super().fetch(url, headers)
            except Exception as exc:  # noqa: BLE001 - urllib's errors for a bad data: URL
                raise self._refuse(url, f"not a valid data: URL ({exc})") from None
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            raise self._refuse(url, f"refused; {ALLOWED}")
        path = self._find(Path(url2pathname(parts.path)))
        real = Path(os.path.realpath(path))
        if not any(real.is_relative_to(root) for root in self.roots):
            raise self._refuse(url, f"refused, it is outside the template folders; {ALLOWED}")
        try:
            descriptor = os.open(real, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(descriptor, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise self._refuse(url, f"cannot be read ({exc.strerror})") from None
        content_type = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    def _find(self, path: Path) -> Path:
        """A relative URL resolves in the site's folder; a file not there, in the defaults'.

        As the templates themselves are found: the site's file replaces the default one.
        """
        first = self.template_dirs[0]
        if path.exists() or not path.is_relative_to(first):
            return path
        relative = path.relative_to(first)
        return next((d / relative for d in self.template_dirs[1:] if (d / relative).exists()), path)

    def _refuse(self, url: str, reason: str) -> RefusedResource:
        self.refused.append((url, reason))
        return RefusedResource(f"{url}: {reason}")
