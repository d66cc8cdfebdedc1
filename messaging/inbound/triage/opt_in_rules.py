"""The opt-in rule table: the ways people ask to get, keep getting or get back the texts.

Rows only (written as :mod:`messaging.inbound.triage.patterns` explains);
:mod:`messaging.inbound.triage.rules` turns them into rules. These label a reply ``opt_in`` for
an analyst; they never re-subscribe anyone: only START, YES or UNSTOP as the whole message
lifts an opt-out (:func:`messaging.inbound.triage.keywords.keyword_action`). A reply that
opts out is never also an opt-in, and a denial just before a match cancels it ("I don't want
the texts"): :mod:`messaging.inbound.triage.findings` sees to both.
"""

from __future__ import annotations

from messaging.inbound.triage.patterns import Rows

# fmt: off
# Asking for the texts (again, or at all) labels a reply opt-in for an analyst; only START,
# YES or UNSTOP as the whole message lifts an opt-out (keywords.keyword_action).
_TEXTS = r"(?:texts|messages|warnings|alerts|updates|these|them|em|the lot|info)"
_NAMED_TEXTS = r"(?:texts|messages|warnings|alerts|updates|msgs)"
OPT_IN: Rows = [
    ("asks_for_texts_again", (
        r"\b(?:start|resume|keep|restart|continue|carry on) (?:sending|texting|messaging)"
        rf"(?: me| us)?(?: (?:the |these |those |your )?(?:{_NAMED_TEXTS}|these|them)\b|"
        r" ?(?:[.!,]|$| please\b| x\b| they\b| with\b))",
        r"\b(?:start|resume|restart) (?:\w+ ){0,3}?again\b|\b(?:resume|restart|continue) "
        r"(?:the |these )?(?:texts|messages|alerts|warnings)\b",
        rf"\b{_NAMED_TEXTS} again\b|\b(?:send|text) (?:me|us) (?:them |these |it )?again\b"
        r"|\bsend (?:them|these|it) again\b",
        r"\bkeep (?:getting|receiving) (?:these|them|the (?:texts|messages|warnings|alerts))\b",
        r"\b(?:put|add|sign) me back\b|\bopt (?:me )?back in\b|\bre-?subscribe\b|"
        r"\bsub me (?:back )?in\b|\bun-stop\b",
        r"\b(?:undo|cancel|ignore) (?:the|my) stop\b|\b(?:sent|said|typed|texted) stop "
        r"(?:by (?:mistake|accident)|before)\b|\bstop by (?:mistake|accident)\b",
        r"^\W*(?:start|resume)\b(?= ?(?:[.!,]|please|cheers|thanks|again|$))",
    )),
    ("asks_to_be_kept_posted", (
        r"\bkeep (?:me|us) (?:posted|updated|informed|in the loop|on (?:it|the list|the texts))\b",
        r"\bkeep (?:them|em|these|those|the texts|the warnings|it) (?:coming|comin)\b",
        r"\b(?:do not|never) (?:stop (?:sending|texting|doing this|these|them|the (?:texts|"
        r"warnings|messages|alerts))|remove me|delete my number|take me off)\b",
        r"\b(?:do not|never) stop\W+(?:these|they|them|this|it) (?:are|is|help|helps|really|"
        r"actually|saved)\b|^\W*(?:please )?(?:do not|never) stop\W*$",
        r"\b(?:do not|never) want to stop (?:getting|receiving)\b",
        r"\?\W*(?:no|nah) keep (?:going|them|em|sending|texting)\b",
        rf"\bthe {_NAMED_TEXTS} (?:can stay|do not bother me|are fine|are useful|help)\b",
        r"\b(?:please|pls) continue\b|^\W*(?:continue|rejoin|opt in|optin|subscribe|"
        r"sign me up|yes please|yes to (?:alerts|warnings|texts|updates))\W*$",
    )),
    ("wants_the_texts", (
        r"\b(?:want|like|need|love|get|have) (?:the |these |those |your |more |any )?"
        rf"{_NAMED_TEXTS}\b(?: (?:yeah|yes|please|too|about|again|for|on|in|here)| ?[.!?]?$)",
        r"\b(?:want|like|love) to (?:get|receive|join|be told about|hear about|know about) "
        r"(?:these|the|your|them|bad|any|more|new|if)\b",
        r"\bsign (?:me |us )?up\b|\bjoin (?:the |your )?(?:\w+ )?(?:list|alerts|warnings)\b",
        r"\b(?:send|text) (?:me|us) (?:the |more |these |those |your )?(?:of these |"
        r"warnings|alerts|updates|texts|next one)\b|\bsend (?:me |us )?(?:em|them|more)\b",
        r"\b(?:text|txt|message|tell) (?:me|us) (?:again )?(?:if|when|whenever) "
        r"(?:there|theres|anything|u|you|something|more)\b",
        r"\bhappy to keep getting\b|\bid want them\b",
    )),
    ("asks_for_another_number", (
        r"\b(?:add|put|include) (?:my|his|her|their|this|me|him|her) (?:\w+ )?"
        r"(?:number|no|phone|on)\b|\bcan (?:you|u) add (?:him|her|them|my)\b",
        rf"\b(?:get|send|text) (?:these |the |them )?(?:{_TEXTS} )?(?:on|to|here|there) "
        r"(?:my new|my other|her|his|this|instead)\b|\bsend (?:the )?\w+ (?:here|there) instead\b",
        r"\b(?:he|she|they|my \w+(?: \w+)?) (?:wants|want|would like) (?:these|them|the texts|"
        r"the alerts|the warnings)(?: too)?\b|\bget these (?:alerts|texts|warnings) too\b",
    )),
]
# fmt: on
