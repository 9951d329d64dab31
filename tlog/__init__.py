"""The public log (公示日志): a transparency log of every public event (seed 002 art.17, 001 art.22).

RFC 9162 Merkle hashing, C2SP checkpoints, signed notes and tiles; see tlog/README.md for the leaf
encoding, the formats, what the log proves and what it does not. Imports only ``schema``.
"""

from tlog.errors import LogError
from tlog.events import draw_committed as log_draw_committed
from tlog.events import draw_revealed as log_draw_revealed
from tlog.events import enforcement_outcome as log_enforcement_outcome
from tlog.events import plan_published as log_plan_published
from tlog.events import result_codes
from tlog.events import result_version as log_result_version
from tlog.events import under_objection as log_under_objection
from tlog.hashing import leaf_hash, node_hash, root_of
from tlog.note import Checkpoint, Signer, Verifier, parse_checkpoint
from tlog.proofs import verify_consistency, verify_inclusion
from tlog.signing import load_signer, sign_checkpoint
from tlog.store import append, consistency_proof, head, inclusion_proof, latest_checkpoint, leaf_of, read_tile
from tlog.tiles import TileRef, parse_path

__all__ = [
    "Checkpoint",
    "LogError",
    "Signer",
    "TileRef",
    "Verifier",
    "append",
    "consistency_proof",
    "head",
    "inclusion_proof",
    "latest_checkpoint",
    "leaf_hash",
    "leaf_of",
    "load_signer",
    "log_draw_committed",
    "log_draw_revealed",
    "log_enforcement_outcome",
    "log_plan_published",
    "log_result_version",
    "log_under_objection",
    "node_hash",
    "parse_checkpoint",
    "parse_path",
    "read_tile",
    "result_codes",
    "root_of",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
