"""Reading that spreads: the weekly learning digest members subscribe to
(``subscriptions``, ``digest_content``, ``digest``, ``tasks``) and the required readers of a
published postmortem (``required``)."""
