"""The request's loaders keep primed values as values (api.graphql.loaders.Loader) and otherwise
behave as strawberry's DataLoader: the same answers for the same calls, compared side by side."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from strawberry.dataloader import DataLoader

from api.graphql.loaders import ABSENT, Loader
from api.graphql.nodes.base import cached, cached_many


def _loader(kind: type[DataLoader[int, str]], calls: list[list[int]]) -> DataLoader[int, str]:
    async def load(keys: Sequence[int]) -> list[str]:
        calls.append(list(keys))
        return [f"读{key}" for key in keys]

    return kind(load_fn=load)


async def _story(kind: type[DataLoader[int, str]]) -> tuple[list[Any], list[list[int]]]:
    """One sequence of primes, loads and clears; what each load answered, and the batches sent."""
    calls: list[list[int]] = []
    loader = _loader(kind, calls)
    seen: list[Any] = []
    loader.prime_many({1: "甲", 2: "乙"})
    seen += [await loader.load(1), await loader.load(1), await loader.load(3)]
    loader.prime_many({3: "丙", 2: "丁"})  # a prime never replaces what a key holds
    seen += [await loader.load(3), await loader.load(2)]
    loader.prime_many({3: "丙"}, force=True)
    seen.append(await loader.load(3))
    loader.clear(2)
    seen.append(await loader.load(2))
    with pytest.raises(KeyError):
        loader.clear(99)
    loader.prime(4, "戊")
    loader.clear(4)  # a primed key not loaded yet
    seen.append(await loader.load(4))
    pending = loader.load(5)  # waits in a batch not sent yet: the prime settles it
    loader.prime_many({5: "己", 6: "庚"})
    seen += [await pending, await loader.load(6)]
    seen.append(await asyncio.gather(*[loader.load(key) for key in (1, 7, 6)]))
    loader.clear_all()
    seen.append(await loader.load(1))
    return seen, calls


async def test_a_loader_answers_as_strawberrys() -> None:
    ours, ours_calls = await _story(Loader)
    theirs, their_calls = await _story(DataLoader)
    assert ours == theirs == [
        "甲", "甲", "读3", "读3", "乙", "丙", "读2", "读4", "己", "庚", ["甲", "读7", "庚"], "读1"
    ]  # fmt: skip
    assert ours_calls == their_calls == [[3], [2], [4], [7], [1]]


async def test_a_primed_value_is_read_without_a_future() -> None:
    calls: list[list[int]] = []
    loader = _loader(Loader, calls)
    assert isinstance(loader, Loader)
    loader.prime_many({1: "甲"})
    assert loader.primed_value(1) == "甲" and loader.primed_value(2) is ABSENT
    assert cached(loader, 1, str.upper) == "甲"  # the value now, nothing to await
    assert cached_many(loader, [1], list) == ["甲"]
    assert loader.primed_value(1) == "甲"  # still a value: no future was made for it
    assert await loader.load(1) == "甲"
    assert loader.primed_value(1) is ABSENT  # loaded: a future now, as strawberry keeps it
    assert cached(loader, 1, str.upper) == "甲"  # a settled future: still the value now
    later = cached(loader, 2, str.upper)  # neither primed nor loaded: to await
    assert asyncio.iscoroutine(later) and await later == "读2"
    mixed = cached_many(loader, [1, 3], list)
    assert asyncio.iscoroutine(mixed) and await mixed == ["甲", "读3"]
    assert calls == [[2], [3]]
