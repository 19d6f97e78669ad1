"""POST /v1/batch: each profile a task of its own, on the workers, summarised here as a batch is.

A profile that crashes or hangs its worker is an error entry (`crashed`, `timeout`), as in
`assess a.yaml b.yaml`; the others are assessed. At most as many profiles of one batch are in
flight as there are workers, so single requests still find a worker between them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

from engine.batch.ranking import Quota, apply_quotas, check_quotas, parse_quota, rank
from engine.batch.workers import Failure, SetupFailed
from engine.report.model import EngineInfo
from engine.report.summary.model import ErrorEntry, Summary, SummaryGroup
from engine.report.summary.render import render_summary
from engine.service.pool import ServicePool
from engine.service.worker import Row, RowTask
from engine.version import __version__


async def run_batch(pool: ServicePool, profiles: Sequence[tuple[str, bytes]], quota_texts: Sequence[str],
                    lang: str, backend: str) -> bytes:
    """The summary JSON of the profiles (as `--summary-format json`); UsageError for a bad quota."""
    quotas = [parse_quota(text) for text in quota_texts]  # before any work: a bad quota refuses the batch
    gate = asyncio.Semaphore(pool.size)

    def call(name: str, content: bytes) -> Any:
        try:
            return pool.call(RowTask(content, name))
        except SetupFailed as exc:  # its worker's replacement could not start: this profile has no result
            return Failure("crashed", f"no worker could be set up: {exc}")

    async def one(name: str, content: bytes) -> Any:
        async with gate:
            return await run_in_threadpool(call, name, content)

    outcomes = await asyncio.gather(*(one(name, content) for name, content in profiles))
    summary = summarise([name for name, _ in profiles], outcomes, quotas, backend)
    content = render_summary(summary, "json", lang)
    return content.encode("utf-8") if isinstance(content, str) else content


def summarise(names: list[str], outcomes: Sequence[Row | Failure], quotas: list[Quota], backend: str) -> Summary:
    groups: dict[str, SummaryGroup] = {}
    errors: list[ErrorEntry] = []
    used = None
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, Failure):
            reason = outcome.reason if outcome.kind != "error" else f"internal error: {outcome.reason}"
            errors.append(ErrorEntry(file=name, status=outcome.kind, reason=reason))
            continue
        for group in outcome.groups:
            groups.setdefault(group.pack, group)
        for pack_id, row in outcome.rows:
            groups[pack_id].rows.append(row)
        if outcome.error is not None:
            errors.append(outcome.error)
        used = used or outcome.backend
    ranked = [groups[key] for key in sorted(groups)]
    for group in ranked:
        group.rows = rank(group.rows)
    if quotas:
        check_quotas(ranked, quotas)
        for group in ranked:
            apply_quotas(group, quotas)
    return Summary(engine=EngineInfo(version=__version__, backend=used or backend), profiles=len(names),
                   assessed=len(names) - len(errors), groups=ranked, errors=errors)
