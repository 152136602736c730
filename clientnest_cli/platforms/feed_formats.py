"""The two feed file formats the local feed target writes: RSS 2.0 and JSON Feed 1.1.

Each format parses a file's bytes into a document, lists the entries' guids,
adds an entry (newest first) and serialises the document back. Entries are
``FeedEntry`` values; an entry's guid is the post's idempotency key.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any, ClassVar

MEDIA_NS = "http://search.yahoo.com/mrss/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "ClientNest"


class FeedFormatError(ValueError):
    """The file is not a feed of the expected format."""


@dataclass(frozen=True)
class Attachment:
    url: str
    mime_type: str
    size: int
    title: str = ""


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    text: str
    published: datetime
    title: str = ""
    url: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def text_to_html(text: str) -> str:
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br />") + "</p>" for p in paragraphs)


class RssFormat:
    """RSS 2.0; the first attachment is the <enclosure>, all are <media:content>."""

    name: ClassVar[str] = "RSS 2.0"

    def empty(self, title: str, link: str, description: str) -> ET.Element:
        ET.register_namespace("media", MEDIA_NS)
        rss = ET.Element("rss", {"version": "2.0"})
        channel = ET.SubElement(rss, "channel")
        for tag, value in (("title", title), ("link", link), ("description", description)):
            ET.SubElement(channel, tag).text = value
        ET.SubElement(channel, "generator").text = GENERATOR
        return rss

    def parse(self, data: bytes) -> ET.Element:
        ET.register_namespace("media", MEDIA_NS)
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            raise FeedFormatError(f"not valid XML ({exc})") from exc
        if root.tag != "rss" or root.find("channel") is None:
            raise FeedFormatError("no <rss><channel> element")
        return root

    def guids(self, doc: ET.Element) -> list[str]:
        return [(g.text or "").strip() for g in doc.iterfind("channel/item/guid")]

    def add(self, doc: ET.Element, entry: FeedEntry) -> None:
        channel = doc.find("channel")
        assert channel is not None  # checked by parse()/empty()
        item = ET.Element("item")
        ET.SubElement(item, "title").text = entry.title
        if entry.url:
            ET.SubElement(item, "link").text = entry.url
        ET.SubElement(item, "description").text = text_to_html(entry.text)
        ET.SubElement(item, "pubDate").text = format_datetime(entry.published)
        ET.SubElement(item, "guid", {"isPermaLink": "false"}).text = entry.guid
        for index, media in enumerate(entry.attachments):
            if index == 0:
                attrs = {"url": media.url, "length": str(media.size), "type": media.mime_type}
                ET.SubElement(item, "enclosure", attrs)
            content = ET.SubElement(
                item,
                f"{{{MEDIA_NS}}}content",
                {"url": media.url, "type": media.mime_type, "fileSize": str(media.size)},
            )
            if media.title:
                ET.SubElement(content, f"{{{MEDIA_NS}}}description").text = media.title
        children = list(channel)
        first_item = next((i for i, c in enumerate(children) if c.tag == "item"), len(children))
        channel.insert(first_item, item)
        self._set(channel, "lastBuildDate", format_datetime(entry.published))

    @staticmethod
    def _set(channel: ET.Element, tag: str, value: str) -> None:
        node = channel.find(tag)
        if node is None:
            node = ET.Element(tag)
            channel.insert(3, node)
        node.text = value

    def count(self, doc: ET.Element) -> int:
        return len(doc.findall("channel/item"))

    def title(self, doc: ET.Element) -> str:
        return doc.findtext("channel/title") or ""

    def serialise(self, doc: ET.Element) -> bytes:
        ET.indent(doc)
        return ET.tostring(doc, encoding="utf-8", xml_declaration=True) + b"\n"

    def remove(self, doc: ET.Element, guid: str) -> bool:
        """Take the entry with this guid out; False when there was none."""
        channel = doc.find("channel")
        assert channel is not None
        for item in channel.findall("item"):
            if (item.findtext("guid") or "").strip() == guid:
                channel.remove(item)
                return True
        return False


class JsonFeedFormat:
    """JSON Feed 1.1; attachments carry the alt text as their title."""

    name: ClassVar[str] = "JSON Feed"

    def empty(self, title: str, link: str, description: str) -> dict[str, Any]:
        doc: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": title}
        if link.startswith(("http://", "https://")):
            doc["home_page_url"] = link
        doc["description"] = description
        doc["items"] = []
        return doc

    def parse(self, data: bytes) -> dict[str, Any]:
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise FeedFormatError(f"not valid JSON ({exc})") from exc
        if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
            "https://jsonfeed.org/version/"
        ):
            raise FeedFormatError("no JSON Feed version")
        if not isinstance(doc.get("items"), list):
            raise FeedFormatError("no items list")
        return doc

    def guids(self, doc: dict[str, Any]) -> list[str]:
        return [str(item.get("id", "")) for item in doc["items"] if isinstance(item, dict)]

    def add(self, doc: dict[str, Any], entry: FeedEntry) -> None:
        item: dict[str, Any] = {"id": entry.guid}
        if entry.url:
            item["url"] = entry.url
        item |= {
            "title": entry.title,
            "content_text": entry.text,
            "content_html": text_to_html(entry.text),
            "date_published": entry.published.isoformat(),
        }
        if entry.attachments:
            item["attachments"] = [
                {"url": a.url, "mime_type": a.mime_type, "size_in_bytes": a.size}
                | ({"title": a.title} if a.title else {})
                for a in entry.attachments
            ]
        doc["items"].insert(0, item)

    def count(self, doc: dict[str, Any]) -> int:
        return len(doc["items"])

    def title(self, doc: dict[str, Any]) -> str:
        return str(doc.get("title") or "")

    def serialise(self, doc: dict[str, Any]) -> bytes:
        return json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"

    def remove(self, doc: dict[str, Any], guid: str) -> bool:
        """Take the entry with this id out; False when there was none."""
        kept = [i for i in doc["items"] if not (isinstance(i, dict) and str(i.get("id")) == guid)]
        removed = len(kept) != len(doc["items"])
        doc["items"] = kept
        return removed


FORMATS: dict[str, RssFormat | JsonFeedFormat] = {
    ".xml": RssFormat(),
    ".rss": RssFormat(),
    ".json": JsonFeedFormat(),
}
