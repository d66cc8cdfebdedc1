"""Sending: the outbox and the workers that send it, exactly once, at the carrier's pace.

Owns the outbox written at launch (:mod:`~messaging.sending.outbox`), the batch send job
(:mod:`~messaging.sending.send_job`) and its parts: claiming rows with a lease
(:mod:`~messaging.sending.claims`), the last-moment checks (:mod:`~messaging.sending.guard`;
under the number's lock, against the database: :mod:`~messaging.sending.final_check`),
the send window (:mod:`~messaging.sending.send_window`), pacing and the shared Redis token
bucket (:mod:`~messaging.sending.pacing`, :mod:`~messaging.sending.rate_limiter`), one
text's gateway call (:mod:`~messaging.sending.text_sender`) and recording what happened
(:mod:`~messaging.sending.outcomes`); delivery receipts applied only forward
(:mod:`~messaging.sending.receipts`); analysts' answers, outbox rows with no campaign sent
the same way (:mod:`~messaging.sending.answer_job`); the reconciliation tick
(:mod:`~messaging.sending.reconcile`), the worker (:mod:`~messaging.sending.worker`) and
campaign progress (:mod:`~messaging.sending.progress`).

May import the core, the gateways and every earlier stage (records, intake, audience,
content); never :mod:`messaging.inbound`.
"""
