"""Risk alerts: telling the on-call contact, within a minute, that a reply needs a person.

When a reply lands in the risk queue (its ``Reply.queue`` is ``risk``: what puts it there is
:func:`messaging.inbound.triage.queues.in_risk_queue`, the one definition), the transaction
that stores it also opens an alert, in the reply's force: one row per round, one delivery
per configured channel (e-mail over SMTP to the force's on-call address, else to
``PESTER_ALERT_TO``; a signed JSON webhook; :mod:`messaging.notify` sends them; where each
goes is decided in :func:`~messaging.inbound.alerts.delivery.channel_targets`). Nothing is
sent from the webhook request: once the reply commits, an RQ job on the ``alerts`` queue
(:func:`~messaging.inbound.alerts.delivery.deliver_alert`) sends each channel, records each
attempt, retries with backoff, and audits each alert sent (a disclosure: the reply's id,
its force, its risk kinds and a link, never the number or the text).

The alert tick (:func:`~messaging.inbound.alerts.schedule.alert_tick`, run by every
worker's tick) repeats the alert every ``PESTER_ALERT_REPEAT_MINUTES`` until someone marks
the reply handled (a new round, unique per reply and round, so two workers never both
open it), stands down what is still waiting once it is handled, re-queues deliveries whose
job was lost, and takes back deliveries whose worker died mid-send.
"""

from messaging.inbound.alerts.delivery import deliver_alert
from messaging.inbound.alerts.schedule import (
    alert_history,
    alert_tick,
    open_first_alert,
    queue_alert,
)

__all__ = [
    "alert_history",
    "alert_tick",
    "deliver_alert",
    "open_first_alert",
    "queue_alert",
]
