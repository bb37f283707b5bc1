"""What an uploaded evidence file is, read from its content: a name says nothing, a `.txt`
renamed `.pdf` is still text, and a PDF called `scan.txt` is still a PDF."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

# Bytes read from the start of a file to know what it is.
HEAD_BYTES = 64


@dataclass(frozen=True)
class DocumentType:
    """A kind of file the newsroom keeps as evidence, and the names it goes by."""

    name: str
    extensions: tuple[str, ...]  # the first one is used when the file's own name does not fit


PDF = DocumentType("PDF", ("pdf",))
OFFICE_97 = DocumentType("Word, Excel, PowerPoint 97–2003", ("doc", "xls", "ppt"))
WORD = DocumentType("Word", ("docx",))
EXCEL = DocumentType("Excel", ("xlsx",))
POWERPOINT = DocumentType("PowerPoint", ("pptx",))
OPEN_TEXT = DocumentType("OpenDocument", ("odt",))
OPEN_SHEET = DocumentType("OpenDocument", ("ods",))
OPEN_SLIDES = DocumentType("OpenDocument", ("odp",))
PNG = DocumentType("PNG", ("png",))
JPEG = DocumentType("JPEG", ("jpg", "jpeg"))
GIF = DocumentType("GIF", ("gif",))
WEBP = DocumentType("WebP", ("webp",))
MP3 = DocumentType("MP3", ("mp3",))
WAV = DocumentType("WAV", ("wav",))
OGG = DocumentType("Ogg", ("ogg", "oga", "ogv", "opus"))
MP4 = DocumentType("MP4", ("mp4", "m4a", "m4v", "mov"))
WEBM = DocumentType("WebM", ("webm", "mkv"))

_OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.text": OPEN_TEXT,
    b"application/vnd.oasis.opendocument.spreadsheet": OPEN_SHEET,
    b"application/vnd.oasis.opendocument.presentation": OPEN_SLIDES,
}
_OFFICE_FOLDERS = (("word/", WORD), ("xl/", EXCEL), ("ppt/", POWERPOINT))


def _from_zip(file: IO[bytes]) -> DocumentType | None:
    """An Office Open XML or OpenDocument file; any other zip archive is not a document."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                return _OPEN_DOCUMENT.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                for folder, kind in _OFFICE_FOLDERS:
                    if any(name.startswith(folder) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: 11 sync bits, a known version, layer III (so a
    UTF-16 text's byte order mark, FF FE, is not taken for sound)."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    return (head[1] >> 3) & 0b11 != 0b01 and (head[1] >> 1) & 0b11 == 0b01


def _from_head(head: bytes) -> DocumentType | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OFFICE_97
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"ID3") or _mp3_frame(head):
        return MP3
    return None


def document_type(file: IO[bytes]) -> DocumentType | None:
    """What the file is, from its first bytes (and, for a zip, its entries); None when it is
    not a kind of document the newsroom keeps (plain text, an archive, a program...).

    The file is read from its start and left at its start.
    """
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if head.startswith(b"PK\x03\x04"):
        found = _from_zip(file)
        file.seek(0)
        return found
    return _from_head(head)


def stored_name(name: str, kind: DocumentType) -> str:
    """The file's own name, with the extension of what it really is when its own says else."""
    path = PurePath(name or "tai-lieu")
    if path.suffix.lower().lstrip(".") in kind.extensions:
        return path.name
    return f"{path.stem or 'tai-lieu'}.{kind.extensions[0]}"
