"""The risk-disclosure rule tables: overdose, self-harm, exploitation, a child at risk, violence.

Rows only (written as :mod:`messaging.inbound.triage.patterns` explains);
:mod:`messaging.inbound.triage.rules` turns them into rules. Risk is never negated (see
:mod:`messaging.inbound.triage.classifier`).
"""

from __future__ import annotations

import re

from messaging.inbound.triage.patterns import Rows


def is_child_age(match: re.Match[str]) -> bool:
    """A stated age under 18; "I'm 9"-style ages start at 10 to skip "only 2" quantities."""
    groups = match.groupdict()
    if groups.get("age") is not None:
        return 10 <= int(groups["age"]) <= 17
    if groups.get("young_age") is not None:
        return int(groups["young_age"]) <= 17
    return True


_PEOPLE = (
    r"(?:they|he|she|them|someone|somebody|people|these (?:guys|lads|men)|"
    r"the (?:guys|lads|men|olders|elders|dealers?)|my (?:olders|elders|boss))"
)
_VICTIM = r"(?:i|he|she|they|we|someone|somebody|people|my(?: \w+){1,2}|mate|friend)"
_WEAPONS = (
    r"(?:knife|knives|blade|blades|machete|gun|guns|strap|shank|weapon|weapons|bat|hammer|acid)"
)

# fmt: off
OVERDOSE: Rows = [
    ("overdose", (r"\b(?:overdos\w*|od|ods|oding)\b",)),
    ("not_breathing", (
        r"\b(?:not|stopped|barely|hardly|struggling to|can not) breath(?:e|ing)\b",
        r"\bbreathing (?:funny|weird|strange|slow|slowly|shallow)\b",
        r"\bgasping\b",
    )),
    ("will_not_wake", (
        r"\b(?:will not|can not|could not|not) wak(?:e|ing)\b",
        r"\b(?:unresponsive|unconscious|collapsed|passed out|out cold|keeled over)\b",
    )),
    ("turning_blue", (
        r"\b(?:turn(?:ing|ed)?|gone|going|went) (?:blue|grey|gray|purple)\b",
        r"\blips (?:are |is |gone |going )?(?:blue|purple|grey)\b",
    )),
    ("seizure", (r"\b(?:fitting|seizures?|having a fit|convulsing)\b",)),
    ("took_too_much", (r"\b(?:took|taken|had|done|used|take) (?:way )?too much\b",)),
    ("emergency", (r"\b(?:ambulance|paramedics?|a and e|in hospital|999)\b",)),
    ("gave_naloxone", (
        r"\b(?:gave|give|giving|given|used|using|jabbed|injected|sprayed) "
        r"(?:him |her |them |it |some |the |a |my )?(?:naloxone|narcan|nyxoid|prenoxad)\b",
    )),
    ("dying", (
        r"\b(?:nearly|almost) died\b(?! (?:laughing|of (?:laughter|boredom|embarrassment)))",
        r"\bpassed away\b",
        r"\b(?:i am|i think i am|people are) dying\b",
        r"\b(?:he|she|they|mate|friend|brother|sister|son|daughter|mum|dad|partner|boyfriend|"
        r"girlfriend|someone|somebody) (?:is |are |was |has |just |nearly |almost )*"
        r"(?:dead|died|dying)\b",
    )),
    ("bad_batch", (
        r"\b(?:bad|dodgy|strong|wrong) (?:batch|gear|stuff|bag|bags|pills?)\b",
        r"\bsomething (?:in|wrong with) (?:it|the gear|the batch|this batch|the stuff|them)\b",
    )),
    ("symptoms", (
        r"\b(?:chest pains?|heart (?:is )?(?:racing|pounding)|can not feel my \w+)\b",
        r"\bfeel(?:ing)? (?:really |so |very )?(?:faint|dizzy|like i am dying)\b",
    )),
]
SELF_HARM: Rows = [
    ("suicidal", (r"\bsuicid\w*",)),
    ("harm_myself", (
        r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|hanging|end) "
        r"(?:myself|meself|my self)\b",
        r"\bself ?-?harm\w*",
    )),
    ("end_it", (
        r"\b(?:end|ending|take) (?:it all|my life|my own life)\b",
        r"\b(?:want to|going to|will|might|just|about to|thinking of|thinking about) end it\b",
    )),
    ("want_to_die", (
        r"\b(?:want|wanting|wanted|wish i) (?:to )?(?:die|be dead|was dead|were dead|"
        r"was not here)\b",
    )),
    ("no_point", (
        r"\b(?:do not|does not) want to (?:live|be alive|be here|wake up)\b",
        r"\bno (?:reason|point) (?:to |in )?(?:living|live|going on|anymore|carrying on)\b",
        r"\bnot worth living\b|\bbetter off (?:dead|without me)\b",
        r"\bcan not (?:go on|do this anymore|take it anymore|cope)\b",
    )),
    ("method", (r"\b(?:take all my (?:pills|tablets)|jump (?:off|in front)|under a train)\b",)),
]
EXPLOITATION: Rows = [
    ("made_to", (
        rf"\b{_PEOPLE} (?:are |is |were |was |have |has |keep |keeps )?(?:making|made|make|"
        r"makes|forcing|forced|force|forces|pressuring|pressured|grooming|groomed|"
        r"blackmailing|blackmailed|using) me\b",
    )),
    ("made_to_work", (
        r"\b(?:making|made|make|makes|forcing|forced|force|got|get|gets|sent|sending|send) me "
        r"(?:to )?(?:sell|run|deal|hold|carry|plug|bottle|stash|move|drop|deliver|do drops|"
        r"do runs|work|go out)\b",
        r"\b(?:got|have|making|made|forcing|forced|using|sent|sending) (?:him|her|them|my \w+) "
        r"(?:running|selling|dealing|holding|working|doing drops|doing runs|to sell|to run|"
        r"to deal|out)\b",
    )),
    ("working_for_them", (
        r"\b(?:selling|running|dealing|working|holding|doing drops|doing runs|shotting) for "
        r"(?:them|him|her|the olders|the elders|the dealers?|the line)\b",
    )),
    ("debt", (
        r"\bowe (?:them|him|her|money|the dealer|the line)\b|\bin debt (?:to|with)\b",
        r"\bpay (?:it|them|him|her) back\b|\bwork (?:it|the debt) off\b|\bdebt bond\w*",
    )),
    ("cannot_leave", (
        r"\b(?:can not|could not|will not let me|would not let me|do not let me|not allowed to) "
        r"(?:leave|go home|get out|escape|get away)\b",
        r"\btrapped\b|\b(?:held|keeping me|kept me) (?:hostage|prisoner|captive|locked)\b",
        r"\blocked me in\b",
    )),
    ("took_my_things", (
        rf"\b{_PEOPLE} (?:have |has |had |are )?(?:took|taken|take|got|kept|keeping|holding) "
        r"my (?:phone|id|passport|bank card|card|bank|benefits|money|keys)\b",
    )),
    ("cuckooed", (
        r"\bcuck(?:oo|oi)\w*|\b(?:taken|took|taking) over my (?:flat|house|home|place)\b",
        r"\b(?:in|using|dealing from|selling from|living in|moved into|staying at|staying in) "
        r"(?:my (?:flat|house|home|place|gaff)|mine)\b",
    )),
    ("scared_of_them", (
        r"\b(?:scared|frightened|terrified|afraid) (?:of )?(?:them|him|what they|they will|"
        r"he will|she will|to (?:leave|go home|tell))\b",
    )),
    ("county_lines_terms", (
        r"\b(?:go|going|went|sent|working) (?:ot|out there|country|cunch)\b",
        r"\b(?:plugging|plug it|plugged it|bottling|bottle it|boot it)\b",
        r"\btrap (?:house|phone)\b|\btrapping\b|\bdoing (?:drops|runs|shifts)\b",
        r"\btraffick\w*|\bmodern slavery\b|\bblackmail\w*",
        r"\b(?:pics|pictures|photos|videos|nudes) of me\b",
    )),
]
CHILD: Rows = [
    ("child_age", (
        r"\b(?:(?:i am|he is|she is|they are|my (?:son|daughter|brother|sister|kid|child) is)"
        r"(?: only| just)?|only|just) (?P<age>\d{1,2})"
        r"(?: (?:years old|year old|yrs old|yrs|yr old|y/o|yo))?\b"
        r"(?! (?:days?|weeks?|months?|mins?|minutes?|hours?|hrs?|times?|quid|pounds?|grams?|g|"
        r"bags?|am|pm|percent|left|more|of|pills|stone|miles))",
        r"\b(?P<young_age>\d{1,2}) ?(?:years old|year old|yr old|yrs old|yo|y/o)\b",
    )),
    ("child_age_words", (
        r"\b(?:i am|he is|she is|only|just) (?:eleven|twelve|thirteen|fourteen|fifteen|"
        r"sixteen|seventeen)\b",
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
        r"fourteen|fifteen|sixteen|seventeen) ?(?:years? old|yr old|yo)\b",
    )),
    ("school", (
        r"\b(?:at|in|after|before|skipping|skip|bunking|from|excluded from|kicked out of|off) "
        r"school\b",
        r"\bmy (?:teacher|school|form tutor)\b|\byear (?:[5-9]|1[0-3])\b|\bsixth form\b",
        r"\bgcses?\b",
    )),
    # "My son" or "my daughter" alone says nothing of age; a little brother or a toddler does.
    ("my_child", (
        r"\bmy (?:little (?:brother|sister|one|ones|boy|girl)|younger (?:brother|sister)|"
        r"toddler|baby (?:son|daughter|boy|girl))\b",
    )),
    ("children_present", (
        r"\b(?:kids|children|child|baby|babies|toddler) (?:are |is )?(?:in|at|around|"
        r"living in|here)\b",
        r"\b(?:in front of|around|near) (?:the|my|his|her|their) (?:kids|children|child|baby)\b",
    )),
    ("minor", (
        r"\b(?:underage|under age|a minor|just a kid|only a kid|still a kid|only a child|"
        r"just a child)\b",
        r"\b(?:social services|social worker|in care|foster\w*)\b",
    )),
]
VIOLENCE: Rows = [
    ("was_attacked", (
        rf"\b{_VICTIM} (?:was |were |got |has been |have been |been |just got |getting |is |are )"
        r"(?:stabbed|shot|shanked|slashed|knifed|beaten|battered|jumped|attacked|assaulted|"
        r"kidnapped|robbed|mugged|burned|burnt|bottled|glassed|hit|punched|kicked in)\b",
    )),
    ("attacked_someone", (
        r"\b(?:stabbed|shot|shanked|slashed|knifed|beat|beats|battered|attacked|attacks|"
        r"assaulted|kidnapped|robbed|mugged|hit|hits|punched|punches|kicked|hurt|hurts|smacked) "
        r"(?:me|him|her|them|us|my \w+)\b(?! up\b| back\b)",
    )),
    ("weapon", (
        rf"\b(?:i|we|{_PEOPLE}|my(?: \w+){{1,2}}) (?:is |are |am |has |have |had |was |were )?"
        r"(?:got |carrying |carries |carry |carried |pulled |pulling |waving |with |holding )?"
        rf"(?:a |an |the |their |his |her |my )?{_WEAPONS}\b",
        rf"\bpulled (?:a |an )?{_WEAPONS} on (?:me|him|her|us|them|my \w+)\b",
    )),
    ("threat_to_writer", (
        rf"\b{_PEOPLE} (?:will|are going to|is going to|said they would|said he would|"
        r"said she would|want to|wants to|going to|threatened to|threaten to) (?:kill|hurt|stab|"
        r"shoot|beat|batter|find|get|do|burn|merk|wet|slash|shank|smash) (?:me|us|my|him|her)\b",
    )),
    ("threat_to_someone", (
        r"\b(?:i|we) (?:will|am going to|are going to|want to) (?:kill|stab|shoot|hurt|batter|"
        r"merk|wet|slash|shank) (?:him|her|them|someone|somebody|my \w+)\b",
    )),
]
THREATENED: Rows = [
    ("threatened", (
        rf"\b{_PEOPLE} (?:have |has |had |keep |keeps |are |is )?(?:threatened|threatening|"
        r"threatens|threaten) (?:me|my|us|to)\b",
    )),
]
# fmt: on
