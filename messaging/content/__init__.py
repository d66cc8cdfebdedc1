"""Content: what a text is, as pure functions with no database and no network.

Owns GSM-7 / UCS-2 encoding and segment counting (:mod:`~messaging.content.sms_encoding`),
the SMS template format and rendering (:mod:`~messaging.content.sms_templates`) and sender
IDs, numbers and Messaging Services (:mod:`~messaging.content.senders`).

A leaf: it imports nothing of pester's, which is why the core's config may use it to check
the configured sender at start-up.
"""
