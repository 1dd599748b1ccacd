"""The path language of a generic webhook's mapping: a read-only subset of JSONPath, parsed by
jsonpath-ng, then checked node by node.

    $                         the whole body (every path starts here)
    .name  ["name"]  ."a b"   a member of an object (quoted for names with spaces, dots, @ …)
    [0]  [-1]                 an element of an array (negative: counted from the end)
    [*]  .*                   every element of an array / every member of an object
    [1:3]                     a slice of an array

The rest of what jsonpath-ng reads (``..`` at any depth, ``where``, unions, ``parent``,
filters, arithmetic) is refused: a mapping says where a value is, it does not compute one.
Nothing here writes to the body."""

import warnings
from functools import lru_cache
from typing import Any

from jsonpath_ng import parse as jsonpath_parse
from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.jsonpath import (
    Child,
    Descendants,
    Fields,
    Index,
    JSONPath,
    Parent,
    Root,
    Slice,
    This,
    Where,
    Wildcard,
)

SUPPORTED = '$, .name, ["name"], [0], [*] and [start:end]'
REFUSED = {
    Descendants: "“..” (any depth) is not supported: write each step of the path.",
    Where: "“where” is not supported: a mapping says where a value is.",
    Parent: "“`parent`” is not supported.",
    This: "“`this`” is not supported.",
}


class PathError(ValueError):
    """A path that is not in the language; the message says why."""


@lru_cache(maxsize=1024)
def compile_path(text: str) -> JSONPath:
    """The parsed path, or PathError with the parser's message or the construct refused."""
    text = text.strip()
    if not text.startswith("$"):
        raise PathError("Start the path at the body's root “$”, e.g. “$.incident.id”.")
    try:
        with warnings.catch_warnings():  # jsonpath-ng warns of “|” and “&”, refused below
            warnings.simplefilter("ignore", DeprecationWarning)
            path = jsonpath_parse(text)
    except JSONPathError as error:
        raise PathError(f"Not a path: {str(error).strip()}") from None
    _check(path, leftmost=True)
    return path


def _check(node: JSONPath, *, leftmost: bool) -> None:
    if isinstance(node, Child):
        _check(node.left, leftmost=leftmost)
        _check(node.right, leftmost=False)
        return
    if isinstance(node, Root) and leftmost:
        return
    if isinstance(node, Fields) and len(node.fields) == 1 and not leftmost:
        return
    if isinstance(node, Index) and len(node.indices) == 1 and not leftmost:
        return
    if isinstance(node, (Wildcard, Slice)) and not leftmost:
        return
    for kind, message in REFUSED.items():
        if isinstance(node, kind):
            raise PathError(message)
    raise PathError(f"Only {SUPPORTED} are supported, each step after “$”.")


def find(text: str, data: Any) -> list[Any]:
    """Every value the path finds in ``data``, in order (none: an empty list)."""
    return [match.value for match in compile_path(text).find(data)]
