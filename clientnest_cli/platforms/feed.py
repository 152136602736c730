"""Local feed target: publish to an RSS 2.0 or JSON Feed 1.1 file the user names.

No network at all. The format follows the file's extension (.xml/.rss → RSS,
.json → JSON Feed). Every entry's guid is the post's idempotency key, so
``find_existing`` is certain and publishing twice never duplicates. Writers
take an exclusive ``flock`` on a sidecar ``<file>.lock`` (other processes and
threads alike), and each write goes to a temporary file in the same folder
that replaces the feed atomically: a reader never sees half a file. Temporary
files left by a writer that was killed are removed by the next write.

A feed is published, so it never names a local path: media are linked under
the account's ``media_base_url`` (``[platforms.feed] media_base_url`` in the
config) or left out, and the channel links to the ``site_url`` setting or to
nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    Credentials,
    Existence,
    MediaItem,
    OutgoingPost,
    PublishedRef,
    Violation,
)
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.platforms.base import (
    AccountContext,
    Adapter,
    Capabilities,
    Connected,
    ConnectRequest,
)
from clientnest_cli.platforms.feed_formats import (
    FORMATS,
    Attachment,
    FeedEntry,
    FeedFormatError,
    JsonFeedFormat,
    RssFormat,
)

if TYPE_CHECKING:
    import httpx

TITLE_CHARS = 80
DEFAULT_MODE = 0o644


def feed_format(path: Path) -> RssFormat | JsonFeedFormat:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(
            f"cannot tell the feed format of {path.name}",
            hint="name the file .xml or .rss (RSS 2.0) or .json (JSON Feed)",
        )
    return fmt


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Exclusive lock on ``<path>.lock`` for the read-modify-write of one publish."""
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def remove_stale_temps(path: Path) -> None:
    """Remove the temp files of writes that never finished (call with the lock held)."""
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then os.replace over ``path``.
    The caller holds the lock, so any other temp file of this feed is a stale one."""
    remove_stale_temps(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else DEFAULT_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def entry_title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…"


def attachment_for(item: MediaItem, media_base_url: str) -> Attachment | None:
    """The enclosure of ``item`` at its public URL, or None when it has none."""
    base = (media_base_url or "").rstrip("/")
    url = item.public_url or (f"{base}/{quote(item.path.name)}" if base else "")
    if not url:
        return None
    return Attachment(url=url, mime_type=item.mime_type, size=item.size, title=item.alt_text)


class FeedAdapter(Adapter):
    name = "feed"
    display_name = "Local feed"
    default_base_url = ""
    capabilities = Capabilities(
        threads=False,
        media_types=(
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/webm",
            "audio/mpeg",
        ),
        max_media=20,
        idempotency="key",
        delete=True,
        metrics=False,
        comments=False,
        auth="file",
        max_length=None,
    )

    # --- the file ----------------------------------------------------------------
    @property
    def path(self) -> Path:
        raw = self.account.credentials.extra.get("path") or self.account.settings.get("path")
        if not raw:
            raise PlatformError(
                "no feed file is configured for this account",
                platform=self.name,
                hint="connect it again with `clientnest accounts connect feed --path FILE`",
            )
        return Path(raw).expanduser()

    def _load(self, path: Path) -> Any | None:
        """The parsed document, or None when the file does not exist."""
        fmt = feed_format(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._io_error(path, exc) from exc
        try:
            return fmt.parse(data)
        except FeedFormatError as exc:
            raise PlatformError(
                f"{path} is not a valid {fmt.name} file: {exc}",
                platform=self.name,
                hint="move the file aside and connect the feed again to start a new one",
            ) from exc

    def _io_error(self, path: Path, exc: OSError) -> PlatformError:
        kind = "permanent" if isinstance(exc, PermissionError) else "retryable"
        return PlatformError(
            f"cannot write the feed file {path}: {exc.strerror or exc}",
            kind=kind,
            platform=self.name,
        )

    def _ref(self, path: Path, guid: str) -> PublishedRef:
        return PublishedRef(platform_post_id=guid, url=f"{path.resolve().as_uri()}#{guid}")

    # --- content -----------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        return validate_content(self.name, post.text, post.media)

    def publish(self, post: OutgoingPost) -> PublishedRef:
        path = self.path
        fmt = feed_format(path)
        try:
            with locked(path):
                doc = self._load(path)
                if doc is None:
                    doc = fmt.empty(self._title(path), self._link(), self._description())
                if post.idempotency_key not in fmt.guids(doc):
                    fmt.add(doc, self._entry(post))
                    atomic_write(path, fmt.serialise(doc))
        except OSError as exc:
            raise self._io_error(path, exc) from exc
        return self._ref(path, post.idempotency_key)

    def _entry(self, post: OutgoingPost) -> FeedEntry:
        base = self.account.settings.get("media_base_url", "")
        attachments = [attachment_for(m, base) for m in post.media]
        return FeedEntry(
            guid=post.idempotency_key,
            text=post.text,
            published=datetime.now(UTC).replace(microsecond=0),
            title=entry_title(post.text),
            url=self.account.settings.get("item_url", "").replace("{id}", post.idempotency_key),
            attachments=tuple(a for a in attachments if a is not None),
        )

    def _link(self) -> str:
        return self.account.settings.get("site_url", "")

    def _title(self, path: Path) -> str:
        return self.account.settings.get("title") or self.account.handle or path.stem

    def _description(self) -> str:
        return self.account.settings.get("description") or "Published with ClientNest"

    def find_existing(self, post: OutgoingPost) -> Existence:
        path = self.path
        try:
            doc = self._load(path)
        except PlatformError as exc:
            return Existence.unknown(exc.message)
        if doc is not None and post.idempotency_key in feed_format(path).guids(doc):
            return Existence.found(self._ref(path, post.idempotency_key))
        return Existence.absent()

    # --- account -----------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        path = self.path
        doc = self._load(path)
        fmt = feed_format(path)
        return AccountInfo(
            platform_user_id=str(path.resolve()),
            handle=path.name,
            display_name=fmt.title(doc) if doc is not None else "",
            posts=fmt.count(doc) if doc is not None else 0,
        )

    def refresh_token(self) -> Credentials:
        return self.account.credentials  # nothing expires: a file needs no token

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client | None = None) -> Connected:
        """Check the folder and format, then create the empty feed (an existing one is kept)."""
        if not req.path.strip():
            raise BadInput("no feed file given", hint="pass --path FILE.xml or FILE.json")
        path = Path(req.path.strip()).expanduser().absolute()
        fmt = feed_format(path)
        if not path.parent.is_dir():
            raise BadInput(
                f"folder {path.parent} does not exist",
                hint="create the folder first, or choose a file in an existing folder",
            )
        title = req.extra.get("title") or req.identifier or path.stem
        account = cls(_context(path, title))
        try:
            with locked(path):
                if path.exists():
                    account._load(path)
                else:
                    doc = fmt.empty(title, account._link(), account._description())
                    atomic_write(path, fmt.serialise(doc))
        except PlatformError as exc:
            raise BadInput(exc.message, hint=exc.hint) from exc
        except OSError as exc:
            raise BadInput(f"cannot create the feed file {path}: {exc.strerror or exc}") from exc
        credentials = Credentials(extra={"path": str(path)})
        return Connected(credentials, account.account_info(), path.as_uri())

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """Take the entry out of the feed file; no entry (or no file) is already gone."""
        path = self.path
        fmt = feed_format(path)
        try:
            with locked(path):
                doc = self._load(path)
                if doc is None or not fmt.remove(doc, ref.platform_post_id):
                    return False
                atomic_write(path, fmt.serialise(doc))
        except OSError as exc:
            raise self._io_error(path, exc) from exc
        return True


def _context(path: Path, title: str) -> AccountContext:
    return AccountContext(
        handle=title,
        base_url=path.as_uri(),
        credentials=Credentials(extra={"path": str(path)}),
        settings={"title": title},
    )
