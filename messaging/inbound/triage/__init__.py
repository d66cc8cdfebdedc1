"""Triage: the labels, risk kinds, score and queue of one reply, and why each was given.

A pure function of the text (:func:`~messaging.inbound.triage.classifier.classify`), in two
layers. The rules: exact keyword rules for opt-out, opt-in and help
(:mod:`~messaging.inbound.triage.keywords`, with the natural opt-out wordings and their
guards in :mod:`~messaging.inbound.triage.opt_out_phrases`) and named pattern tables for the
other labels
(:mod:`~messaging.inbound.triage.rules`, :mod:`~messaging.inbound.triage.risk_rules`,
:mod:`~messaging.inbound.triage.risk_signs`, written as
:mod:`~messaging.inbound.triage.patterns` explains) over normalised text
(:mod:`~messaging.inbound.triage.text`), applied by
:mod:`~messaging.inbound.triage.findings`. The model: a calibrated linear model over words
and pieces of words (:mod:`~messaging.inbound.triage.features`), read from a JSON file in
the package and scored in plain Python (:mod:`~messaging.inbound.triage.model`). Queues
and the one test for "risk" are :mod:`~messaging.inbound.triage.queues`.

The labelled corpus (``corpus/``, :mod:`~messaging.inbound.triage.corpus`; three authors,
each reply naming its own) trains the model
(:mod:`~messaging.inbound.triage.training`, the only module that needs scikit-learn, and only
when it trains) and measures triage (:mod:`~messaging.inbound.triage.evaluation`,
``bench/triage.py``). Uses no database.
"""
