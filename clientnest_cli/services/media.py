"""Media files attached to posts: what they are, and a private copy in the store.

The type is decided by the file's first bytes (magic numbers) and must agree
with its extension (``mimetypes``); size and count are checked against each
target's rules by ``domain.rules.validate_content``. A file is copied into
``media_dir/<sha256><ext>`` (folder 0700) so later changes to the original do
not change the post.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
from pathlib import Path

from clientnest_cli.domain.outgoing import MediaItem
from clientnest_cli.errors import BadInput
from clientnest_cli.paths import ensure_private_dir

_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
}
# Extensions mimetypes may answer differently on some systems.
_EXTRA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
                ".avif": "image/avif", ".mov": "video/quicktime", ".webm": "video/webm",
                ".m4v": "video/mp4"}  # fmt: skip
# Types that may be named with each other's extension without being a lie.
_COMPATIBLE = {("video/mp4", "video/quicktime"), ("video/quicktime", "video/mp4")}


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"BM":
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    return None


def type_from_name(path: Path) -> str | None:
    ext = path.suffix.lower()
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path.name)[0]


def inspect(path: Path, alt_text: str = "") -> MediaItem:
    """A MediaItem for ``path``: type (bytes and name agree), size and sha256.

    BadInput when the file is missing, unreadable, of an unknown type, or named
    as something it is not.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise BadInput(f"media file {path} not found", hint="check the path given to --media")
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            head = fh.read(64)
            digest.update(head)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        size = os.stat(path).st_size
    except OSError as exc:
        raise BadInput(f"cannot read media file {path}: {exc.strerror}") from None
    sniffed = sniff(head)
    named = type_from_name(path)
    if sniffed is None:
        raise BadInput(
            f"media file {path.name} is not an image or video ClientNest knows",
            hint="use JPEG, PNG, GIF, WebP, AVIF, MP4, MOV or WebM",
        )
    if named is not None and named != sniffed and (named, sniffed) not in _COMPATIBLE:
        raise BadInput(
            f"media file {path.name} is named {named} but its content is {sniffed}",
            hint="rename it to the right extension, or check it is the file you meant",
        )
    return MediaItem(
        path=path, mime_type=sniffed, size=size, sha256=digest.hexdigest(), alt_text=alt_text
    )


def stored_name(item: MediaItem) -> str:
    return f"{item.sha256}{_EXTENSIONS.get(item.mime_type, item.path.suffix.lower())}"


def copy_into_store(item: MediaItem, media_dir: Path) -> str:
    """Copy the file into the media folder (once per content); its name there."""
    ensure_private_dir(media_dir)
    name = stored_name(item)
    target = media_dir / name
    if not target.exists():
        tmp = media_dir / f".{name}.tmp"
        shutil.copyfile(item.path, tmp)
        os.chmod(tmp, 0o600)
        if _sha256(tmp) != item.sha256:
            tmp.unlink(missing_ok=True)
            raise BadInput(
                f"media file {item.path.name} changed while it was being read",
                hint="try again once the file is complete",
            )
        os.replace(tmp, target)
    return name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
