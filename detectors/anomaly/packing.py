"""Integer arrays as short ASCII strings, for compact JSON-able detector state.

A busy brand's duplicate index holds tens of thousands of hashes: as JSON numbers they
take 2–3 times the bytes of their little-endian binary form in base64.

>>> pack([1, 2, 2**40], "<u8")
'AQAAAAAAAAACAAAAAAAAAAAAAAAAAQAA'
>>> unpack(pack([1, 2, 2**40], "<u8"), "<u8").tolist()
[1, 2, 1099511627776]
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

import numpy as np


def pack(values: Iterable[int] | np.ndarray, dtype: str) -> str:
    """``values`` as base64 of their ``dtype`` (little-endian, e.g. ``"<u4"``) bytes."""
    array = values if isinstance(values, np.ndarray) else np.fromiter(values, dtype=dtype)
    return base64.b64encode(array.astype(dtype, copy=False).tobytes()).decode("ascii")


def unpack(text: str, dtype: str) -> np.ndarray:
    """The array :func:`pack` made."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype)
