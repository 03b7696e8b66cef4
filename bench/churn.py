"""The churn phase: stations connecting, sending one Heartbeat and leaving, round after round,
as a fleet does after a network blip or a rolling firmware update.

What it measures is what a closed connection leaves behind in the server's memory. Daphne
freezes what survives its full collections (csms/runtime/gc_tuning.py), so a closed connection's
reference cycles (its protocol, transport, consumer and tasks: about 23 KiB) stay until the
heartbeat's sweep collects them (docs/PERFORMANCE.md, fix 44). Without that sweep, memory grew
by the same amount every round (46 MiB a round of 2,000 on 12-02 d). The first round pays for
pools, caches and imports; the rounds after it should leave the memory flat.
"""

import asyncio
import time

from bench.phases import Target, gated, identities, rss_kib, say
from bench.stations import close_all, open_all


async def churn(target: Target, count: int, rounds: int, idle_seconds: float) -> None:
    """`rounds` times: connect `count` stations, one Heartbeat each, close them all, wait until
    the server recorded them closed and `idle_seconds` more (a daphne process sweeps at its
    next beat, every OCPP_SERVER_BEAT_SECONDS); the server's memory after each round."""
    await asyncio.to_thread(target.settle)
    before = rss_kib(target.pids)
    after_rounds: list[int] = []
    for number in range(1, rounds + 1):
        started = time.perf_counter()
        stations = await open_all(target.ws_addresses, identities(count))
        await gated(stations, "Heartbeat")
        await close_all(stations)
        await asyncio.to_thread(target.settle)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(idle_seconds)
        after_rounds.append(rss_kib(target.pids))
        say(
            target,
            f"churn round {number}/{rounds}: {count} stations connected, heartbeated and "
            f"closed in {elapsed:.1f} s, RSS {after_rounds[-1] / 1024:.0f} MiB",
        )
    kept = kept_per_connection_kib(after_rounds, count)
    rounds_mib = ", ".join(f"{kib / 1024:.0f}" for kib in after_rounds)
    say(
        target,
        f"churn: RSS {before / 1024:.0f} MiB before, {rounds_mib} MiB after each round; kept "
        f"per closed connection after the first round: {kept:.1f} KiB",
    )
    target.figures.update(churn_kept_kib=kept, churn_rss_mib=after_rounds[-1] / 1024)


def kept_per_connection_kib(after_rounds: list[int], count: int) -> float:
    """Memory the rounds after the first kept, per connection they closed (negative when it
    fell: a sweep freed more than the round added). The first round's growth is the process
    warming up, not a leak, so it is left out."""
    if len(after_rounds) < 2:
        return float("nan")
    grown = after_rounds[-1] - after_rounds[0]
    return grown / (count * (len(after_rounds) - 1))
