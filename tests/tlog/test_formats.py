"""The formats against published known answers and an independent recursive RFC 9162 (no database)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tlog import hashing, leaves, proofs, tiles
from tlog.errors import LogError
from tlog.note import Checkpoint, Signer, Verifier, open_note, parse_checkpoint

# RFC 6962's test leaves and the roots of their first n (certificate-transparency's merkle tests).
RFC_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43", bytes(range(0x50, 0x58))]
RFC_LEAVES.append(bytes(range(0x60, 0x70)))
RFC_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# golang.org/x/mod/sumdb/note's documented example: key, text and the exact signed note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def mth(items: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written out recursively, straight from the text."""
    if not items:
        return hashlib.sha256(b"").digest()
    if len(items) == 1:
        return hashlib.sha256(b"\x00" + items[0]).digest()
    k = 1
    while k * 2 < len(items):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(items[:k]) + mth(items[k:])).digest()


def path(m: int, items: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    if len(items) == 1:
        return []
    k = 1
    while k * 2 < len(items):
        k *= 2
    if m < k:
        return [*path(m, items[:k]), mth(items[k:])]
    return [*path(m - k, items[k:]), mth(items[:k])]


def subproof(m: int, items: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    if m == len(items):
        return [] if b else [mth(items)]
    k = 1
    while k * 2 < len(items):
        k *= 2
    if m <= k:
        return [*subproof(m, items[:k], b), mth(items[k:])]
    return [*subproof(m - k, items[k:], False), mth(items[:k])]


def test_rfc6962_roots_known_answers() -> None:
    assert hashing.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n, want in enumerate(RFC_ROOTS, start=1):
        assert hashing.root_of(hashing.leaf_hash(x) for x in RFC_LEAVES[:n]).hex() == want
        assert mth(RFC_LEAVES[:n]).hex() == want  # the oracle agrees with the published values too


def node_store(items: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree of ``items`` by (level, index), built with push_frontier as the log does."""
    frontier: list[bytes] = []
    store: dict[tuple[int, int], bytes] = {}
    for size, item in enumerate(items):
        leaf = hashing.leaf_hash(item)
        store[(0, size)] = leaf
        for level, index, h in hashing.push_frontier(frontier, size, leaf):
            store[(level, index)] = h
    return store


@given(st.integers(min_value=1, max_value=70), st.data())
def test_proofs_match_the_recursive_definitions_and_verify(size: int, data: st.DataObject) -> None:
    items = [n.to_bytes(2, "big") for n in range(size)]
    store = node_store(items)
    node = lambda level, index: store[(level, index)]  # noqa: E731
    root = mth(items)
    assert hashing.fold_frontier([store[k] for k in hashing.frontier_nodes(size)]) == root
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = [proofs.range_hash(lo, hi, node) for lo, hi in proofs.inclusion_ranges(index, size)]
    assert proof == path(index, items)
    leaf = hashing.leaf_hash(items[index])
    assert proofs.verify_inclusion(index, size, leaf, proof, root)
    assert not proofs.verify_inclusion(index, size, hashing.leaf_hash(b"other"), proof, root)
    if proof:
        assert not proofs.verify_inclusion(index, size, leaf, proof[:-1], root)
    old = data.draw(st.integers(min_value=1, max_value=size))
    consistency = [proofs.range_hash(lo, hi, node) for lo, hi in proofs.consistency_ranges(old, size)]
    assert consistency == (subproof(old, items, True) if old < size else [])
    assert proofs.verify_consistency(old, size, mth(items[:old]), root, consistency)
    if old < size:
        assert not proofs.verify_consistency(old, size, mth([b"forged", *items[1:old]]), root, consistency)


def test_rfc6962_inclusion_path_known_answer() -> None:
    store = node_store(RFC_LEAVES)
    proof = [
        proofs.range_hash(lo, hi, lambda lv, i: store[(lv, i)]) for lo, hi in proofs.inclusion_ranges(0, 8)
    ]
    assert [p.hex() for p in proof] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_signed_note_matches_the_go_reference_byte_for_byte() -> None:
    signer = Signer.parse(GO_SKEY)
    assert signer.verifier.encode() == GO_VKEY
    assert signer.encode() == GO_SKEY
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, Verifier.parse(GO_VKEY)) == GO_TEXT


def test_a_note_signed_by_another_key_or_altered_is_refused() -> None:
    other = Signer.generate("PeterNeumann")
    with pytest.raises(LogError) as missing:
        open_note(GO_NOTE, other.verifier)
    assert missing.value.code == "LOG_SIGNATURE_MISSING"  # same name, different key ID
    with pytest.raises(LogError) as invalid:
        open_note(GO_NOTE.replace("you think", "you thinks"), Verifier.parse(GO_VKEY))
    assert invalid.value.code == "LOG_SIGNATURE_INVALID"
    for bad in ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann", ""):
        with pytest.raises(LogError) as malformed:
            Verifier.parse(bad)
        assert malformed.value.code == "LOG_KEY_INVALID"


def test_checkpoint_body_and_parse() -> None:
    signer = Signer.parse(GO_SKEY)
    root = bytes(range(32))
    body = Checkpoint("PeterNeumann", 5, root).body()
    assert body == "PeterNeumann\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    parsed = parse_checkpoint(signer.sign(body), signer.verifier)
    assert (parsed.origin, parsed.size, parsed.root) == ("PeterNeumann", 5, root)
    with pytest.raises(LogError) as wrong_origin:
        parse_checkpoint(signer.sign("example.com/log\n5\n" + body.split("\n")[2] + "\n"), signer.verifier)
    assert wrong_origin.value.code == "LOG_CHECKPOINT_MALFORMED"


def test_tile_paths_as_in_the_spec() -> None:
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(5) == "005"
    assert tiles.TileRef(0, 1234067).path() == "tile/0/x001/x234/067"
    assert tiles.TileRef(None, 1234067, 8).path() == "tile/entries/x001/x234/067.p/8"
    assert tiles.parse_path("tile/0/x001/x234/067") == tiles.TileRef(0, 1234067, 256)
    assert tiles.parse_path("tile/entries/x001/x234/067.p/8") == tiles.TileRef(None, 1234067, 8)
    assert tiles.parse_path("tile/2/000.p/1") == tiles.TileRef(2, 0, 1)
    for bad in (
        "tile/0/1",
        "tile/0/x000/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/08",
        "tile/a/001",
    ):
        assert tiles.parse_path(bad) is None, bad
    assert [r.path() for r in tiles.tiles_for(513, 0)] == ["tile/0/000", "tile/0/001", "tile/0/002.p/1"]
    assert tiles.tiles_for(70000, 1)[-1] == tiles.TileRef(1, 1, 17)  # 70000 >> 8 = 273 = 256 + 17
    assert tiles.levels_for(255) == 1 and tiles.levels_for(256) == 2 and tiles.levels_for(65536) == 3


def test_entry_bundles_round_trip_and_refuse_truncation() -> None:
    entries = [b"", b"a", "公示".encode()]
    data = tiles.bundle(entries)
    assert data == b"\x00\x00\x00\x01a\x00\x06" + "公示".encode()
    assert tiles.unbundle(data) == entries
    with pytest.raises(ValueError):
        tiles.unbundle(data[:-1])


def test_result_leaf_is_canonical_and_public_fields_only() -> None:
    data = leaves.result_version(
        result_id=7,
        version=2,
        task_id=3,
        credit_code="92532325MANRFL2K99",
        item_code="YA-GA-01",
        category_codes=["NO_PROBLEM"],
        description="现场检查未发现违法违规问题。",
        published_on=date(2021, 12, 17),
        change_reason="经复查，原检查结果录入有误，予以更正",
    )
    assert (
        data
        == (
            '{"categoryCodes":["NO_PROBLEM"],"changeReason":"经复查，原检查结果录入有误，予以更正",'
            '"creditCode":"92532325MANRFL2K99","description":"现场检查未发现违法违规问题。","itemCode":"YA-GA-01",'
            '"kind":"result.corrected","publishedOn":"2021-12-17","resultId":7,"taskId":3,"v":1,"version":2}'
        ).encode()
    )
    assert leaves.decode(data)["kind"] == "result.corrected"
    with pytest.raises(ValueError):
        leaves.decode(b'{"v": 1}')  # not canonical (a space)


def test_an_overlong_description_is_logged_by_its_hash() -> None:
    text = "很长的说明" * 5000  # 75,000 bytes: more than a 16-bit entry length
    data = leaves.result_version(
        result_id=1,
        version=1,
        task_id=1,
        credit_code="92532325MANRFL2K99",
        item_code="I",
        category_codes=["NO_PROBLEM"],
        description=text,
        published_on=date(2021, 1, 4),
        change_reason=None,
    )
    fields = leaves.decode(data)
    assert "description" not in fields
    assert fields["descriptionSha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert len(data) < leaves.MAX_ENTRY_BYTES
