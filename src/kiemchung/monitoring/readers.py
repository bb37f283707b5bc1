"""Reading platform exports a record at a time from a byte offset: JSON Lines, CSV, JSON.

Memory stays bounded whatever the file's size: JSONL and CSV are read a line at a time, JSON
through a 256 KB window; every record comes with the byte offset just after it, from which a
stopped import resumes.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from kiemchung.monitoring.models import ImportFormat

__all__ = [
    "ImportError_",
    "RawRecord",
    "check_text_file",
    "format_of",
    "read_csv",
    "read_head",
    "read_json",
    "read_jsonl",
    "read_records",
]

FINGERPRINT_BYTES = 1024 * 1024
JSON_READ_BYTES = 256 * 1024
_LINE_MAX = 8 * 1024 * 1024


class ImportError_(Exception):
    """A file that cannot be imported at all (unreadable, not the format it claims)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RawRecord:
    """One record read from a file: its first line, its data or why it could not be read,
    and the byte offset just after it."""

    line: int
    data: dict[str, Any] | None
    error: str
    end: int
    next_line: int


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Older Vietnamese exports (Excel on Windows) are in code page 1258.
        try:
            return raw.decode("cp1258")
        except UnicodeDecodeError:
            return raw.decode("utf-8", errors="replace")


def skip_line(handle: IO[bytes]) -> int:
    """Read on to just after the next newline (or the end); how many bytes that was."""
    skipped = 0
    while True:
        block = handle.readline(1024 * 1024)
        skipped += len(block)
        if not block or block.endswith(b"\n"):
            return skipped


def _lines(handle: IO[bytes], start: int, end: int | None) -> Iterator[tuple[bytes | None, int]]:
    """Each line from `start` with its length in bytes; a line longer than _LINE_MAX comes as
    None (its bytes skipped), so that it is one bad line instead of many pieces."""
    handle.seek(start)
    position = start
    while end is None or position < end:
        raw = handle.readline(_LINE_MAX)
        if not raw:
            return
        length = len(raw)
        if length >= _LINE_MAX and not raw.endswith(b"\n"):
            length += skip_line(handle)
            position += length
            yield None, length
            continue
        position += length
        yield raw, length


def _too_long() -> str:
    return _("dòng dài hơn %(mb)d MB, bỏ qua") % {"mb": _LINE_MAX // (1024 * 1024)}


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file are not text (an image, an archive, random bytes)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16: text, refused with its own message
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return b"\x00" in head or controls > len(head) // 100


def check_text_file(head: bytes) -> None:
    """Refuses a file that is not a text export, with a message saying what to do instead."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportError_(
            _("Tệp được lưu ở mã UTF-16. Hãy lưu lại dưới dạng CSV UTF-8 rồi nhập lại.")
        )
    if looks_binary(head):
        raise ImportError_(
            _(
                "Tệp này không phải là tệp văn bản CSV, JSON hoặc JSONL (có thể là ảnh, tệp "
                "nén hoặc bảng tính Excel). Hãy xuất dữ liệu ra CSV hoặc JSON rồi nhập lại."
            )
        )


def read_jsonl(
    handle: IO[bytes], *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    """Records of a JSON Lines file from byte `start` (a line start) to `end`."""
    position = start
    for raw, length in _lines(handle, start, end):
        position += length
        if raw is None:
            yield RawRecord(line, None, _too_long(), position, line + 1)
            line += 1
            continue
        text = _decode(raw).lstrip("\ufeff").strip()
        if text:
            data: dict[str, Any] | None = None
            error = ""
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                error = _("JSON không hợp lệ (%(error)s)") % {"error": exc.msg}
            else:
                if isinstance(value, dict):
                    data = value
                else:
                    error = _("mỗi dòng phải là một đối tượng JSON")
            yield RawRecord(line, data, error, position, line + 1)
        line += 1


def _csv_header(handle: IO[bytes]) -> tuple[list[str], int, int]:
    """The header of a CSV file, the byte offset after it and the number of lines it took."""
    consumed = 0
    lines = 0

    def feed() -> Iterator[str]:
        nonlocal consumed, lines
        for raw, length in _lines(handle, 0, None):
            consumed += length
            lines += 1
            if raw is None:
                raise ImportError_(_("Dòng tiêu đề CSV hỏng: %(error)s") % {"error": _too_long()})
            yield _decode(raw).lstrip("\ufeff") if lines == 1 else _decode(raw)

    try:
        header = next(csv.reader(feed()))
    except StopIteration:
        raise ImportError_(_("Tệp CSV trống.")) from None
    except csv.Error as exc:
        raise ImportError_(_("Dòng tiêu đề CSV hỏng: %(error)s") % {"error": exc}) from None
    return [h.strip() for h in header], consumed, lines


def read_csv(
    handle: IO[bytes], *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    """Records of a CSV file with a header row, from byte `start` (0, or a record's start).

    A broken record that runs over several lines (an unterminated quote swallows the lines
    after it) is reported on its first line, and reading starts again on the next one, so
    one bad quote costs one line instead of the rest of the file.
    """
    header, after_header, header_lines = _csv_header(handle)
    if start < after_header:
        start, line = after_header, 1 + header_lines
    restart: tuple[int, int] | None = (start, line)
    while restart is not None:
        restart = yield from _csv_pass(handle, header, restart[0], end, restart[1])


def _csv_pass(
    handle: IO[bytes], header: list[str], start: int, end: int | None, line: int
) -> Generator[RawRecord, None, tuple[int, int] | None]:
    """Read records from `start`; returns where to start again after a broken record."""
    consumed = start
    # (line number, byte offset where it starts) of each line of the record being read.
    record_lines: list[tuple[int, int]] = []
    too_long: list[int] = []

    def feed() -> Iterator[str]:
        nonlocal consumed
        number = line
        for raw, length in _lines(handle, start, None):
            record_lines.append((number, consumed))
            consumed += length
            number += 1
            if raw is None:
                too_long.append(number - 1)
                yield "\n"
                continue
            yield _decode(raw)

    reader = csv.reader(feed())
    while True:
        error = ""
        try:
            row: list[str] | None = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            row, error = None, _("CSV hỏng: %(error)s") % {"error": exc}
        if not record_lines:
            return None
        first_line = record_lines[0][0]
        next_line = record_lines[-1][0] + 1
        if too_long and too_long[0] >= first_line:
            error = _too_long()
            too_long.clear()
        elif row is not None and len(row) != len(header) and any(c.strip() for c in row):
            error = _("có %(found)d cột, tiêu đề có %(expected)d") % {
                "found": len(row),
                "expected": len(header),
            }
        if error and (len(record_lines) > 1 or row is None):
            # Start again on the line after the record's first: the lines it swallowed.
            after_first = record_lines[1][1] if len(record_lines) > 1 else consumed
            yield RawRecord(first_line, None, error, after_first, first_line + 1)
            return (after_first, first_line + 1) if after_first < _size(handle) else None
        record_lines.clear()
        if error:
            yield RawRecord(first_line, None, error, consumed, next_line)
        elif row is not None and any(cell.strip() for cell in row):
            yield RawRecord(first_line, dict(zip(header, row, strict=True)), "", consumed,
                            next_line)
        if end is not None and consumed >= end:
            return None


def _size(handle: IO[bytes]) -> int:
    here = handle.tell()
    size = handle.seek(0, 2)
    handle.seek(here)
    return size


_WS = frozenset(" \t\r\n")


def _array_start(text: str) -> int | None:
    """Where the records begin: a top-level array, or the first array member of a top-level
    object ({"data": [...]}, {"items": [...]}); None when neither is in `text`."""
    depth = 0
    in_string = False
    escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "[":
            if depth <= 1:
                return i + 1
            depth += 1
        elif ch == "{":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return None


def read_json(
    handle: IO[bytes], *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    """Records of a JSON array (or of the first array inside a top-level object), streamed."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    json_decoder = json.JSONDecoder()
    handle.seek(start)
    buffer = ""
    pos = 0  # where reading stands in buffer
    position = start  # byte offset of buffer[pos]
    eof = False

    def more() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        chunk = handle.read(JSON_READ_BYTES)
        buffer = buffer[pos:]
        pos = 0
        if not chunk:
            eof = True
            buffer += decoder.decode(b"", final=True)
            return False
        buffer += decoder.decode(chunk)
        return True

    def advance(to: int) -> None:
        nonlocal pos, position, line
        consumed = buffer[pos:to]
        position += len(consumed.encode("utf-8"))
        line += consumed.count("\n")
        pos = to

    if start == 0:
        more()
        while True:
            text = buffer.lstrip("\ufeff")
            found = _array_start(text)
            if found is not None:
                advance(found + len(buffer) - len(text))
                break
            if len(buffer) > FINGERPRINT_BYTES or not more():
                raise ImportError_(_("Không tìm thấy danh sách bản ghi trong tệp JSON."))
    while True:
        i = pos
        while True:
            while i < len(buffer) and (buffer[i] in _WS or buffer[i] == ","):
                i += 1
            if i < len(buffer):
                break
            i -= pos
            if not more():
                i += pos
                break
            i += pos
        advance(i)
        if pos >= len(buffer) or buffer[pos] == "]":
            return
        first_line = line
        while True:
            try:
                value, stop = json_decoder.raw_decode(buffer, pos)
            except ValueError as exc:
                if more():
                    continue
                yield RawRecord(first_line, None,
                                _("JSON hỏng từ đây, phần còn lại không đọc được (%(error)s)")
                                % {"error": getattr(exc, "msg", str(exc))},
                                position + len(buffer[pos:].encode("utf-8")), line)
                return
            if stop >= len(buffer) and more():
                # A number at the very end of the buffer may continue in the next read.
                continue
            break
        advance(stop)
        if isinstance(value, dict):
            yield RawRecord(first_line, value, "", position, line)
        else:
            yield RawRecord(first_line, None, _("mỗi phần tử phải là một đối tượng JSON"),
                            position, line)
        if end is not None and position >= end:
            return


_READERS: dict[str, Callable[..., Iterator[RawRecord]]] = {
    ImportFormat.CSV: read_csv,
    ImportFormat.JSON: read_json,
    ImportFormat.JSONL: read_jsonl,
}


def read_records(
    handle: IO[bytes], fmt: str, *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    return _READERS[fmt](handle, start=start, end=end, line=line)


def format_of(name: str, head: bytes = b"") -> str:
    """The format a file's name (or, failing that, its first bytes) says it is in."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return ImportFormat.JSONL
    if suffix == "json":
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        first_line = stripped.split(b"\n", 1)[0].strip()
        if stripped[:1] == b"{" and first_line.endswith(b"}") and b"\n{" in stripped:
            return ImportFormat.JSONL
        return ImportFormat.JSON
    if suffix in ("csv", "tsv", "txt"):
        return ImportFormat.CSV
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"[":
        return ImportFormat.JSON
    if stripped[:1] == b"{":
        return ImportFormat.JSONL
    return ImportFormat.CSV


def read_head(path: str | Path, size: int = 4096) -> bytes:
    with Path(path).open("rb") as handle:
        return handle.read(size)
