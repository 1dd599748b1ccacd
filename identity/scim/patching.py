"""Reading a SCIM PATCH request (RFC 7644 §3.5.2) and the values it carries, as RFC 7644, Okta
and Entra ID send them: ``op`` in any case ("Replace"), a ``path`` or a ``value`` object whose
keys are the paths, booleans as JSON or as strings ("False", older Entra ID)."""

from collections.abc import Iterator

from django_scim import exceptions

OPS = ("add", "replace", "remove")


def operations_of(operations) -> Iterator[tuple[str, str, object]]:
    """Each change as ``(op, path, value)``, one per attribute."""
    if not isinstance(operations, list):
        raise exceptions.BadRequestError("“Operations” must be a list.", scim_type="invalidSyntax")
    for operation in operations:
        if not isinstance(operation, dict):
            raise exceptions.BadRequestError(
                "Each of “Operations” must be an object.", scim_type="invalidSyntax"
            )
        op = str(operation.get("op", "")).lower()
        if op not in OPS:
            raise exceptions.BadRequestError(
                f"“op” must be one of add, replace, remove, not {operation.get('op')!r}.",
                scim_type="invalidSyntax",
            )
        path, value = operation.get("path"), operation.get("value")
        if path is not None and not isinstance(path, str):
            raise exceptions.BadRequestError("“path” must be a string.", scim_type="invalidPath")
        if path:
            yield op, path, value
        elif op == "remove":
            raise exceptions.BadRequestError(
                "A “remove” operation needs a “path”.", scim_type="noTarget"
            )
        elif isinstance(value, dict):
            for key, item in value.items():
                yield op, key, item
        else:
            raise exceptions.BadRequestError(
                "An operation without “path” needs an object “value”.", scim_type="invalidValue"
            )


def is_true(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def boolean(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise exceptions.BadRequestError(f"“{name}” must be true or false.", scim_type="invalidValue")


def string(name: str, value, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise exceptions.BadRequestError(f"“{name}” must be a string.", scim_type="invalidValue")
    if max_length is not None and len(value.strip()) > max_length:
        raise exceptions.BadRequestError(
            f"“{name}” is longer than {max_length} characters.", scim_type="invalidValue"
        )
    return value.strip()


def unknown_attribute(name: str) -> None:
    raise exceptions.BadRequestError(f"Unknown attribute “{name}”.", scim_type="invalidPath")
