"""State that lives in memory as objects and survives a restart through a changelog.

One mechanism for every table of the worker: a :class:`StateTable` holds live objects
in memory, a :class:`Codec` turns them into the bytes of a Faust table (whose
changelog topic brings them back after a crash or a rebalance), and the owner says
when the bytes are written:

- ``table[key] = value`` writes through at once (low-volume state: incidents, dispatch);
- ``table.mark(key)`` says the live object changed; :meth:`StateTable.encode_dirty` and
  :meth:`StateTable.write` save every marked object at the next checkpoint (the ingest
  stage's brands, whose state changes with every mention).

Keys are text and hash like the source topics' keys (Kafka's default partitioner hashes
the key's bytes), so a key's changelog partition is its source partition.
"""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from pydantic import TypeAdapter

from badbuzz.streams.renames import current_home

T = TypeVar("T")


class Codec(Protocol[T]):
    def dumps(self, value: T) -> bytes: ...

    def loads(self, raw: bytes) -> T: ...


class ModelCodec(Generic[T]):
    """Pydantic models (or any type pydantic validates), as JSON."""

    def __init__(self, type_: Any) -> None:
        self._adapter = TypeAdapter(type_)

    def dumps(self, value: T) -> bytes:
        return self._adapter.dump_json(value)

    def loads(self, raw: bytes) -> T:
        return self._adapter.validate_json(raw)


class PickleCodec(Generic[T]):
    """Objects that pickle by their library's design (river's detectors); only ever our own bytes."""

    def dumps(self, value: T) -> bytes:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def loads(self, raw: bytes) -> T:
        # The changelog holds what this worker, or an earlier release of it, wrote.
        return _Unpickler(io.BytesIO(raw)).load()


class _Unpickler(pickle.Unpickler):
    """Finds the classes an earlier release pickled where they are defined now."""

    def find_class(self, module: str, name: str):
        return super().find_class(*current_home(module, name))


class StateCodec(Generic[T]):
    """Objects with a JSON-able ``state()`` and a ``from_state(state)`` that rebuilds them."""

    def __init__(self, to_state: Callable[[T], Any], from_state: Callable[[Any], T]) -> None:
        self._to_state = to_state
        self._from_state = from_state

    def dumps(self, value: T) -> bytes:
        return json.dumps(self._to_state(value), separators=(",", ":")).encode()

    def loads(self, raw: bytes) -> T:
        return self._from_state(json.loads(raw))


class StateTable(Generic[T]):
    """Live objects by key over a Faust table of raw bytes (see the module's docstring).

    ``table`` is anything with a dict's ``get``, ``__setitem__`` and ``keys`` over bytes:
    a Faust table in the worker, a dict in unit tests.
    """

    def __init__(self, table: Any, codec: Codec[T]) -> None:
        self.table = table
        self.codec = codec
        self._live: dict[str, T] = {}
        self._dirty: set[str] = set()

    def live(self, key: str) -> T | None:
        """The object of ``key`` if it is in memory already."""
        return self._live.get(key)

    def live_items(self) -> list[tuple[str, T]]:
        return list(self._live.items())

    def dirty_keys(self) -> list[str]:
        return list(self._dirty)

    def get(self, key: str) -> T | None:
        value = self._live.get(key)
        if value is None:
            raw = self.table.get(key.encode())
            if raw is None:
                return None
            value = self._live[key] = self.codec.loads(raw)
        return value

    def __setitem__(self, key: str, value: T) -> None:
        self._live[key] = value
        self._dirty.discard(key)
        self.table[key.encode()] = self.codec.dumps(value)

    def put(self, key: str, value: T) -> None:
        """Keep ``value`` live; it is written at the next checkpoint."""
        self._live[key] = value
        self._dirty.add(key)

    def mark(self, key: str) -> None:
        """The live object of ``key`` changed: write it at the next checkpoint."""
        self._dirty.add(key)

    @property
    def dirty(self) -> bool:
        return bool(self._dirty)

    def encode_dirty(self) -> list[tuple[bytes, bytes]]:
        """The bytes of every marked object (CPU work: callers run it off the event loop)."""
        encoded = [(key.encode(), self.codec.dumps(self._live[key])) for key in self._dirty if key in self._live]
        self._dirty.clear()
        return encoded

    def write(self, encoded: list[tuple[bytes, bytes]]) -> None:
        for key, raw in encoded:
            self.table[key] = raw

    def checkpoint(self) -> int:
        encoded = self.encode_dirty()
        self.write(encoded)
        return len(encoded)

    def keys(self) -> Iterator[str]:
        return (key.decode() for key in list(self.table.keys()))

    def forget(self) -> None:
        """After a rebalance: keys may have moved, their objects with them (through the changelog)."""
        self._live.clear()
        self._dirty.clear()
