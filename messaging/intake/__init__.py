"""Intake: a seized phone's extraction becomes the contacts of a line.

Owns the extraction parsers (:mod:`~messaging.intake.extractions`: CSV, vCard, Cellebrite
Excel and UFDR), UK number normalisation (:mod:`~messaging.intake.phone_numbers`), the
atomic contact import with provenance and de-duplication
(:mod:`~messaging.intake.contact_import`, written by :mod:`~messaging.intake.import_rows`)
and background imports with progress (:mod:`~messaging.intake.import_jobs`).

May import the core and :mod:`messaging.records` (imports are audited); nothing later on the
data path.
"""
