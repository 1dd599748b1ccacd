import json


class Quarantine(Exception):  # noqa: N818 (what happens to the delivery, not an error kind)
    """A delivery that cannot act: its shape, time or content is refused. The message is the
    reason the delivery log shows."""


def json_object(body: bytes) -> dict:
    """The body's JSON object, or Quarantine saying why it is not one."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise Quarantine(f"The body is not JSON ({error}).") from None
    if not isinstance(data, dict):
        raise Quarantine("The body is not a JSON object.")
    return data
