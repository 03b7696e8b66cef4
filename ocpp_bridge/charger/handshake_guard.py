"""Failed charger handshakes, counted per source: per remote address, and per station from
that address, so that guessing a station's password costs the attacker a lock instead of the
CSMS a password hash per try.

The failing source is throttled, never the identity: a lock on a station keyed by the station
alone let anyone who knows an identity keep the real station out (its right password
included) by failing ten handshakes a window. The station from its own address is untouched
by failures from elsewhere; an attacker spreading guesses over many addresses pays one lock
per address (`max_address_failures` tries each, whatever the stations).

A fixed window: failures fall in buckets of `window` seconds (time // window). Once an address,
or a station from one address, has `max` failures in the current bucket, those handshakes are
refused without looking at the credentials until the bucket ends. Refusals during a lock are
not counted, so a station retrying with its corrected password gets in at the end of the
window rather than staying locked for as long as it retries.

Stations are keyed by asset id, not by the identity in the URL: unknown identities cannot fill
the store (they count by address only), and a station deleted and created again starts clean.
Nothing resets a counter early, not even a success: a success from one address must not wipe
the failures of another, and an attacker holding one valid station must not be able to clear
its own address's count by logging that station in between guesses.

A locked address does not refuse a station that has got in from it before (within
`known_for` seconds of its last success): behind a carrier NAT hundreds of stations share one
address, and one of them retrying with a wrong password every few seconds would otherwise lock
out every neighbour. That station is still bound by its own lock from the address; what the
address lock stops, guessing across identities never seen from there, still holds.

With REDIS_URL the counters live in Redis, shared by every daphne process; without it, in this
process (the embedded default has only one).
"""

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis
from django.conf import settings

from csms.redis_client import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "ocpp:handshake-failures"

Clock = Callable[[], float]


class FailureStore(Protocol):
    def counts(self, keys: list[str], bucket: int) -> list[int]: ...

    def add(self, keys: list[str], bucket: int, ttl: int) -> list[int]:
        """Count one failure for each key; the new counts."""
        ...

    def mark(self, key: str, ttl: int) -> None:
        """Remember `key` for `ttl` seconds (a station that got in from a source)."""
        ...

    def marked(self, key: str) -> bool: ...


class RedisFailureStore:
    """One counter per key and bucket; Redis expires it once its bucket is over."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def counts(self, keys: list[str], bucket: int) -> list[int]:
        values = self.client.mget([f"{key}:{bucket}" for key in keys])
        return [int(value or 0) for value in values]

    def add(self, keys: list[str], bucket: int, ttl: int) -> list[int]:
        pipeline = self.client.pipeline(transaction=False)
        for key in keys:
            pipeline.incr(f"{key}:{bucket}")
            pipeline.expire(f"{key}:{bucket}", ttl)
        return [int(count) for count in pipeline.execute()[::2]]

    def mark(self, key: str, ttl: int) -> None:
        self.client.set(key, 1, ex=ttl)

    def marked(self, key: str) -> bool:
        return bool(self.client.exists(key))


@dataclass
class MemoryFailureStore:
    """The same in this process, holding the current bucket only (older ones are dropped);
    marks expire by the clock (one per station and source: bounded by the fleet)."""

    bucket: int = -1
    counters: dict[str, int] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)  # key -> until (time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self, key: str, ttl: int) -> None:
        with self.lock:
            self.marks[key] = time.monotonic() + ttl

    def marked(self, key: str) -> bool:
        with self.lock:
            return self.marks.get(key, 0.0) > time.monotonic()

    def counts(self, keys: list[str], bucket: int) -> list[int]:
        with self.lock:
            return [self.counters.get(key, 0) if bucket == self.bucket else 0 for key in keys]

    def add(self, keys: list[str], bucket: int, ttl: int) -> list[int]:
        with self.lock:
            if bucket != self.bucket:
                self.bucket, self.counters = bucket, {}
            for key in keys:
                self.counters[key] = self.counters.get(key, 0) + 1
            return [self.counters[key] for key in keys]


@dataclass(frozen=True)
class HandshakeGuard:
    """`max_station_failures` / `max_address_failures` per `window` seconds; 0 = no limit.
    A station that got in from a source passes that source's address lock for `known_for`
    seconds after (0: never)."""

    store: FailureStore
    max_station_failures: int
    max_address_failures: int
    window: int
    clock: Clock = time.time
    known_for: int = 0

    def bucket(self) -> int:
        return int(self.clock() // self.window)

    def address_locked(self, address: str | None, identity: str = "") -> bool:
        """Whether handshakes from `address` by `identity` are refused now (checked before any
        database read): not when that identity got in from there lately. Fails open when
        Redis is unreachable: the password check still stands."""
        if not self._locked(address_key(address), self.max_address_failures):
            return False
        return not self._known(identity, address)

    def record_success(self, *, identity: str, address: str | None) -> None:
        """The station got in from `address`: that address's lock no longer refuses it."""
        key = known_key(identity, address)
        if not key or not self.known_for:
            return
        try:
            self.store.mark(key, self.known_for)
        except redis.RedisError:
            logger.warning("Could not remember the source of %s", identity, exc_info=True)

    def _known(self, identity: str, address: str | None) -> bool:
        key = known_key(identity, address)
        if not key or not self.known_for:
            return False
        try:
            return self.store.marked(key)
        except redis.RedisError:  # the lock was read a moment ago: it stands
            logger.warning("Could not read the sources of %s", identity, exc_info=True)
            return False

    def station_locked(self, asset_id: object, address: str | None) -> bool:
        """Whether handshakes of the station from `address` are refused now (from any other
        address its right password still gets in)."""
        return self._locked(station_key(asset_id, address), self.max_station_failures)

    def record_failure(self, *, asset_id: object | None, address: str | None) -> None:
        """Count a refused handshake against its address and its station from that address
        (when known); log the lock that this failure starts."""
        limits = {
            station_key(asset_id, address): self.max_station_failures,
            address_key(address): self.max_address_failures,
        }
        keys = [key for key, limit in limits.items() if key and limit]  # "": none to count
        if not keys:
            return
        try:
            counts = self.store.add(keys, self.bucket(), ttl=2 * self.window)
        except redis.RedisError:
            logger.warning("Could not count a failed handshake", exc_info=True)
            return
        for key, count in zip(keys, counts, strict=True):
            if count == limits[key]:
                logger.warning(
                    "Handshakes of %s locked after %d failures, for at most %d s",
                    key.removeprefix(KEY_PREFIX + ":"),
                    count,
                    self.window,
                )

    def _locked(self, key: str, limit: int) -> bool:
        if not key or not limit:
            return False
        try:
            return self.store.counts([key], self.bucket())[0] >= limit
        except redis.RedisError:
            logger.warning("Could not read failed handshakes of %s", key, exc_info=True)
            return False


def source(address: str | None) -> str:
    """What one failing source is: an IPv4 address, or an IPv6 /64 (the smallest block a
    network hands out, whose 2^64 addresses would otherwise each get their own tries)."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def station_key(asset_id: object | None, address: str | None) -> str:
    """The station from one source (an unknown address is a source of its own)."""
    if asset_id is None:
        return ""
    return f"{KEY_PREFIX}:station:{asset_id}:from:{source(address) or '?'}"


def known_key(identity: str, address: str | None) -> str:
    """A station (by the identity it connects as) that got in from one source."""
    if not identity or not address:
        return ""
    return f"{KEY_PREFIX}:known:{identity}:from:{source(address)}"


def address_key(address: str | None) -> str:
    return f"{KEY_PREFIX}:address:{source(address)}" if address else ""


_memory_store = MemoryFailureStore()


def handshake_guard() -> HandshakeGuard:
    """The guard of the settings: counters in Redis with REDIS_URL, else in this process."""
    store: FailureStore = RedisFailureStore(redis_client()) if settings.REDIS_URL else _memory_store
    return HandshakeGuard(
        store=store,
        max_station_failures=settings.OCPP_AUTH_MAX_FAILURES,
        max_address_failures=settings.OCPP_AUTH_MAX_ADDRESS_FAILURES,
        window=max(1, settings.OCPP_AUTH_FAILURE_WINDOW_SECONDS),
        known_for=settings.OCPP_AUTH_KNOWN_SOURCE_DAYS * 86400,
    )
