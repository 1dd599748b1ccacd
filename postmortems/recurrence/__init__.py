"""Did the fix hold? An incident that recurs after the action items of an earlier one were all
completed.

The rule (``rules``) is the recurring-pattern one (``postmortems.analytics.patterns``) taken
pair by pair: a later incident recurs an earlier postmortem when it shares a service with the
postmortem's incident or has its root-cause category, and it started within ``WINDOW`` after
the postmortem's last action item was completed while every one of them was (a won't-do item
is not done). A similar title with shared services is such a pair already, so titles add
nothing here.

Remediation is recorded on the postmortem (``Postmortem.remediated_at`` and
``remediated_items``) by the action-item services, which sit above this app and call
``services.remediation_record`` whenever a postmortem's items change; the pages and analytics
then read one column instead of every item. A manager may mark a pair as unrelated
(``RecurrenceDismissal``, with a reason, audited, undoable): it then drops out of every notice
and figure.

This package is part of the postmortems core: the incident page (in ``incidents``, below)
asks it through the ``INCIDENT_RECURRENCES`` hook, which ``postmortems.apps`` registers.
"""
