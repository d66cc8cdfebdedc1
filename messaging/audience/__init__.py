"""Audience: who a campaign may text.

Owns recipient rules (everyone in a line's contacts, or numbers that contacted the line at
least N times in a window; :mod:`~messaging.audience.recipients`) and suppression
(opt-outs and do-not-contact numbers, matched by keyed lookup hash;
:mod:`~messaging.audience.suppression`), which every later stage checks again; the
per-number lock that orders an opt-out's commit against a worker's last check and gateway
call (:mod:`~messaging.audience.number_lock`); and an A/B test's random, seeded split of
recipients into two arms (:mod:`~messaging.audience.arms`).

May import the core, :mod:`messaging.records` and :mod:`messaging.intake` (numbers are
normalised as at import); nothing later on the data path.
"""
