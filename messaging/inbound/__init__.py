"""Inbound: what comes back from the carrier, read and triaged for analysts.

Owns webhook signature checks (:mod:`~messaging.inbound.webhooks`), inbound texts becoming
replies with opt-outs and resubscribes (:mod:`~messaging.inbound.replies`), triage
(:mod:`~messaging.inbound.triage`), numbers mentioned in replies and their links to known
lines (:mod:`~messaging.inbound.reply_numbers`), the reply log
(:mod:`~messaging.inbound.reply_log`) and conversations
(:mod:`~messaging.inbound.conversations`), re-triage of stored replies
(:mod:`~messaging.inbound.retriage`), cross-line intelligence
(:mod:`~messaging.inbound.intelligence`) and reply exports
(:mod:`~messaging.inbound.exports`).

The last stage of the path: may import every other package of the pipeline; only
:mod:`campaigns` imports it.
"""
