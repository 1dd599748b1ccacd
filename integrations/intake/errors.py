class Quarantine(Exception):  # noqa: N818 (what happens to the delivery, not an error kind)
    """A delivery that cannot act: its shape, time or content is refused. The message is the
    reason the delivery log shows."""
