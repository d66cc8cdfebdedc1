"""Records: what was done with personal data, and its end.

Owns the hash-chained audit trail (DPA 2018 s.62; :mod:`~messaging.records.audit`), its
signed checkpoints kept outside the database and the check against them
(:mod:`~messaging.records.audit_checkpoints`, :mod:`~messaging.records.audit_anchors`; also
e-mailed and posted through the alert channels, :mod:`~messaging.records.checkpoint_channels`),
its public format and the check of an export with the public key alone, free of pester so an
expert can run it (:mod:`~messaging.records.audit_format`,
:mod:`~messaging.records.audit_evidence`), its exports
(:mod:`~messaging.records.audit_export`), retention and the daily purge
(:mod:`~messaging.records.retention`), erasure that keeps counts
(:mod:`~messaging.records.erasure`), re-sealing under a new data key
(:mod:`~messaging.records.key_rotation`) and abandoned uploads on disk
(:mod:`~messaging.records.uploads`).

The lowest stage: every other package may record here; it imports only the core and the
notify leaf (the checkpoints' e-mail and webhook).
"""
