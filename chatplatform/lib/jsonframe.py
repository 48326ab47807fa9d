"""Parse JSON that a client sent, so that no input reaches a limit of the parser or the database.

Three things valid-looking JSON can do that `json.loads` lets through or
turns into the wrong exception:

1. Deep nesting. The C parser recurses once per `[` or `{`: about 3 KB of
   `[` raise RecursionError (not ValueError), which callers do not expect.
   `loads` refuses text that nests deeper than `max_depth` before parsing it
   (`nesting_exceeds`: one C-speed pass in the usual case, see there).
2. Numbers that are not numbers. `NaN`, `Infinity` and `1e999` parse to floats
   that `int()` refuses and that no client can read back (JSON has no such
   values). `loads` refuses them as malformed JSON.
3. Lone surrogates. `"\\ud800"` is valid JSON but not Unicode text: it cannot be
   encoded as UTF-8, so hashing, storing or e-mailing it fails. `loads` keeps
   them (the caller decides which field to name); `lone_surrogate_field`
   finds the first one, and `might_hold_surrogates` tells from the raw text
   whether looking is needed at all.

No Django here: the consumers and the REST API both use it.
"""

import json
import math
import re
from typing import Any

# Real frames nest 3 deep (a `context` frame's pages); 32 leaves room and stays far from recursion limits.
MAX_DEPTH = 32


class FrameError(ValueError):
    """Text refused before or while parsing; `code` is a documented error code."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


# A string literal (its closing quote optional, so that an unterminated one ends the
# text instead of making the search start again at every later quote: linear time),
# or a run of characters that are neither quotes nor brackets.
_NOT_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[^"\[\]{}]+', re.DOTALL)
_AS_PARENS = str.maketrans("[{]}", "(())")
# An escaped UTF-16 surrogate, the only way JSON text that arrived as UTF-8 can hold one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def nesting_exceeds(text: str, limit: int) -> bool:
    """True if the JSON text nests arrays and objects more than `limit` deep.

    Exact for well-formed JSON. For malformed text it may say False where the
    nesting is up to 2 x `limit`, which is still safe to parse (the parser
    then reports the error). Brackets inside strings do not count.

    1. At most `limit` openers: cannot be too deep (the usual frame; two C-speed counts).
    2. Drop strings and everything but brackets, and make every bracket a parenthesis.
    3. Each pass of `replace("()", "")` removes the innermost level, so after
       `limit` passes a well-formed text is empty unless it nests deeper: a
       "()" is then left. Unclosed openers never pair up; more than `limit` of
       them is too deep as well.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    parens = _NOT_NESTING.sub("", text).translate(_AS_PARENS)
    for _ in range(limit):
        inner_removed = parens.replace("()", "")
        if len(inner_removed) == len(parens):
            break
        parens = inner_removed
    return "()" in parens or parens.count("(") > limit


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` that raises only FrameError: `frame_too_deep` or `malformed_json`."""
    if isinstance(text, bytes):
        try:
            text = text.decode()
        except UnicodeDecodeError:
            raise FrameError("malformed_json", "The JSON is not UTF-8.") from None
    if nesting_exceeds(text, max_depth):
        raise FrameError("frame_too_deep", f"Arrays and objects nest at most {max_depth} deep.")
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError):  # RecursionError cannot happen after the check; kept as a net
        raise FrameError("malformed_json", "The JSON is not valid.") from None


def might_hold_surrogates(text: str) -> bool:
    """False when the parsed text cannot hold a lone surrogate (no `\\uD800`-`\\uDFFF` escape in it)."""
    return "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None


def is_unicode_text(text: str) -> bool:
    """False for a string with a lone surrogate (it has no UTF-8 form)."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def lone_surrogate_field(value: Any, path: str = "") -> str | None:
    """The path (`name`, `page.title`, `pages[2].p`) of the first string holding a lone surrogate.

    Keys are checked too; a bad key is reported as its parent's path (or "a field
    name"), since the key itself cannot be printed. None if every string is
    Unicode text. Recursion is bounded by the nesting `loads` allows.
    """
    if isinstance(value, str):
        return None if is_unicode_text(value) else (path or "the value")
    if isinstance(value, dict):
        for key, item in value.items():
            if not is_unicode_text(key):
                return path or "a field name"
            found = lone_surrogate_field(item, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_field(item, f"{path}[{index}]")
            if found:
                return found
    return None
