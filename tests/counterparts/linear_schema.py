"""Linear's GraphQL schema, as Linear publishes it in its SDK (``@linear/sdk``, pinned by
``vendor/package-lock.json``), for the tests to validate every query the Linear client sends.

The SDK ships no ``schema.graphql``: it ships the schema as the TypeScript types that
graphql-codegen's ``typescript`` plugin generates from it (``dist/index-*.d.mts``): one
``type Name = Interface & { __typename?: "Name"; field: T; … }`` per object type, one
``type Name = { field?: InputMaybe<T>; … }`` per input type and interface, one
``type ParentFieldArgs = { … }`` per field with arguments, ``declare enum`` per enum,
``type Name = A | B`` per union and the custom scalars in ``type Scalars``. That translation is
mechanical, so it is read back here into SDL: ``T`` is non-null, ``Maybe<T>``/``InputMaybe<T>``
nullable, ``Array<T>`` a list. What the TypeScript loses (default values of arguments, the
directives) makes the schema at most slightly laxer, never stricter, than Linear's own.

The same schema holds the webhook payload types (``EntityWebhookPayload``,
``IssueWebhookPayload``), which the webhook tests check their fixtures against."""

import re
from functools import cache
from pathlib import Path

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

SDK = Path(__file__).parent / "vendor" / "node_modules" / "@linear" / "sdk"
BUILT_IN = {"ID", "String", "Boolean", "Int", "Float"}

_BLOCK = re.compile(r"^type (\w+) = ((?:\w+ & )*)\{$")
_UNION = re.compile(r"^type (\w+) = (\w+(?: \| \w+)+);$")
_ENUM = re.compile(r"^declare enum (\w+) \{$")
_FIELD = re.compile(r"^  (\w+)(\??): (.+);$")
_ENUM_VALUE = re.compile(r'^  \w+ = "(\w+)",?$')
_TYPENAME = re.compile(r'^  __typename\??: "(\w+)";$')


def _declarations() -> str:
    """The generated schema types, without the SDK's own hand-written types after them."""
    text = next((SDK / "dist").glob("index-*.d.mts")).read_text()
    start = text.index("//#region src/_generated_documents.d.ts")
    return text[start : text.index("//#endregion", start)]


def _graphql_type(ts: str, *, optional: bool = False) -> str:
    """``Maybe<Array<Scalars["String"]>>`` → ``[String!]``; a non-null ``T`` gets ``!``."""
    ts = ts.strip()
    for wrapper in ("InputMaybe<", "Maybe<"):
        if ts.startswith(wrapper) and ts.endswith(">"):
            return _graphql_type(ts[len(wrapper) : -1], optional=True).removesuffix("!")
    if ts.startswith("Array<") and ts.endswith(">"):
        named = f"[{_graphql_type(ts[6:-1])}]"
    elif match := re.fullmatch(r'Scalars\["(\w+)"\](?:\["(?:input|output)"\])?', ts):
        named = match.group(1)
    elif re.fullmatch(r"\w+", ts):
        named = ts
    else:
        raise ValueError(ts)
    # An optional field that is not ``Maybe``: an argument with a default value.
    return named if optional else named + "!"


def _blocks(lines: list[str]):
    """(name, interfaces, typename, [(field, optional, ts type)]) of each ``type X = {`` block
    that declares a schema type (not an operation's result, whose fields are inline objects)."""
    index = 0
    while index < len(lines):
        match = _BLOCK.match(lines[index])
        index += 1
        if not match:
            continue
        name, header = match.group(1), match.group(2)
        typename, fields, plain = None, [], True
        while index < len(lines) and not lines[index].startswith("}"):
            line = lines[index]
            index += 1
            if named := _TYPENAME.match(line):
                typename = named.group(1)
            elif field := _FIELD.match(line):
                fields.append((field.group(1), field.group(2) == "?", field.group(3)))
            elif line.startswith("  ") and not line.lstrip().startswith(("/**", "*")):
                plain = False  # an inline object: an operation's result type
        if index < len(lines) and lines[index] == "};" and plain and name != "Scalars":
            interfaces = [part for part in header.split(" & ") if part]
            yield name, interfaces, typename, fields


@cache
def linear_sdl() -> str:
    text = _declarations()
    lines = text.splitlines()
    scalars_block = text[text.index("type Scalars = {") :]
    scalars_block = scalars_block[: scalars_block.index("\n};")]
    scalars = set(re.findall(r"^  (\w+): ", scalars_block, flags=re.M)) - BUILT_IN

    blocks = list(_blocks(lines))
    objects = {name: (ifaces, fields) for name, ifaces, tn, fields in blocks if tn == name}
    plain = {name: (ifaces, fields) for name, ifaces, tn, fields in blocks if tn is None}
    interfaces = {iface for ifaces, _ in objects.values() for iface in ifaces}
    interfaces |= {iface for name in interfaces for iface in plain.get(name, ([], []))[0]}
    arguments = {name for name in plain if name.endswith("Args") and name not in interfaces}

    out = [f"scalar {name}" for name in sorted(scalars)]
    for line in lines:
        if match := _ENUM.match(line):
            start = lines.index(line)
            values = []
            for value_line in lines[start + 1 :]:
                if value_line.startswith("}"):
                    break
                if value := _ENUM_VALUE.match(value_line):
                    values.append(value.group(1))
            out.append(f"enum {match.group(1)} {{ {' '.join(values)} }}")
    for line in lines:
        if (match := _UNION.match(line)) and all(
            member in objects for member in match.group(2).split(" | ")
        ):
            out.append(f"union {match.group(1)} = {match.group(2)}")

    def field_sdl(owner: str, field: str, optional: bool, ts: str) -> str:
        args_name = owner + field[0].upper() + field[1:] + "Args"
        args = ""
        if args_name in arguments:
            args = ", ".join(
                f"{arg}: {_graphql_type(arg_ts, optional=arg_optional)}"
                for arg, arg_optional, arg_ts in plain[args_name][1]
            )
            args = f"({args})" if args else ""
        return f"  {field}{args}: {_graphql_type(ts, optional=optional)}"

    for name, (ifaces, fields) in objects.items():
        implements = f" implements {' & '.join(ifaces)}" if ifaces else ""
        body = [field_sdl(name, f, o, ts) for f, o, ts in fields if f != "__typename"]
        out.append(f"type {name}{implements} {{\n" + "\n".join(body) + "\n}")
    for name, (ifaces, fields) in plain.items():
        if name in arguments:
            continue
        if name in interfaces:
            implements = f" implements {' & '.join(ifaces)}" if ifaces else ""
            body = [field_sdl(name, f, o, ts) for f, o, ts in fields]
            out.append(f"interface {name}{implements} {{\n" + "\n".join(body) + "\n}")
        elif fields:
            body = [f"  {f}: {_graphql_type(ts, optional=o)}" for f, o, ts in fields]
            out.append(f"input {name} {{\n" + "\n".join(body) + "\n}")
    return "\n".join(out) + "\n"


@cache
def linear_schema() -> GraphQLSchema:
    """Linear's API schema (``Query``, ``Mutation`` and every type they reach)."""
    return build_schema(linear_sdl(), assume_valid_sdl=False)


def shape_errors(value, type_name: str) -> list[str]:
    """Where ``value`` (a JSON value, e.g. a webhook body) departs from the schema's object
    type ``type_name``: unknown fields, missing non-null fields, nulls where none may be,
    scalars of the wrong JSON type. A union takes its closest member."""
    return _shape(value, linear_schema().get_type(type_name), "")


_JSON_TYPES = {"String": str, "ID": str, "Boolean": bool, "Float": (int, float), "Int": int}


def _shape(value, graphql_type, path: str) -> list[str]:
    where = path or "(top)"
    if isinstance(graphql_type, GraphQLNonNull):
        if value is None:
            return [f"{where}: null, but {graphql_type} may not be"]
        return _shape(value, graphql_type.of_type, path)
    if value is None:
        return []
    if isinstance(graphql_type, GraphQLList):
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [
            e
            for n, item in enumerate(value)
            for e in _shape(item, graphql_type.of_type, f"{path}[{n}]")
        ]
    if isinstance(graphql_type, GraphQLUnionType):
        tries = [_shape(value, member, path) for member in graphql_type.types]
        return min(tries, key=len)
    if isinstance(graphql_type, GraphQLObjectType):
        if not isinstance(value, dict):
            return [f"{where}: not an object ({graphql_type.name})"]
        errors = [
            f"{path}.{key}: not a field of {graphql_type.name}"
            for key in value
            if key not in graphql_type.fields
        ]
        for name, field in graphql_type.fields.items():
            if name not in value and isinstance(field.type, GraphQLNonNull):
                errors.append(f"{path}.{name}: missing ({field.type})")
            elif name in value:
                errors += _shape(value[name], field.type, f"{path}.{name}")
        return errors
    if isinstance(graphql_type, GraphQLScalarType) and graphql_type.name in _JSON_TYPES:
        expected = _JSON_TYPES[graphql_type.name]
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            return [f"{where}: not a {graphql_type.name}"]
    return []
