"""The auditor's check (``gongshi log verify``): a served log, through its documented formats only.

It downloads the checkpoint, every entry bundle and tile, recomputes the tree, checks the signature,
checks the tree still contains a checkpoint the auditor kept, and checks every published result of
the bulk download against its leaf (seed 002 art.17: no published result changes unseen). It never
reads a database: ``fetch`` gets paths relative to the server's root, None for a 404.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tlog import hashing, leaves, tiles
from tlog.errors import LogError
from tlog.note import Checkpoint, Verifier, parse_checkpoint

Fetch = Callable[[Sequence[str]], list[bytes | None]]  # paths -> bodies (None: not found), in order
LOG = "log/"
BULK_MANIFEST = "downloads/published-results.json"
BULK_RECORDS = "downloads/published-results.ndjson"
BULK_FIELDS = ("taskId", "creditCode", "itemCode", "categoryCodes", "description")
BULK_LABELS = {
    "taskId": "任务",
    "creditCode": "统一社会信用代码",
    "itemCode": "抽查事项",
    "categoryCodes": "检查结果类型",
    "description": "结果说明",
}


@dataclass
class Report:
    """What the check found: the checkpoint it trusted (if any) and one Chinese line per problem."""

    checkpoint: Checkpoint | None = None
    problems: list[str] = field(default_factory=list)
    leaves: int = 0
    results_checked: int = 0


def _digest(value: Any) -> bytes:
    return hashlib.blake2b(leaves.encode({"x": value}), digest_size=4).digest()


def _fingerprint(fields: dict[str, Any]) -> bytes:
    """Four bytes per compared field, so a mismatch can name the fields that differ."""
    if "descriptionSha256" in fields:
        fields = {**fields, "description": fields["descriptionSha256"]}
    return b"".join(_digest(fields.get(name)) for name in BULK_FIELDS)


@dataclass
class _Bulk:
    size: int
    root: bytes
    expected: dict[tuple[int, int], bytes]  # (resultId, version) -> fingerprint
    first_published: dict[int, str]
    bulk_versions: dict[int, int]
    logged_versions: dict[int, int] = field(default_factory=dict)


def _read_bulk(fetch: Fetch, report: Report) -> _Bulk | None:
    manifest_raw, records_raw = fetch([BULK_MANIFEST, BULK_RECORDS])
    if manifest_raw is None or records_raw is None:
        report.problems.append("无法下载批量数据（published-results.json / .ndjson），未核对已公示结果")
        return None
    try:
        manifest = json.loads(manifest_raw)
        log = manifest["log"]
        size, root = int(log["treeSize"]), base64.b64decode(log["rootHash"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        report.problems.append("批量数据清单没有注明对应的日志检查点（log.treeSize / log.rootHash）")
        return None
    if hashlib.sha256(records_raw).hexdigest() != manifest.get("sha256", {}).get("ndjson"):
        report.problems.append("批量数据 published-results.ndjson 的SHA-256与清单不符")
    expected: dict[tuple[int, int], bytes] = {}
    first: dict[int, str] = {}
    versions: dict[int, int] = {}
    for line in records_raw.decode("utf-8").splitlines():
        record = json.loads(line)
        key = (int(record["resultId"]), int(record["version"]))
        expected[key] = _fingerprint(record)
        first[key[0]], versions[key[0]] = record["publishedOn"], key[1]
    return _Bulk(size, root, expected, first, versions)


def _check_result_leaf(bulk: _Bulk, index: int, fields: dict[str, Any], report: Report) -> None:
    result_id, version = int(fields["resultId"]), int(fields["version"])
    bulk.logged_versions[result_id] = max(version, bulk.logged_versions.get(result_id, 0))
    if (
        version == 1
        and result_id in bulk.first_published
        and fields["publishedOn"] != bulk.first_published[result_id]
    ):
        report.problems.append(
            f"结果{result_id}的首次公示日期在批量数据中为{bulk.first_published[result_id]}，"
            f"日志第{index}条记为{fields['publishedOn']}"
        )
    wanted = bulk.expected.pop((result_id, version), None)
    if wanted is None:
        return
    report.results_checked += 1
    got = _fingerprint(fields)
    if wanted != got:
        differ = [
            BULK_LABELS[name]
            for n, name in enumerate(BULK_FIELDS)
            if wanted[4 * n : 4 * n + 4] != got[4 * n : 4 * n + 4]
        ]
        report.problems.append(
            f"结果{result_id}第{version}版的{'、'.join(differ)}与日志第{index}条不符：已公示的结果被改动过"
        )


def _finish_bulk(bulk: _Bulk, report: Report) -> None:
    for (result_id, version), _ in sorted(bulk.expected.items()):
        logged = bulk.logged_versions.get(result_id)
        if logged is None:
            report.problems.append(f"结果{result_id}第{version}版在批量数据中已公示，但日志中没有记录")
        else:
            report.problems.append(
                f"结果{result_id}在批量数据中为第{version}版，日志中只有到第{logged}版的记录"
            )
    for result_id, logged in sorted(bulk.logged_versions.items()):
        shown = bulk.bulk_versions.get(result_id)
        if shown is None:
            report.problems.append(f"结果{result_id}已在日志中公示（第{logged}版），但批量数据中没有")
        elif logged > shown:
            report.problems.append(
                f"结果{result_id}在批量数据中为第{shown}版，但日志中已有第{logged}版（更正未在批量数据中公示）"
            )


def _fetch_tiles(fetch: Fetch, refs: list[tiles.TileRef], report: Report) -> list[bytes | None]:
    bodies = fetch([LOG + ref.path() for ref in refs])
    for ref, body in zip(refs, bodies, strict=True):
        if body is None:
            what = "条目包" if ref.level is None else f"第{ref.level}层瓦片"
            report.problems.append(f"缺少{what} {ref.path()}（可能有条目被删除）")
    return bodies


def verify(fetch: Fetch, verifier: Verifier, *, kept: str | None = None, bulk: bool = True) -> Report:
    """Check the served log; every problem is one line of ``Report.problems``."""
    report = Report()
    (raw,) = fetch([LOG + "checkpoint"])
    if raw is None:
        report.problems.append("服务器没有提供检查点 /log/checkpoint")
        return report
    try:
        checkpoint = parse_checkpoint(raw.decode("utf-8"), verifier)
    except (LogError, UnicodeDecodeError) as exc:
        report.problems.append(f"检查点无效：{exc}")
        return report
    report.checkpoint = checkpoint
    size = report.leaves = checkpoint.size
    old = _parse_kept(kept, verifier, checkpoint, report) if kept is not None else None
    expected_bulk = _read_bulk(fetch, report) if bulk else None
    leaf_hashes: list[bytes | None] = []
    refs = tiles.tiles_for(size, None)
    for start in range(0, len(refs), 64):  # a few MB at a time, whatever the size of the log
        chunk = refs[start : start + 64]
        for ref, body in zip(chunk, _fetch_tiles(fetch, chunk, report), strict=True):
            first, end = ref.node_range()
            entries: list[bytes] = []
            if body is not None:
                try:
                    entries = tiles.unbundle(body)
                except ValueError:
                    report.problems.append(f"条目包 {ref.path()} 格式错误")
                if entries and len(entries) != ref.width:
                    report.problems.append(f"条目包 {ref.path()} 应有{ref.width}条，实有{len(entries)}条")
                    entries = []
            if not entries:
                leaf_hashes += [None] * (end - first)
                continue
            for index, data in enumerate(entries, start=first):
                leaf_hashes.append(hashing.leaf_hash(data))
                try:
                    fields = leaves.decode(data)
                except ValueError:
                    report.problems.append(f"日志第{index}条不是规范编码的条目")
                    continue
                if (
                    expected_bulk is not None
                    and fields.get("kind") in leaves.RESULT_KINDS
                    and index < expected_bulk.size
                ):
                    _check_result_leaf(expected_bulk, index, fields, report)
    _check_tiles(fetch, size, leaf_hashes, report)
    if any(h is None for h in leaf_hashes):
        report.problems.append("因条目缺失，无法重算日志的根哈希")
        return report
    known: list[bytes] = [h for h in leaf_hashes if h is not None]
    if hashing.root_of(known) != checkpoint.root:
        report.problems.append(f"按条目重算的根哈希与检查点（{size}条）不符：日志内容被改写")
    if old is not None:
        _check_kept(old, known, report)
    if expected_bulk is not None:
        if expected_bulk.size > size:
            report.problems.append(
                f"批量数据对应日志前{expected_bulk.size}条，多于检查点的{size}条：请待新检查点签署后再核对"
            )
        elif hashing.root_of(known[: expected_bulk.size]) != expected_bulk.root:
            report.problems.append(f"批量数据清单注明的日志根哈希（前{expected_bulk.size}条）与日志不符")
        _finish_bulk(expected_bulk, report)
    return report


def _check_tiles(fetch: Fetch, size: int, leaf_hashes: list[bytes | None], report: Report) -> None:
    """Every served tile must hold exactly the hashes recomputed from the entries."""
    layer = leaf_hashes
    for level in range(tiles.levels_for(size)):
        if level:
            for _ in range(tiles.HEIGHT):
                layer = [
                    None if a is None or b is None else hashing.node_hash(a, b)
                    for a, b in zip(layer[0::2], layer[1::2], strict=False)
                ]
        refs = tiles.tiles_for(size, level)
        for start in range(0, len(refs), 64):
            chunk = refs[start : start + 64]
            for ref, body in zip(chunk, _fetch_tiles(fetch, chunk, report), strict=True):
                first, end = ref.node_range()
                if body is None:
                    continue
                want = layer[first:end]
                if len(body) != 32 * ref.width or any(
                    h is not None and body[32 * n : 32 * n + 32] != h for n, h in enumerate(want)
                ):
                    report.problems.append(f"瓦片 {ref.path()} 与按条目重算的哈希不符")


def _parse_kept(kept: str, verifier: Verifier, served: Checkpoint, report: Report) -> Checkpoint | None:
    """The kept checkpoint, compared with the served one: same size, other root is a fork."""
    try:
        old = parse_checkpoint(kept, verifier)
    except LogError as exc:
        report.problems.append(f"保存的检查点无效：{exc}")
        return None
    if old.size > served.size:
        report.problems.append(f"日志从保存的检查点的{old.size}条缩短为{served.size}条：日志被回滚")
        return None
    if old.size == served.size and old.root != served.root:
        report.problems.append(f"分叉：同为{old.size}条，服务器的检查点与保存的检查点根哈希不同")
        return None
    return old


def _check_kept(old: Checkpoint, known: list[bytes], report: Report) -> None:
    """The served tree must extend the checkpoint the auditor kept (a fork or a rewrite otherwise)."""
    if hashing.root_of(known[: old.size]) != old.root:
        report.problems.append(f"服务器的日志前{old.size}条与保存的检查点不一致：历史被改写或分叉")
