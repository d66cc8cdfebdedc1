"""Triage: the labels and risk kinds of one reply, and why each was given.

A pure function of the text (:func:`~messaging.inbound.triage.classifier.classify`): exact
keyword rules for opt-out, opt-in and help (:mod:`~messaging.inbound.triage.keywords`),
named pattern tables for the other labels (:mod:`~messaging.inbound.triage.rules`,
:mod:`~messaging.inbound.triage.risk_rules`, written as
:mod:`~messaging.inbound.triage.patterns` explains) over normalised text
(:mod:`~messaging.inbound.triage.text`). Uses no database.
"""
