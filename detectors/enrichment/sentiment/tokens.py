"""Text normalisation and the word tokens every fast scorer sees."""

from __future__ import annotations

import re

# The training tweets (UMSAB) have user handles replaced by "@user" and links by
# "http": live mentions get the same treatment so the models see familiar input.
_HANDLE = re.compile(r"@\w+")
_LINK = re.compile(r"https?://\S+|www\.\S+")
# A word is a run of letters/digits (any script); every other visible character
# (punctuation, emoji) is its own token, since "!!!" and "😡" carry sentiment.
_TOKEN = re.compile(r"\w+|[^\w\s]")


def normalize(text: str) -> str:
    """Mask handles and links as UMSAB does.

    >>> normalize("@Nuvola down again https://t.co/x1 #fail")
    '@user down again http #fail'
    """
    return _LINK.sub("http", _HANDLE.sub("@user", text))


def tokenize(text: str) -> list[str]:
    """Split a normalised text into lower-cased tokens.

    >>> tokenize("Honteux, @user !! 😡")
    ['honteux', ',', '@', 'user', '!', '!', '😡']
    """
    return _TOKEN.findall(text.lower())
