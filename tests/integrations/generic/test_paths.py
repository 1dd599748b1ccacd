"""The mapping's path language: the read-only subset of JSONPath it documents, and the rest
refused with a reason."""

import pytest

from integrations.generic.paths import PathError, compile_path, find

BODY = {
    "incident": {"id": 7, "the title": "Down"},
    "alerts": [{"labels": {"service": "a"}}, {"labels": {"service": "b"}}, {"labels": {}}],
    "@timestamp": 1765000000,
}


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("$.incident.id", [7]),
        ('$.incident["the title"]', ["Down"]),
        ('$.incident."the title"', ["Down"]),
        ('$["@timestamp"]', [1765000000]),
        ("$.alerts[0].labels.service", ["a"]),
        ("$.alerts[-2].labels.service", ["b"]),
        ("$.alerts[*].labels.service", ["a", "b"]),
        ("$.alerts[0:1].labels.service", ["a"]),
        ("$.incident.*", [7, "Down"]),
        ("$.alerts[5].labels.service", []),
        ("$.incident.id.more", []),
    ],
)
def test_the_supported_paths_find_their_values(path, values):
    assert find(path, BODY) == values


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("incident.id", "Start the path at the body's root"),
        ("$..service", "“..” (any depth) is not supported"),
        ("$.alerts where $.x", "“where” is not supported"),
        ("$.a.`parent`", "“`parent`” is not supported"),
        ("$.a.`this`", "“`this`” is not supported"),
        ("$.a | $.b", "Only $, .name"),
        ("$.a & $.b", "Only $, .name"),
        ("$.$", "Only $, .name"),
        ("$[0,1]", "Only $, .name"),
        ("$.alerts[?(@.x)]", "Not a path: Error on line 1, col 9"),
        ("$.a.", "Not a path: Parse error near the end of string!"),
    ],
)
def test_the_rest_is_refused_with_a_reason(path, reason):
    with pytest.raises(PathError) as refused:
        compile_path(path)
    assert reason in str(refused.value)
