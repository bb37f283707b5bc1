"""File imports of platform exports (CSV, JSON, JSONL): preview, and a streaming run in
chunks that can be cancelled and resumed.

Files are read a record at a time from a byte offset (readers.py), so a 1 GB export needs no
more memory than a small one, and mapped to posts column by column (mapping.py). Each chunk
commits its offset with every batch it stores; a run that stops (cancelled, killed, a worker
lost) starts again after the last stored batch, and the sightings' keys make a batch stored
twice count once. JSONL files are split at line boundaries into several chunks that workers
take in parallel; CSV (a quoted field may span lines) and JSON arrays are read as one chunk.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.monitoring.mapping import (
    FIELDS,
    ImportProblem,
    columns_of,
    guess_mapping,
    map_record,
    parse_count,
    parse_time,
)
from kiemchung.monitoring.models import (
    ImportChunk,
    ImportFormat,
    ImportJob,
    ImportStatus,
    Source,
)
from kiemchung.monitoring.readers import (
    FINGERPRINT_BYTES,
    ImportError_,
    RawRecord,
    check_text_file,
    format_of,
    read_head,
    read_records,
    skip_line,
)
from kiemchung.monitoring.services import Post, items_plan, items_store

__all__ = [
    "FIELDS",
    "ImportError_",
    "ImportProblem",
    "check_text_file",
    "columns_of",
    "format_of",
    "guess_mapping",
    "import_cancel",
    "import_create",
    "import_resume",
    "import_run",
    "import_summary",
    "job_refresh",
    "map_record",
    "parse_count",
    "parse_time",
    "preview",
    "read_head",
    "read_records",
]

BATCH_SIZE = 200
STORE_ATTEMPTS = 20
PROBLEMS_KEPT = 200
MIN_CHUNK_BYTES = 256 * 1024
MAX_CHUNK_BYTES = 16 * 1024 * 1024
MAX_CHUNKS = 64


@dataclass
class Preview:
    """The first records of a file, the columns found and the posts the mapping makes."""

    format: str
    columns: list[str]
    mapping: dict[str, str]
    rows: list[tuple[int, Post | None]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def preview(
    path: str | Path, *, fmt: str, mapping: dict[str, str] | None = None, platform: str = "",
    rows: int = 10,
) -> Preview:
    """Read the first records of a file and show what the mapping (or the guessed one) makes."""
    records: list[RawRecord] = []
    with Path(path).open("rb") as handle:
        check_text_file(handle.read(4096))
        for record in read_records(handle, fmt):
            records.append(record)
            if len(records) >= max(rows, 50):
                break
    data = [r.data for r in records if r.data is not None]
    columns = columns_of(data)
    chosen = dict(mapping) if mapping else guess_mapping(columns)
    shown = Preview(format=fmt, columns=columns, mapping=chosen)
    for record in records[:rows]:
        if record.data is None:
            shown.problems.append(ImportProblem(record.line, record.error))
            shown.rows.append((record.line, None))
            continue
        post, problems = map_record(record.data, chosen, platform=platform, line=record.line)
        shown.rows.append((record.line, post))
        shown.problems += problems
    return shown


# Jobs.


def file_fingerprint(path: str | Path) -> str:
    """Size, and the first and last megabyte: the same export gives the same fingerprint."""
    file = Path(path)
    size = file.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with file.open("rb") as handle:
        digest.update(handle.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            handle.seek(max(size - FINGERPRINT_BYTES, FINGERPRINT_BYTES))
            digest.update(handle.read(FINGERPRINT_BYTES))
    return digest.hexdigest()


def _split(path: Path, fmt: str, chunk_bytes: int | None) -> list[tuple[int, int, int]]:
    """(start, end, first line) of each chunk: JSONL at line boundaries, others whole."""
    size = path.stat().st_size
    if fmt != ImportFormat.JSONL or size <= MIN_CHUNK_BYTES:
        return [(0, size, 1)]
    target = chunk_bytes or min(MAX_CHUNK_BYTES, max(MIN_CHUNK_BYTES, size // 8))
    target = max(target, size // MAX_CHUNKS + 1)
    bounds = [0]
    with path.open("rb") as handle:
        while bounds[-1] + target < size:
            handle.seek(bounds[-1] + target)
            skip_line(handle)  # to the next line start, however long the line
            position = handle.tell()
            if position >= size:
                break
            bounds.append(position)
        bounds.append(size)
        # The line each chunk starts on, counted in one pass over the file.
        lines = [1]
        handle.seek(0)
        counted = 0
        for start, stop in itertools.pairwise(bounds):
            remaining = stop - start
            while remaining:
                block = handle.read(min(remaining, 4 * 1024 * 1024))
                counted += block.count(b"\n")
                remaining -= len(block)
            lines.append(counted + 1)
    return [(bounds[i], bounds[i + 1], lines[i]) for i in range(len(bounds) - 1)]


def import_create(
    *,
    workspace: Workspace,
    source: Source,
    path: str | Path,
    original_name: str,
    fmt: str,
    mapping: dict[str, str],
    actor: Any = None,
    chunk_bytes: int | None = None,
) -> ImportJob:
    """Plan the import of a file: the job and its chunks (nothing is read into items yet)."""
    file = Path(path)
    if fmt not in ImportFormat.values:
        raise ImportError_(_("Định dạng không hỗ trợ: %(format)s") % {"format": fmt})
    if not mapping.get("text"):
        raise ImportError_(_("Hãy chọn cột chứa nội dung."))
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ImportError_(
            _("Không đọc được tệp %(name)s: %(error)s")
            % {"name": original_name, "error": exc.strerror or exc}
        ) from exc
    job = ImportJob.objects.create(
        workspace=workspace,
        source=source,
        path=str(file.resolve()),
        original_name=original_name[:300],
        fingerprint=file_fingerprint(file),
        format=fmt,
        mapping={k: v for k, v in mapping.items() if k in FIELDS and v},
        bytes_total=size,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    ImportChunk.objects.bulk_create(
        ImportChunk(job=job, number=i, start=start, end=end, first_line=line, offset=start,
                    line=line)
        for i, (start, end, line) in enumerate(_split(file, fmt, chunk_bytes))
    )
    return job


ProgressFn = Callable[[int], None]


def _store_batch(
    chunk: ImportChunk,
    posts: list[Post],
    problems: list[ImportProblem],
    rows: int,
    last: RawRecord,
    started: float,
) -> None:
    """Plan a batch outside any transaction, then store it and the chunk's new offset in one,
    so a stop anywhere resumes exactly after the last stored batch. A batch that raced
    another worker's identical content is planned and stored again."""
    source = chunk.job.source
    bad = sum(1 for p in problems if p.skipped)
    for attempt in range(STORE_ATTEMPTS):
        plan = items_plan(source=source, posts=posts) if posts else None
        try:
            with transaction.atomic():
                report = items_store(plan) if plan is not None else None
                kept = ImportChunk.objects.select_for_update().get(pk=chunk.pk)
                room = max(PROBLEMS_KEPT - len(kept.problems), 0)
                kept.problems = [*kept.problems, *(p.as_dict() for p in problems[:room])]
                kept.offset = last.end
                kept.line = last.next_line
                kept.rows = F("rows") + rows
                kept.added = F("added") + (report.added if report else 0)
                kept.folded = F("folded") + (report.folded if report else 0)
                kept.repeated = F("repeated") + (report.repeated if report else 0)
                kept.bad_rows = F("bad_rows") + bad
                kept.seconds = F("seconds") + (time.monotonic() - started)
                kept.save(update_fields=["problems", "offset", "line", "rows", "added",
                                         "folded", "repeated", "bad_rows", "seconds"])
            return
        except IntegrityError:
            # Another worker stored some of the same new texts first; planned again, the
            # batch folds into them. Workers on overlapping content may collide a few times.
            if attempt == STORE_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.05, 0.5))


def chunk_run(
    chunk: ImportChunk,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, float], None] | None = None,
) -> str:
    """Read one chunk from its offset to its end, a batch at a time; returns its status.

    The chunk's offset, line and counts are committed with each batch, so a run stopped
    anywhere resumes after the last stored batch. It stops early, as cancelled, when the
    job's cancel flag is set.
    """
    job = chunk.job
    source = job.source
    mapping = dict(job.mapping)
    ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.RUNNING)
    with Path(job.path).open("rb") as handle:
        records = read_records(handle, job.format, start=chunk.offset, end=chunk.end,
                               line=chunk.line)
        while True:
            posts: list[Post] = []
            problems: list[ImportProblem] = []
            rows = 0
            last: RawRecord | None = None
            for record in records:
                rows += 1
                last = record
                if record.data is None:
                    problems.append(ImportProblem(record.line, record.error))
                else:
                    post, found = map_record(record.data, mapping, platform=source.platform,
                                             line=record.line)
                    problems += found
                    if post is not None:
                        posts.append(post)
                if rows >= batch_size:
                    break
            if last is None:
                break
            started = time.monotonic()
            _store_batch(chunk, posts, problems, rows, last, started)
            if on_batch is not None:
                on_batch(rows, time.monotonic() - started)
            chunk.offset = last.end
            if progress is not None:
                progress(chunk.offset)
            if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.CANCELLED)
                return ImportStatus.CANCELLED
    ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.DONE, offset=chunk.end)
    return ImportStatus.DONE


def job_refresh(job: ImportJob) -> ImportJob:
    """Set the job's status from its chunks'."""
    statuses = set(job.chunks.values_list("status", flat=True))
    status: str
    job.cancel_requested = ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()
    if statuses <= {ImportStatus.DONE}:
        status = ImportStatus.DONE
    elif ImportStatus.RUNNING in statuses:
        status = ImportStatus.RUNNING
    elif ImportStatus.FAILED in statuses:
        status = ImportStatus.FAILED
    elif job.cancel_requested:
        status = ImportStatus.CANCELLED
    else:
        status = job.status
    if status != job.status:
        job.status = status
        job.finished_at = timezone.now() if status == ImportStatus.DONE else None
        job.save(update_fields=["status", "finished_at", "updated_at"])
    return job


def import_resume(job: ImportJob) -> list[ImportChunk]:
    """Clear a cancel and return the chunks left to run."""
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=False,
                                               status=ImportStatus.RUNNING)
    job.cancel_requested = False
    job.status = ImportStatus.RUNNING
    return list(job.chunks.exclude(status=ImportStatus.DONE).order_by("number"))


def import_cancel(job: ImportJob) -> None:
    """Ask the running chunks to stop after their current batch."""
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.cancel_requested = True
    # A running chunk stops after its batch; it is resumed, like the others, from its offset.
    job.chunks.filter(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]).update(
        status=ImportStatus.CANCELLED
    )
    job_refresh(job)


def import_run(
    job: ImportJob,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, float], None] | None = None,
) -> ImportJob:
    """Run every unfinished chunk of a job in this process, in order (the CLI's way)."""
    for chunk in import_resume(job):
        done_before = sum(c.bytes_done for c in job.chunks.exclude(pk=chunk.pk))

        def report(offset: int, base: int = done_before, start: int = chunk.start) -> None:
            if progress is not None:
                progress(base + offset - start)

        status = chunk_run(chunk, progress=report, batch_size=batch_size, on_batch=on_batch)
        if status == ImportStatus.CANCELLED:
            break
    return job_refresh(job)


def import_summary(job: ImportJob) -> dict[str, Any]:
    """Counts over the job's chunks and its first problems, by line."""
    totals = job.chunks.aggregate(
        rows=Sum("rows"), added=Sum("added"), folded=Sum("folded"), repeated=Sum("repeated"),
        bad_rows=Sum("bad_rows"),
    )
    problems: list[dict[str, Any]] = []
    for chunk in job.chunks.order_by("number"):
        problems += chunk.problems
    done = sum(c.bytes_done for c in job.chunks.all())
    return {
        "job": job.pk,
        "status": job.status,
        "rows": totals["rows"] or 0,
        "added": totals["added"] or 0,
        "folded": totals["folded"] or 0,
        "repeated": totals["repeated"] or 0,
        "bad_rows": totals["bad_rows"] or 0,
        "bytes_done": done,
        "bytes_total": job.bytes_total,
        "problems": sorted(problems, key=lambda p: p["line"])[:PROBLEMS_KEPT],
    }
