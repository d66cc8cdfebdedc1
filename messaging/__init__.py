"""The pipeline: a seized line's numbers to texts sent, and what comes back; no web, no Flask.

Packages along the data path, each allowed to use only those after it in this list
(``[tool.importlinter]`` in ``pyproject.toml`` enforces it; see README's Layout):

- :mod:`messaging.inbound`   webhooks' signatures, replies, triage, the reply log, exports,
  risk alerts, analysts' answers, conversions and campaign outcomes
- :mod:`messaging.sending`   outbox, send job, guard, pacing, receipts, reconcile, worker
- :mod:`messaging.audience`  who a campaign may text: recipient rules, suppression
- :mod:`messaging.intake`    extractions, phone numbers, contact import, import jobs
- :mod:`messaging.records`   audit trail, retention, erasure, key rotation, uploads on disk

The core, which every package may use: ``config`` (settings from the environment), ``db``
(engine and sessions), ``models`` (every table), ``crypto`` (sealed values and lookup
hashes), ``sealed_columns`` (sealed values in the database, bound to their row), ``queues``
(RQ queues and enqueueing), ``delivery_status`` (the outbox's status vocabulary),
``runtime`` (one process's wiring), ``seed`` and ``migrate`` (installing the database),
``redis_conn``, ``csv_safety`` and ``log_redaction``.

The leaves below the core know nothing of pester's state: :mod:`messaging.content` (what a
text is: encoding, templates, senders), :mod:`messaging.gateways` (how a carrier is called),
:mod:`messaging.notify` (how people are told: SMTP e-mail and signed webhooks) and
:mod:`messaging.sandbox` (the local carrier).
"""
