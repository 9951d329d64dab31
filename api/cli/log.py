"""Public log commands (issue 18): ``gongshi log keygen|key|sign|verify``.

``verify`` is the auditor's tool: it talks to a server only through the documented formats (the
checkpoint, tiles and entry bundles under /log/, and the bulk download), never a database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.cli.session import open_sessions
from api.settings import Settings


def _keygen(settings: Settings, args: argparse.Namespace) -> int:
    from tlog import Signer

    out = Path(args.out)
    if out.exists():
        print(f"{out} 已存在，拒绝覆盖（轮换密钥见 tlog/README.md）（LOG_KEY_EXISTS）", file=sys.stderr)
        return 2
    signer = Signer.generate(args.name)
    # Created readable by its owner only, before a byte of the key is written.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(signer.encode() + "\n")
    print(f"私钥已写入 {out}（请设置 GONGSHI_LOG_KEY_FILE={out}，并离线备份）")
    print(f"公钥（公布于网站和README）：{signer.verifier.encode()}")
    return 0


def _key(settings: Settings, args: argparse.Namespace) -> int:
    from tlog import LogError, load_signer

    try:
        signer = load_signer(settings.log_key_file)
    except LogError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(signer.verifier.encode())
    return 0


async def _sign_async(settings: Settings, force: bool) -> int:
    from api.http.log import sign_once
    from tlog import LogError, load_signer

    try:
        signer = load_signer(settings.log_key_file)
    except LogError as exc:
        print(exc, file=sys.stderr)
        return 2
    async with open_sessions(settings) as sessions:
        try:
            size = await sign_once(sessions, signer, force=force)
        except LogError as exc:
            print(exc, file=sys.stderr)
            return 1
    print(f"已签署检查点：{size}条")
    return 0


def _sign(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_sign_async(settings, args.force))


def _fetcher(client: Any, pool: ThreadPoolExecutor) -> Any:
    def one(path: str) -> bytes | None:
        response = client.get("/" + path)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return bytes(response.content)

    def fetch(paths: Sequence[str]) -> list[bytes | None]:
        return list(pool.map(one, paths))

    return fetch


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    import httpx

    from tlog import LogError, Verifier
    from tlog.verify import verify

    kept = Path(args.since).read_text(encoding="utf-8") if args.since else None
    with httpx.Client(base_url=args.url.rstrip("/"), timeout=60) as client, ThreadPoolExecutor(8) as pool:
        try:
            if args.key:
                verifier = Verifier.parse(args.key)
            else:
                verifier = Verifier.parse(client.get("/log/key").raise_for_status().text)
                print(f"未指定 --key，使用服务器提供的公钥 {verifier.encode()}（请与公布的公钥核对）")
            report = verify(_fetcher(client, pool), verifier, kept=kept, bulk=not args.no_bulk)
        except (httpx.HTTPError, LogError) as exc:
            print(f"问题：无法核对日志：{exc}")
            return 1
    for problem in report.problems:
        print(f"问题：{problem}")
    if report.problems:
        print(f"共发现{len(report.problems)}个问题")
        return 1
    assert report.checkpoint is not None
    print(
        f"日志核对通过：{report.leaves}条，签名有效"
        + ("，与保存的检查点一致" if kept else "")
        + (f"，已核对批量数据中的已公示结果{report.results_checked}条" if not args.no_bulk else "")
    )
    if args.save:
        Path(args.save).write_text(report.checkpoint.note, encoding="utf-8")
        print(f"检查点已保存到 {args.save}（下次用 --since 核对）")
    return 0


def register(sub: Any) -> None:
    """Add the public log commands to the ``gongshi`` parser."""
    log = sub.add_parser(
        "log", help="the public log (公示日志): keys, checkpoints, verification"
    ).add_subparsers(dest="action", required=True)
    keygen = log.add_parser("keygen", help="make a new Ed25519 signing key file (never overwrites)")
    keygen.add_argument("--out", required=True, help="where to write the private key")
    keygen.add_argument(
        "--name", default="gongshi.local/log", help="the log's origin, e.g. example.gov.cn/gongshi"
    )
    keygen.set_defaults(run=_keygen)
    log.add_parser("key", help="print the public (verifier) key of GONGSHI_LOG_KEY_FILE").set_defaults(
        run=_key
    )
    sign = log.add_parser("sign", help="sign a checkpoint now if the log grew")
    sign.add_argument("--force", action="store_true", help="sign even if the log did not grow")
    sign.set_defaults(run=_sign)
    check = log.add_parser("verify", help="check a served log, its signature and the bulk download")
    check.add_argument("--url", required=True, help="the server, e.g. https://gongshi.example.gov.cn")
    check.add_argument("--since", help="a checkpoint kept earlier: the log must still contain it")
    check.add_argument("--key", help="the published verifier key (default: ask the server, and say so)")
    check.add_argument("--save", help="write the verified checkpoint here (for the next --since)")
    check.add_argument("--no-bulk", action="store_true", help="skip the bulk download's results")
    check.set_defaults(run=_verify)
