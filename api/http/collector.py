"""The garbage collector's passes, moved out of requests into the moments between them.

Why: CPython's cyclic collector runs when enough container objects have been allocated, which
in a server means in the middle of a request. A search page allocates tens of thousands of
objects (ORM rows, GraphQL results, futures); a young pass mid-request finds them alive, promotes
them, and the older generations then fill with what dies a moment later. Measured at a million
results (bench/search_bench.py, 300 three-term searches at CPython's default thresholds): 513
young passes (91 ms), 46 middle passes (103 ms) and 4 full passes of ~10 ms each, all inside
requests, the full ones setting the p99.

What this does instead, as Ruby's Unicorn does with its out-of-band GC:

- At start-up, everything loaded so far is frozen (it lives as long as the process) and the
  young threshold is raised, so a usual request runs with no pass at all.
- When a response has been sent and no other request is in flight, one pass runs, of the
  generation CPython would have chosen by its counts (full passes less often: FULL_PASS_RATIO).
  The request's objects are dead by then, so the pass traverses little and promotes nothing
  that does not live on.
- Under load that never leaves the server idle, the raised threshold still bounds memory: the
  collector then runs inside requests as before, less often and for longer.
"""

from __future__ import annotations

import asyncio
import gc

from starlette.types import ASGIApp, Receive, Scope, Send

# Container allocations (net of deallocations) before a pass is due between requests: CPython's
# own young threshold, so idle-time passes are no more frequent than the default ones.
DUE_AFTER = 700
# The threshold left to CPython for when the server is never idle. A search page at a million
# results ends with ~1,000-2,000 more containers than it started with (12,000 at most, measured
# over 240 searches), so a usual request runs with no pass. Higher would make each pass under
# constant load longer: ~5 ms at 10,000, ~40 ms at 50,000 (measured in the second session).
BUSY_THRESHOLD = 10_000
# CPython's ratios between generations: a middle pass every tenth young one, and so on.
GENERATION_RATIO = 10
# Between requests, a full pass every hundredth middle one, not every tenth: what reaches the
# oldest generation there has outlived its request (caches, pools), so it grows slowly, while a
# full pass costs 3-6 ms at a million results and delays the request that arrives meanwhile.
# (CPython's own rule skips a full pass until that generation has grown by a quarter.)
FULL_PASS_RATIO = 100


def freeze_startup_objects() -> None:
    """Move everything alive now out of the collector's sight and raise the young threshold.

    Call once the process has loaded what it keeps for its lifetime (schema, segmenter, models).
    Measured at 1M results: a full pass over the ~170,000 start-up objects took 90-110 ms; frozen,
    they are never traversed again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(BUSY_THRESHOLD, GENERATION_RATIO, GENERATION_RATIO)


def due_generation() -> int | None:
    """The generation CPython would collect now by its counts, or None if no pass is due."""
    young, middle, old = gc.get_count()
    if young < DUE_AFTER:
        return None
    if old >= FULL_PASS_RATIO:
        return 2
    if middle >= GENERATION_RATIO:
        return 1
    return 0


class CollectBetweenRequests:
    """ASGI middleware: run the due garbage collector pass once a response is sent and the
    server has no other request in flight."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0 and due_generation() is not None:
                # After this task ends, so the server's write of the response goes first.
                asyncio.get_running_loop().call_soon(self.collect_if_idle)

    def collect_if_idle(self) -> int | None:
        """Run the due pass if no request has started meanwhile; returns the generation run."""
        generation = due_generation()
        if self.in_flight or generation is None:
            return None
        gc.collect(generation)
        return generation
