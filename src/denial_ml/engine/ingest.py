"""X12 files read on Dask workers for `denial-ml ingest --engine dask`; the claims store keeps one writer.

Reading (tokenising, mapping, validating a file's rows) is the heavy part of an ingest run, and one file's
reading depends only on the file, its remit-id stem and the interchanges taken before it
(`ingest.files.parse_x12_file`). So the workers read every file at once, each with the stem it will have if
every earlier file is taken and with the interchanges the store held before the run. The client then replays
the run in the files' order (`ingest.files.ingest_x12`, with `ClusterReader` as its reader): it takes a
worker's result only when the file's stem and what the run took before it are those the worker assumed, and
reads the file itself otherwise (a file named like a failed one, or repeating an interchange of an earlier
file of the run). Skipping, numbering, matching and the batch's commit are the single-process code's, so the
store ends up exactly as `--engine local` leaves it.

A worker's 835 rows go to a spool folder of its file inside the run's spool (in the store): the store must be
on a disk every worker writes (the local cluster's workers share this machine's).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from denial_ml.ingest.files import Ingested, file_stem, parse_x12_file
from denial_ml.ingest.interchanges import Key, interchange_key
from denial_ml.ingest.spool import Spool
from denial_ml.ingest.stream import FileScan

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileTask:
    """What a worker needs to read one file as the run would (the taken interchanges travel apart, once)."""

    path: Path
    scan: FileScan
    stem: str
    strict_counts: bool
    chunk_size: int
    batch_rows: int
    spool: Path | None  # the file's own spool folder (None: its 835 rows stay in the result)


def read_on_worker(task: FileTask, taken: Mapping[Key, str]) -> tuple[Ingested, list[dict]]:
    """Read one file (runs on a worker): its result and the chunks of 835 rows it spooled."""
    spool = None
    if task.spool is not None:
        task.spool.mkdir(parents=True, exist_ok=True)
        spool = Spool(task.spool)
    part = parse_x12_file(
        task.path, task.scan, task.stem, task.strict_counts, taken, task.chunk_size, spool, task.batch_rows
    )
    return part, (spool.chunks if spool is not None else [])


def expected_stems(
    paths: list[Path], scans: Mapping[Path, FileScan], used_stems: set[str], taken_hashes: set[str]
) -> list[str | None]:
    """Each file's stem if every file read before it is taken; None for a file that will not be read (unreadable,
    or the same content as a file taken before)."""
    stems, hashes = set(used_stems), set(taken_hashes)
    out: list[str | None] = []
    for path in paths:
        scan = scans.get(path)
        stem = file_stem(path, stems)
        if scan is None or scan.sha256 in hashes:
            out.append(None)
            continue
        out.append(stem)
        stems.add(stem)
        hashes.add(scan.sha256)
    return out


class ClusterReader:
    """The reader `ingest_x12` calls for each file, in order: a worker's result when it is the one the run needs.

    Args:
        client: A connected Dask client.
        paths: The run's files, in order. scans: Their first passes (`stream.scan_file`), by path.
        strict_counts, chunk_size, batch_rows: As for `ingest_x12`.
        taken_interchanges: The interchanges the store took before the run (key -> where).
        used_stems: Remit-id stems the store used. taken_hashes: SHA-256 of the files it took.
        spool: The run's spool folder (None: no spool).
    """

    def __init__(
        self,
        client: Client,
        paths: list[Path],
        scans: Mapping[Path, FileScan],
        strict_counts: bool,
        chunk_size: int,
        batch_rows: int,
        taken_interchanges: Mapping[Key, str],
        used_stems: set[str],
        taken_hashes: set[str],
        spool: Path | None,
    ) -> None:
        self.before = len(taken_interchanges)  # the run's own interchanges come after these in `taken`
        self.futures: dict[tuple[str, str], Future] = {}
        self.from_workers = self.read_here = 0
        # Sent once to every worker (in a list: `scatter` would send a dict's values one by one).
        shared = client.scatter([dict(taken_interchanges)], broadcast=True)[0]
        stems = expected_stems(paths, scans, used_stems, taken_hashes)
        for i, (path, stem) in enumerate(zip(paths, stems, strict=True)):
            if stem is None:
                continue
            folder = spool / f"file-{i:06d}" if spool is not None else None
            task = FileTask(path, scans[path], stem, strict_counts, chunk_size, batch_rows, folder)
            self.futures[(str(path), stem)] = client.submit(read_on_worker, task, shared, pure=False)

    def __call__(
        self,
        path: Path,
        scan: FileScan,
        stem: str,
        strict_counts: bool,
        taken: Mapping[Key, str],
        chunk_size: int,
        spool: Spool | None,
        batch_rows: int,
    ) -> Ingested:
        """The file's result as `parse_x12_file` gives it with these arguments (see the module's docstring)."""
        future = self.futures.pop((str(path), stem), None)
        if future is not None:
            part, chunks = future.result()
            if part.files[0].sha256 == scan.sha256 and self._same_taken(part, taken):
                self.from_workers += 1
                if spool is not None:
                    spool.start_file()
                    spool.chunks.extend(chunks)
                return part
            future.release()
        self.read_here += 1
        log.info("ingest: %s read by the client (what the run took before it differs from a worker's view)", path)
        return parse_x12_file(path, scan, stem, strict_counts, taken, chunk_size, spool, batch_rows)

    def _same_taken(self, part: Ingested, taken: Mapping[Key, str]) -> bool:
        """Whether the interchanges this run took before the file leave its reading as the worker's: none of them
        shares a sender and control number with the file's (a failed file's are unknown: then none at all)."""
        added = {key[:2] for key in itertools.islice(taken, self.before, None)}
        if part.failed_files:
            return not added
        return not any(interchange_key(i)[:2] in added for i in part.interchanges)

    def close(self) -> None:
        """Cancel what the run did not use (a failed run stops its workers' reading)."""
        futures = list(self.futures.values())
        self.futures.clear()
        if futures:
            futures[0].client.cancel(futures)
