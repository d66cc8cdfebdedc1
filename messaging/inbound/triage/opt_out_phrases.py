"""The opt-out phrasings: the natural ways people ask not to be texted, each with its guard.

Data for :func:`messaging.inbound.triage.keywords.keyword_action`, which reads them over a
reply's canonical words (lower case, spaces collapsed, letters typed three times counted
once, and the text-speak and misspellings of :data:`SPELLINGS` read as the words they stand
for: "dnt txt me", "stahp", "wid ye stop"). A phrase fires anywhere in a message unless its
guard finds, in the words just before it, what makes it something else: a denial ("don't
stop texting me"), an instruction to someone else ("tell them to stop texting me"), or a
question ("did you lose my number?"). Some phrases also look after the match
(:data:`NOT_AFTER`): "stop sending these? no, keep going" asks for the opposite.

Each phrase was written against the replies three authors wrote, and the opt-outs two later
authors' blind sets showed missing, and against their near-misses ("can you stop them
coming after me", "take me off the gear", "no more texts from the line since you took it",
"reply STOP to opt out, is this real?", "i don't want these texts to stop").
"""

from __future__ import annotations

import re

# Text-speak and misspellings, read as the word they stand for (whole words only).
SPELLINGS: dict[str, str] = {
    "u": "you", "ya": "you", "ye": "you", "yu": "you", "ur": "your", "yr": "your",
    "yer": "your", "dnt": "don't", "dont": "don't", "divvent": "don't", "dinnae": "don't",
    "dinna": "don't", "txt": "text", "tx": "text", "txts": "texts", "txting": "texting",
    "txtin": "texting", "textin": "texting", "texing": "texting", "msg": "message",
    "msgs": "messages", "msging": "messaging", "msgin": "messaging", "messagin": "messaging",
    "sendin": "sending", "pls": "please", "plz": "please", "plez": "please", "plse": "please",
    "stp": "stop", "sotp": "stop", "stahp": "stop", "stopp": "stop", "stpo": "stop",
    "unsusbcribe": "unsubscribe", "unsubcribe": "unsubscribe", "unsubscibe": "unsubscribe",
    "unsuscribe": "unsubscribe", "unsubscrib": "unsubscribe", "wiv": "with", "nae": "no",
    "mair": "more", "em": "them", "num": "number", "numba": "number", "numbr": "number",
    "fone": "phone", "dis": "this", "anymore": "any more", "wid": "would", "wont": "won't",
    "cant": "can't", "didnt": "didn't", "couldnt": "couldn't", "ths": "this", "agen": "again",
    "agin": "again", "n": "and", "wat": "what", "wot": "what", "enuf": "enough",
    "da": "the", "wi": "with", "gie": "give", "gies": "give us", "ovr": "over",
}  # fmt: skip

_DENIAL = r"don't|do not|never|not|can't|cannot|couldn't|didn't"
# A denial, or "to"/"how do I" (an instruction or a question about someone else's habit).
NEGATION_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|to|how (?:do|can|did|would|should) (?:i|we|you)|make|makes|made|let|"
    r"help|get)\s+(?:\w+\s+)?$"
    # Someone else's texts: "the dealers won't stop texting me", "he keeps …"
    r"|\b(?:they|he|she|dealers?|people|someone|somebody|them|my \w+|the \w+) (?:won't|wont|"
    r"will not|keep|keeps|still|never|just) $"
)
DENIAL_BEFORE = re.compile(rf"\b(?:{_DENIAL})\s+(?:\w+\s+)?$")
# Naming the texts makes "how do I stop these texts" a request; "to" still reports one.
_TO_OR_DENIAL_BEFORE = re.compile(rf"\b(?:{_DENIAL}|to)\s+(?:\w+\s+)?$")
# A question about the number rather than a request: "did you lose my number?"
_QUESTION_OR_DENIAL_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|(?:did|have|has|why|when|if|how) (?:you|they|i|he|she|someone))"
    r"\s+(?:\w+\s+)?$"
)
# Hoping someone can stop something is not asking them to stop texting.
_HOPE_OR_NEGATION_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|to|hope|hoping|wish|if|when|until|unless|maybe)\s+(?:\w+\s+)?$"
)
# Reporting what someone else said: "they told me don't text this number again".
_REPORTED_OR_DENIAL_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|told \w+|said|says|saying)\s+(?:\w+\s+)?$"
)
# Someone else's habit, not a request: "you don't text me any more", "why do you never text".
_COMPLAINT_REPORTED_OR_DENIAL_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|told \w+|said|says|saying|you|why do you|why don't you)\s+(?:\w+\s+)?$"
)
# Quoting the instruction: "reply STOP to opt out".
_INSTRUCTION_OR_DENIAL_BEFORE = re.compile(
    rf"\b(?:{_DENIAL}|(?:stop|end|unsubscribe|reply \w+|text \w+) to)\s+(?:\w+\s+)?$"
)
# After a phrase: a question answered no ("stop sending these? no, keep going"), or a
# question about what the phrase would stop ("opt out of what?", "unsubscribe from what").
# Or what the writer does not want is the texts ending: "i don't want these texts to stop".
NOT_AFTER = re.compile(
    r"\s*\?+\s*(?:no|nah|nope|naw)\b|\s+(?:of|from) (?:what|wot|wat)\b"
    r"|\s+to (?:stop|end|finish)\b"
)

CONTACT_VERBS = (
    r"(?:texting|messaging|sending|contacting|spamming|bothering|harassing|hassling|"
    r"pestering|mithering)"
)
_MESSAGES = r"(?:texts?|messages?|sms|warnings?|alerts?|updates?)"
_LISTS = r"(?:list|lists|system|database|records|mailing list|contacts|service)"
_STOPS = r"(?:stop+|quit|cease|give over|pack in|leave off)"

# (rule name, pattern, guard): the guard looks at the words just before a match.
PHRASES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "stop_contacting_me",
        re.compile(
            rf"\b{_STOPS} (?:fucking |fkn |bloody )?{CONTACT_VERBS}"
            r"(?: (?:me|this number|my number|my phone|this phone|us|it|her|him)\b| ?$| ?[.!,?]|"
            r" or\b)"
            r"|\bstop+ (?:blowing up|calling|ringing) (?:me|my phone|this number)\b"
        ),
        NEGATION_BEFORE,
    ),
    (
        "stop_sending_messages",
        re.compile(
            r"\bstop+ (?:to )?(?:sending |send )?(?:me )?(?:these|this|the|your|them|those) "
            rf"(?:{_MESSAGES}|shit|crap|spam)\b(?! from)"
            r"|\bstop+ (?:to )?(?:sending|send) (?:me )?(?:texts?|messages?|stuff|things|them|it|"
            r"these|"
            r"those|any more)\b"
            r"|\bstop+ (?:getting|receiving) (?:these|the|your|them|any more)\b"
        ),
        _TO_OR_DENIAL_BEFORE,
    ),
    (
        "enough_of_the_texts",
        re.compile(
            r"\b(?:enough|pack it in|leave it out|leave me alone|done|had enough|stop|quit it|"
            r"give it a rest|jog on|do one|give over|give (?:us|me) (?:peace|a break|a rest)|"
            r"wind (?:your|you) neck in|knock it off|cut it out|fuck off|piss off|get lost|"
            r"call it a day) (?:with|of) "
            rf"(?:the|these|those|your|all the|all these|all your) {_MESSAGES}\b"
            r"|\bcall it a day with (?:these|them)\b"
            rf"|\bsack (?:the|these|your|them|those|all the) (?:{_MESSAGES} )?off\b"
            rf"|\b(?:discontinue|cease|cancel|end) (?:these|the|this|your|all) (?:{_MESSAGES}|"
            r"service|communications?|contact)\b|\bcease and desist\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "can_you_stop",
        re.compile(
            r"\b(?:(?:can|could|will|would) you|you can|you could) (?:please |just )?stop"
            r"(?: (?:sending|texting|messaging|these|now|please|thanks|cheers|ffs))*"
            r" ?(?:[.!?,]|$)"
        ),
        _HOPE_OR_NEGATION_BEFORE,
    ),
    (
        "do_not_want_messages",
        re.compile(
            r"\b(?:do not|don't) (?:want|need) (?:any more |no more )?(?:of )?(?:these|those|"
            rf"your|this|them|the|any) ?(?:\w+ )?{_MESSAGES}\b"
            r"|\b(?:do not|don't) (?:want|need) any more of (?:these|them|this|your)\b"
            r"|\b(?:do not|don't) (?:want|need) (?:these|those|them)(?: any more| no more)?"
            r"(?= ?(?:[.!,]|$| thanks| ta\b| cheers| x\b))"
            rf"|\b(?:do not|don't) (?:want|need) (?:any )?{_MESSAGES} (?:from|off) "
            r"(?:you|the police|police|the cops|this number)\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "does_not_want_to_receive",
        re.compile(
            r"\b(?:do not|don't) (?:want|wish) to (?:receive|get|be sent) (?:any )?"
            rf"(?:more |further )?(?:{_MESSAGES}|these|them)\b"
            r"|\bno longer (?:wish|want) to (?:receive|get|be sent)\b"
            r"|\bno longer (?:want|need) (?:these|them|your|the|any)\b"
            rf"|\bnot interested in (?:these|your|the|any) {_MESSAGES}\b"
            rf"|\b(?:would|i'd|id) rather not (?:get|receive) (?:these|them|{_MESSAGES})\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "wants_to_unsubscribe",
        re.compile(
            r"\b(?:want|like|wish|wanna) to (?:unsubscribe|unsub|opt out|be removed|be taken off|"
            rf"stop (?:getting|receiving) (?:these|them|your|the) ?(?:{_MESSAGES})?)\b"
            rf"|\bwant off (?:this|the|your) {_LISTS}\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "remove_it",
        re.compile(r"\bplease (?:remove|delete) (?:it|this|that)\b"),
        DENIAL_BEFORE,
    ),
    (
        "remove_me",
        re.compile(
            r"\b(?:remove|delete|erase) (?:me|my (?:number|no|details|phone)|this (?:number|no))\b"
            r"|\b(?:wipe|lose) (?:my|this) (?:number|no|details)\b"
            r"|\b(?:wipe|delete|remove|scrub|erase|bin|kick|chuck) "
            r"(?:me|my (?:number|no|details)) (?:off|from) "
            rf"(?:your|the|this) {_LISTS}\b"
        ),
        _QUESTION_OR_DENIAL_BEFORE,
    ),
    (
        "take_me_off",
        re.compile(
            r"\btake (?:me|my (?:number|no|details)|this (?:number|no)) off\b"
            r"(?! (?:the|this|that|their|his|her) (?:line|gear|drugs?|brown|streets?|estate|"
            r"phone|stuff|rock|crack)\b)"
            rf"|\bget (?:me|my number) off (?:your|the|this) {_LISTS}\b"
            r"|\b(?:wants?|want) (?:her|his|my|their) (?:number|no) (?:taking|taken|took) off\b"
        ),
        DENIAL_BEFORE,
    ),
    ("unsubscribe_me", re.compile(r"\b(?:unsubscribe|unsub) (?:me|this|my)\b"), DENIAL_BEFORE),
    (
        "opt_me_out",
        re.compile(r"\bopt (?:me )?out\b|\bopt-out\b|\boptout\b"),
        _INSTRUCTION_OR_DENIAL_BEFORE,
    ),
    (
        "do_not_contact_again",
        re.compile(
            r"\b(?:don't|do not|never|(?:can|could) you not) (?:ever )?(?:text|message|contact|sms|"
            r"send) "
            r"(?:me |this number |this phone |us |here )?"
            r"(?:again|any more|ever|no more|anything else|nothing else|after this|at all)\b"
            r"|\b(?:don't|do not|never|(?:can|could) you not) (?:ever )?(?:text|message|contact|"
            r"sms)(?: (?:me|this number|this phone|us|here))?(?: (?:please|thanks|ta|cheers|x))*"
            r" ?[.!]* ?$"
            r"|\b(?:don't|do not|never) (?:ever )?(?:text|message|contact|sms) (?:me|us) "
            r"(?:on|at) (?:this|my|that) (?:number|phone)\b"
            r"|\b(?:don't|do not) (?:text|message|contact|sms) me(?: please)? "
            r"(?=i (?:don't|do not) want\b)"
            r"|\b(?:don't|do not) send (?:me )?(?:any more|anything else|nothing else|no more)\b"
        ),
        _COMPLAINT_REPORTED_OR_DENIAL_BEFORE,
    ),
    (
        "relayed_stop",
        re.compile(
            r"\b(?:says|said|told me|wants me) to tell you to stop+(?: (?:texting|messaging|"
            r"sending (?:these|them|me)))?(?: (?:please|now))? ?(?:[.!]|$)"
        ),
        DENIAL_BEFORE,
    ),
    (
        "do_not_bother_texting",
        re.compile(r"\b(?:don't|do not|no need to) bother (?:texting|messaging|contacting)\b"),
        DENIAL_BEFORE,
    ),
    (
        "threat_if_texts_go_on",
        re.compile(
            r"\b(?:keep|carry on) (?:texting|messaging|sending)(?: me| these| them)? and see\b"
            r"|\b(?:text|message) (?:me|this number) again and (?:i'll|ill|i will|you'll|see) "
            r"(?:ram|smash|find|kill|batter|hurt|come|report|sort|what|do)\b"
            r"|\bone more (?:text|message|of these|of them|of those) and (?:you're|your|you are|"
            r"you'll|i'll|ill|i will|i'm|im) (?:getting|get|gonna|going to|blocked|reported|"
            r"report|block|find|come|coming|smash|kill|batter|hurt)\b"
            r"|\b(?:i'll|ill|i will) (?:stab|kill|hurt|find|smash|batter|report|sort) you\b"
            r"[^.?!]{0,20}\bif you (?:text|message|contact) (?:me |this number )?again\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "dismissed_for_texting",
        re.compile(
            rf"\b{CONTACT_VERBS} me like this\W+(?:fuck off|piss off|do one|jog on|get lost)\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "go_bother_someone_else",
        re.compile(
            r"\bgo (?:and )?(?:harass|text|message|bother|spam|pester) (?:someone|somebody) else\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "how_do_i_unsubscribe",
        re.compile(
            r"\bhow (?:do|can|would|should) i (?:unsubscribe|unsub|opt out|stop (?:these|the|your) "
            rf"{_MESSAGES}|get off (?:this|the|your) {_LISTS})\b"
        ),
        DENIAL_BEFORE,
    ),
    (
        "how_to_block_this",
        re.compile(
            r"\bhow (?:do|can) i block (?:this|these|you)(?: texts?| messages?)? ?(?:[.!?]|$)"
        ),
        DENIAL_BEFORE,
    ),
    (
        # Told to the sender at the very start of a message: "leave me alone you pricks",
        # "leave me alone. im done"; not a quote ("leave me alone" she says, "leave me alone
        # is what i told the dealer").
        "leave_me_alone",
        re.compile(
            r"^(?:(?:please|just|now) )*leave (?:me|us) alone(?: (?:please|now|then))*"
            r"(?= ?(?:[.!,]|$| you\b(?! (?:said|say|told))))"
        ),
        DENIAL_BEFORE,
    ),
    (
        "stop_it_harassment",
        re.compile(r"\bstop+ (?:it|this)\b[^.?!]{0,20}\bharass"),
        NEGATION_BEFORE,
    ),
    (
        "no_more_messages",
        re.compile(
            r"(?<!had )(?<!got )(?<!get )(?<!getting )(?<!received )"
            rf"\bno more (?:of )?(?:these |your |the )?{_MESSAGES}\b(?! from)"
            r"|\bno more (?:of )?(?:these|them)(?= ?(?:[.!,]|$| thanks| please| ta\b| cheers| x\b))"
            r"|\benough(?: now)?\W+no more\W*$"
        ),
        DENIAL_BEFORE,
    ),
)
