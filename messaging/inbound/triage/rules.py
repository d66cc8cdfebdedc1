"""The triage rules: the named patterns over normalised reply text that give each label.

Rules are data, written as :mod:`messaging.inbound.triage.patterns` explains, so an analyst
can see which words put a reply in which queue. The risk-disclosure tables live in
:mod:`messaging.inbound.triage.risk_rules` and :mod:`messaging.inbound.triage.risk_signs`,
the opt-in table in :mod:`messaging.inbound.triage.opt_in_rules`. ``RULES`` is in the order
:func:`messaging.inbound.triage.classifier.classify` tries and explains them.
"""

from __future__ import annotations

import re

from messaging.inbound.triage import risk_rules as risk
from messaging.inbound.triage import risk_signs as signs
from messaging.inbound.triage.labels import Label, RiskKind
from messaging.inbound.triage.opt_in_rules import OPT_IN
from messaging.inbound.triage.patterns import Rows, Rule, RuleTable, screened, table

# Words after "ring", "selling at" or "the … line" that are not a person, place or brand.
_NOT_NAMES = frozenset(
    """me you us them him her it this that the a an back now later today tomorrow tonight
    again round anyone someone anybody somebody everyone police ambulance frank samaritans
    childline crimestoppers doctor gp mum dad nan home please when if and or but for on at in
    to my your their his our one number phone up out off whenever anytime time from yourself
    myself people em help nobody no not yeah yes ok okay message messages mate new old other
    same deal drug drugs supply front main whole county land bottom first last next only
    dealer bus party advice support crisis chat end top dotted punch washing finishing
    starting fone picket hot weed crack gear heroin coke stuff bulk person centre about
    son daughter brother sister friend friends mates partner boyfriend girlfriend husband wife
    grandad uncle aunt auntie cousin else kids child baby going running working active real
    legit valid available live happening
    """.split()  # noqa: SIM905
)


def _names_someone(match: re.Match[str]) -> bool:
    """The captured word (a name, owner or person) could be a person, place or line brand."""
    groups = match.groupdict()
    return all(groups.get(key) not in _NOT_NAMES for key in ("name", "owner", "person"))


_INSULTS = (
    r"(?:cunts?|wankers?|pricks?|dickheads?|twats?|bastards?|bellends?|knobheads?|tossers?|"
    r"idiots?|morons?|muppets?|scum|scumbags?|nonces?|pigs?|slags?|bitch|bitches|mugs?|"
    r"clowns?|losers?|fuckers?|motherfuckers?|weirdos?|freaks?|snitch|snitches|grass|"
    r"plonkers?|pillocks?|numpties|numpty|wasteman|wastemen|dicks?|shitheads?|dipshits?|"
    r"arseholes?|assholes?|jokes?|disgrace|melts?|gobshites?|rats?|hypocrites?|pond life|"
    r"shower of shite|bellends?|wastemen|nonces|clowns)"
)

# fmt: off
_HELP: Rows = [
    ("asks_for_help", (
        # Not "they help", "these texts help", "got clean with help", "you want to help?".
        r"(?<!they\s)(?<!these\s)(?<!texts\s)(?<!with\s)(?<!wanna\s)"
        r"(?:(?<!to\s)|(?=help (?:me|us|him|her|my|them)\b))"
        r"\bhelp\b(?! (?:the police|you|yourself|yourselves)\b)",
        r"\bhelping (?:me|us)\b|\bsos\b",
    )),
    ("wants_to_stop_using", (
        r"\b(?:want|wanting|need|trying|tried|try|how (?:do|can|would|should) (?:i|we)|help me|"
        r"ready|desperate|going) (?:to )?(?:stop|quit|give up|get off|come off|cut down|kick it|"
        r"get clean|get sober|detox)\b",
    )),
    ("cannot_stop", (
        r"\b(?:can not|could not|unable to) (?:stop|quit|give up|get off|come off|cut down)\b"
        r"(?! (?:laughing|thinking|smiling|crying|eating|watching|listening|reading|looking)\b)",
    )),
    ("struggling_with_use", (
        r"\b(?:addict|addicted|addiction|hooked|habit|rattling|clucking|withdrawals?|"
        r"withdrawing|cold turkey|relapsed?|relapsing)\b",
    )),
    ("treatment", (
        r"\b(?:rehab|detox|treatment|methadone|subutex|buprenorphine|espranor|script|"
        r"prescription|drug (?:service|team|worker|support)|key ?worker|recovery|"
        r"counsell?(?:ing|or)|therapy|support (?:worker|group|service)|needle exchange)\b",
        r"\b(?:frank|change grow live|cgl|turning point|humankind|open road)\b",
        r"\b(?:need|want|get|getting|order|pick up|where is|carry) (?:some |a |the )?"
        r"(?:naloxone|narcan|nyxoid|prenoxad)\b",
    )),
    ("where_to_get", (
        r"\b(?:where|how) (?:can|do|could|should) (?:i|we) (?:get|find|go|access|speak|talk|see|"
        r"sign up|pick up)\b|\bwhere (?:do |can )?(?:you|we|i) get\b",
        r"\bwhat is (?:the |their |your )?(?:\w+'?s? )?(?:number|address|website)\b|\b(?:is there|"
        r"got) a number (?:for|to)\b",
        r"\b(?:is|are) there (?:a|an|any) (?:\w+ ){0,3}?(?:group|groups|app|service|place|number|"
        r"support|meeting|way|help|bed|hostel|worker)\b",
        r"\b(?:give|gives|hand|hands) out (?:naloxone|narcan|kits|nyxoid|needles)\b|"
        r"\b(?:naloxone|narcan|nyxoid) (?:for )?free\b",
    )),
    ("someone_to_talk_to", (
        r"\b(?:need|want|can i|could i|like to) (?:to )?(?:talk|speak|chat) (?:to|with) "
        r"(?:someone|somebody|anyone|a person|a human|a worker)\b",
        r"\bsomeone to talk to\b",
    )),
    ("what_to_do", (
        r"\bwhat (?:do|should|can|would) (?:i|we) do\b|\b(?:do|should) (?:i|we) (?:call|ring|"
        r"phone|give|do it)\b",
        r"\bhow (?:do|can|would|should) (?:i|we|you) (?:use|know(?! (?:this|ur|you|your|its|it is|"
        r"if this|if you)\b)|tell|spot|check|test|give)\b",
        r"\bhow long does (?:it|naloxone|narcan|nyxoid|the spray) last\b|\blook out for\b",
        r"\b(?:anything|what) (?:else )?(?:i|we) (?:should|can|could|need to) do\b|\b(?:do not|"
        r"dunno|no idea) (?:know )?what to do\b|\bsomeone (?:needs to|has to|should|must) come\b",
        r"\bis (?:it|this|that) normal\b|\bwhat does (?:that|this|it) (?:even )?mean\b|"
        r"\bhow (?:many|much|long|often) (?:\w+ ){0,3}?(?:do|should|does|can|before|until) "
        r"(?:i|we|you|they) (?:give|use|take|wait|need|spray|last)\b",
        r"\bwho (?:do|can|should) (?:i|we) (?:call|ring|talk to|speak to|tell|contact)\b",
        r"\b(?:is|are) there (?:anyone|anybody|someone|anywhere|somewhere)\b",
        r"\bcan (?:someone|somebody|anyone|you) (?:ring|call|phone|talk to|speak to) me\b",
        r"\bsomewhere safe\b",
    )),
    ("harm_reduction", (
        r"\btest(?:ing)? strips?\b|\b(?:get|have) (?:my |it |the )?(?:\w+ )?tested\b",
        r"\bclean (?:needles|works|kit|pipes?)\b|\b(?:local )?services\b",
        r"\b(?:send|give) me (?:the )?(?:details|info|information|number|leaflet)\b",
    )),
    ("asks_for_information", (
        r"\bmore (?:info|information|details)\b|\btell me more\b",
        r"\bwhat (?:is|are) (?:nitazenes?|naloxone|narcan|frank|this (?:drug|stuff|warning))\b",
        r"\b(?:which|what) (?:batch|bags|pills|gear|stuff|area|areas)\b|\bwhat does it look like\b",
        r"\bis it (?:just )?(?:the )?(?:blues|white|brown|pills|gear|bars|tablets)\b",
        r"\bis (?:it|that|this) true\b",
        r"\b(?:is|are) (?:the|this|that|these|those|my) (?:\w+ ){0,6}?(?:safe|bad|dodgy|"
        r"contaminated|laced|cut with)\b",
    )),
]
_HOSTILE: Rows = [
    ("dismissal", (
        r"\bget lost\b|\bnobody asked\b|\bmind your own\b",
        r"\bwho (?:the fuck |the hell )?do you think you are\b",
        r"\bkeep texting and see\b|\bnice try\b|\bhope you (?:all )?get sacked\b",
        r"\b(?:go|now go) (?:and )?catch (?:some |a )?real criminals?\b",
        r"\b(?:fuck|f|piss|bugger|sod|naff|eff) off\b|\bjog on\b|\bdo one\b|\bget fucked\b",
        r"\bgo fuck (?:yourself|yourselves)\b|\bfoff\b|\bstfu\b|\bshut (?:the fuck )?up\b",
        r"\bfuck (?:you|yourself|yourselves|the (?:police|feds|pigs|old bill|filth|law|"
        r"lot of you))\b",
        r"\bsuck my\b|\beat shit\b|\bkys\b|\bkill yourself\b|\bgo die\b",
    )),
    ("insult", (
        rf"\b(?:you|your|you are|ya)(?: \w+){{0,2}} {_INSULTS}\b",
        rf"\b(?:absolute|fucking|bunch of|load of|pack of) {_INSULTS}\b",
        rf"\b{_INSULTS},? the lot of you\b",
        r"\b(?:you are|you|you lot are|you lot|you are all|your all) (?:all )?(?:pathetic|useless|"
        r"a joke|a disgrace|bent|corrupt)\b|\bwant locking up\b",
    )),
    ("insult_alone", (
        rf"^\W*(?:(?:fucking|fuck|you|absolute|dirty|stupid|fat|bent|{_INSULTS}|knife|gun)\W+)*"
        rf"(?:{_INSULTS}|knife|gun)\W*$",
    )),
    ("contempt", (
        r"\b(?:i hope|hope) (?:you|ya|your|all of you) (?:\w+ )?(?:all )?(?:die|rot|burn|get|"
        r"find)\b",
        r"\b(?:die|dead) (?:pigs|feds|cops|coppers|filth)\b|\bkiss my arse\b|"
        r"\bsuck (?:it|my|your)\b",
        r"\b(?:get|got) a (?:real )?job\b|\bgrow up\b|\bget (?:tae|to) fuck\b|\bgt fkd\b|"
        r"\bf you\b|\bstick (?:your|ur) \w+ up\b",
        r"\bwatch (?:your|ur)self\b|\b(?:find|found) out who sent this\b|\b(?:you will|youll) get "
        r"what is coming\b|\bcome and get me\b",
        r"\b(?:poxy|useless|lazy|bent|dumb|pathetic) (?:pigs|cops|coppers|feds|police|old bill|"
        r"force)\b|\b(?:feds|pigs|cops|coppers|police) (?:are|r) (?:dumb|useless|a joke|bent|"
        r"pathetic)\b|\bplant evidence\b|\bcould not catch a cold\b",
    )),
    ("anti_police", (
        r"\b(?:dirty|fucking|bent|corrupt|fat|filthy) (?:pigs|cops|coppers|feds|police|filth)\b",
        r"\boink\b|\bacab\b|\b1312\b|🐷|🐖|🐽|🖕|\bbabylon\b|\bsee (?:you|u) in court\b",
        r"\b(?:you are|you) the reason\b|\b(?:this is|its|it is) a (?:setup|set up|fit up)\b",
        rf"\b(?:bare|proper|total|right|such) {_INSULTS}\b",
    )),
    ("threat", (
        r"\b(?:i will|ill|ima|imma|i am going to|we will|we are going to|will) (?:find|kill|stab|"
        r"shank|shoot|"
        r"hurt|batter|bang|merk|wet|smash|cut|burn|come for|come after) "
        r"(?:you|your|all of you|the lot of you|whoever)\b",
        r"\b(?:you are|your|you|you lot|you lot are|you all|all of you) (?:dead|a dead man|"
        r"finished)\b",
        r"\bwhen i (?:find|catch|see|get) you\b",
        r"\b(?:watch|mind) your back\b|\bi know where you (?:live|are|work)\b",
        r"\bcoming for you\b|\bsnitches get stitches\b",
        r"\byou will (?:get|be) (?:stabbed|shot|hurt|done|merked|wet|found)\b",
    )),
]
_WRONG_NUMBER: Rows = [
    ("who_is_this", (
        r"\bwho (?:the (?:fuck|hell|heck|f) )?(?:is this|is it|is that|are you|this|that)\b",
        r"\bwho (?:sent this|is texting me|gave you (?:my|this) number)\b",
        r"\b(?:(?:how|where) did|did) you get (?:my number|this number|this)\b",
        r"\bwhat (?:number|no) is this\b|\bwhat is this (?:about|regarding|for)\b|^\W*who\W*$",
    )),
    ("wrong_number", (
        r"\bwrong (?:number|person|phone|guy|girl|man|bloke|no)\b|\bgot the wrong\b",
    )),
    ("not_me", (
        r"\b(?:it is|this is|that is|that was|was) not me\b|^\W*not me\b",
        r"\bnot my (?:number|phone)\b|\b(?:number|phone) (?:is|was) not mine\b",
        r"\bi (?:do not|never) (?:know|knew) (?:anyone|anybody|who(?! (?:else|to|i))|this)\b",
        r"\b(?:do not|not sure) (?:know )?(?:what|why) (?:this is|you are on|i have got this)\b",
        r"\bnever bought anything\b|\bwhat drug line\b|\bmade a mistake\b",
        r"\bno idea (?:who|what) (?:this|you|that)\b|\bwhat are you (?:on|talking) about\b",
        r"\bi (?:do not|never) (?:do|take|took|use|used|touch) drugs\b",
        r"\b(?:never|not) (?:done|taken|used|touched) (?:drugs|anything)\b",
        r"\bnot an? (?:drug user|user|druggie|junkie|addict)\b",
    )),
    ("why_me", (
        r"\b(?:why|how) (?:have i got|did i get|would you (?:send|text)|do you have|"
        r"have you got)\b",
        r"\bmean to (?:send|text) (?:this|me)\b|\bmeant for\b|\bwhat (?:the fuck )?is this\W*$",
        r"\bsent this to (?:a|the wrong)\b",
    )),
    ("new_phone", (
        r"^\W*new (?:number|phone)(?:\W*$|,| who)",
        r"\b(?:had|got) this (?:number|phone) (?:off|from|before)\b|\b(?:last|previous) owner\b",
        r"\b(?:this|the) (?:number|phone) belongs to\b|\bthis is my \w+'s phone\b",
        r"\b(?:i have|i|just|i just|this is a|it is a|i have just) (?:got )?a new "
        r"(?:phone|number|sim|no)\b",
        r"\bnew phone who\b",
        r"\b(?:recycled|second hand|secondhand) (?:number|sim|phone)\b|\bprevious owner\b",
        r"\b(?:got|had) this (?:number|phone|sim) (?:for|since|last|a few|in|from)\b",
        r"\bsomeone else(?:'?s)?\b|\b(?:does|do) not live here\b",
        r"\b(?:this is|it is|its) (?:a |my )?(?:work|works|business|company) (?:phone|number)\b",
    )),
    ("doubts_sender", (
        r"\bis this (?:real|legit|a scam|spam|a joke|a wind up|really the police|the police)\b",
        r"\bscam\b|\bspam\b|\bphishing\b|\bprank\b|\bwind up\b|\ba bot\b|"
        r"\bprove (?:you are|your|ur|it)\b|\bis this (?:actually|genuine|even real)\b|"
        r"\bhow do i know (?:you are|your|ur|this)\b",
    )),
    ("not_for_me", (
        r"\b(?:not sure|no idea|don't know|do not know) (?:why|how) (?:i am|im|i'm|you) "
        r"(?:getting|got|have)\b|\bwhy am i getting this\b|\bmixed me up\b|\bmust be a "
        r"mistake\b|\b(?:sent|texted|added|got) (?:this|me|it|my number) (?:\w+ )?by mistake\b",
        r"\b(?:bought|got) (?:this|the) (?:phone|sim|number) (?:\w+ )?(?:second hand|off|from)\b|"
        r"\bsecond ?hand\b|\b(?:just got|only got|new) (?:this|a|the) (?:sim|number|phone)\b",
        r"\b(?:i am|im|i'm) not (?:the (?:person|one|guy|man|woman)|who you)\b|\bi (?:aint|is not) "
        r"the (?:guy|one|person)\b|\bnothing to do with me\b|\bdo i know you\b",
        r"\blandline\b|\bbusiness line\b|\bmy (?:\w+'?s )?old (?:number|one)\b",
        r"\b(?:what|wat) (?:you are|are you|ur|you) (?:on|talking) about\b|\bprev(?:ious)? "
        r"owner\b|\blast person\b|\bdo not recognise\b",
    )),
]
_SUPPLY: Rows = [
    ("new_line", (
        r"\b(?:new|other|another|backup|second) (?:line|ting|digits)\b",
        r"\b(?:they|he|she|them|the line|dealer|the dealer|plug|the plug) (?:have |has |got |"
        r"are on |is on |are now |is now |now |have got |has got |moved to |switched to |"
        r"changed to )*(?:a |an |the )?(?:new|other|another|different|backup) "
        r"(?:number|phone|sim|no)\b",
        r"\b(?:their|his|her|the dealers?|the plugs?) (?:new|other|real|backup|second|work) "
        r"(?:number|line|phone|no)\b",
    )),
    ("ring_someone", (r"\b(?:ring|call|bell|link|hit up|ask for) (?P<name>[a-z]+)\b",)),
    ("they_are_on", (
        r"\b(?:they|he|she|them|dealers?|plug|the line) (?:are |is |have |has |were |was |now |"
        r"all |just |been )*(?:on|using|running) (?:a |the )?(?:new|different|other|another|\d)",
    )),
    ("selling_at", (
        r"\b(?:selling|serving|shotting|dealing|trapping|sells|serves|deals|sold|served|sell|"
        r"serve|deal) "
        r"(?:from|at|in|on|out of|round|around|outside|near|by|behind|off) "
        r"(?:the |a |an |that |this )?(?P<name>[a-z0-9]+)",
    )),
    ("place", (
        r"\b(?:on|at|in|round|around|near|behind|outside|by|off|from|down|up) (?:the )?"
        r"(?!(?:the|my|your|our|his|her|their|this|that|a|an)\b)(?:[a-z0-9]+ ){1,2}?"
        r"(?:street|road|rd|lane|avenue|ave|close|crescent|drive|estate|flats|court|towers|"
        r"square|terrace|grove|gardens)\b",
        r"\b(?:on|at|in|round|outside|near|by|behind) the (?:estate|flats)\b",
        r"\b[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}\b",  # a postcode
    )),
    ("named_line", (
        r"\bthe (?P<name>[a-z]+) line\b",
        r"\b(?P<owner>[a-z]+)'s (?:line|ting|number|phone|digits)\b",
        r"\bis (?:this|it) still (?P<person>[a-z]+)\b",
    )),
    ("moved_on", (
        r"\b(?:switched|changed|swapped) (?:sims?|phones?|numbers?|burners?)\b|\bnew burner\b",
        r"\bdifferent (?:phone|number|sim),? same\b|\bline'?s (?:still|back|already)\b",
        r"\bmoved (?:the )?(?:trap|line|it|operation) to\b|\btrap ?house (?:on|at|in)\b",
        r"\b(?:he|she|they|dealer|plug) (?:lives|live|stays|is based|are based) (?:in|on|at|"
        r"round|near|by)\b",
        r"\b(?:drives|driving|drove|drive|in) (?:a|an) (?:black|white|silver|grey|gray|red|"
        r"blue|green) \w+\b",
        r"\b(?:black|white|silver|grey|gray|red|blue|green|yellow) (?:car|van|transit|merc|"
        r"mercedes|bmw|audi|golf|corsa|fiesta|focus|vauxhall|range rover|taxi|moped|tesla)\b",
        r"\b(?:line|number|phone) (?:ends|ending) (?:in |with )?(?:#mid|#long|\d+)|\bends in \d",
        r"\b(?:line|it) (?:is |was )?(?:called|named|calls itself) \w+|\bline called \w+",
    )),
    ("where_they_work", (
        r"\b(?:shottas?|shotters?|dealers?|runners|they|he|she|the line|the lads) (?:\w+ )?"
        r"(?:hang|hangs|meet|meets|park|parks|drop|drops|deal|deals|sell|sells|serve|serves|"
        r"stash|stashes|cook|cooks|restock|restocks|move it|keep it|run it|trap|trapping|"
        r"do the (?:drops|handovers)) (?:round|at|in|by|outside|behind|from|off|out of|it|up|"
        r"on|every|thru|through|under)\b",
        r"\b(?:stash|trap|stash house|trap house|base|lock ?up) (?:flat|house)? ?(?:is |moved )?"
        r"(?:in|on|at|behind|above|by|to)\b",
    )),
    ("name_given", (
        r"\b(?:is|was|are) (?:called|named)\b|\b(?:runs it|main man|top boy)\b",
        r"\b(?:his|her|their|the dealers?|the plugs?) (?:real )?names? (?:is|are|was)\b",
        r"\b(?:goes by|known as|calls himself|calls herself)\b",
        r"\b(?:dealer|plug|guy|lad|man|bloke|he|she) (?:is |was )?(?:called|named)\b",
    )),
    ("offers_information", (
        r"\b(?:i|we) (?:know|can tell you|could tell you|can give you|have|have got|got) "
        r"(?:who|where|names?|info|information|the address|their number|his number|"
        r"her number|addresses)\b(?! (?:this|you|your|that)\b)",
    )),
    ("line_still_running", (
        r"\b(?:line|they|he|she|number|phone) (?:is |are |was )?(?:still|back) (?:running|going|"
        r"open|up|selling|dealing|serving|active|on|working)\b",
        r"\b(?:new|the|their|his|that) (?:plug|dealer|supplier|shotter|trap house)\b",
    )),
]
# fmt: on

RULES: tuple[Rule, ...] = tuple(
    table(Label.RISK_DISCLOSURE, risk.OVERDOSE, (RiskKind.OVERDOSE,))
    + table(Label.RISK_DISCLOSURE, risk.SELF_HARM, (RiskKind.SELF_HARM,))
    + table(Label.RISK_DISCLOSURE, risk.EXPLOITATION, (RiskKind.EXPLOITATION,))
    + table(Label.RISK_DISCLOSURE, risk.CHILD, (RiskKind.CHILD_AT_RISK,), accept=risk.is_child_age)
    + table(Label.RISK_DISCLOSURE, risk.VIOLENCE, (RiskKind.VIOLENCE,))
    + table(Label.RISK_DISCLOSURE, risk.THREATENED, (RiskKind.VIOLENCE, RiskKind.EXPLOITATION))
    + table(Label.RISK_DISCLOSURE, signs.OVERDOSE_SIGNS, (RiskKind.OVERDOSE,))
    + table(Label.RISK_DISCLOSURE, signs.SELF_HARM_SIGNS, (RiskKind.SELF_HARM,))
    + table(Label.RISK_DISCLOSURE, signs.EXPLOITATION_SIGNS, (RiskKind.EXPLOITATION,))
    + table(
        Label.RISK_DISCLOSURE,
        signs.CHILD_SIGNS,
        (RiskKind.CHILD_AT_RISK,),
        accept=risk.is_child_age,
    )
    + table(Label.RISK_DISCLOSURE, signs.VIOLENCE_SIGNS, (RiskKind.VIOLENCE,))
    + table(Label.HELP_SEEKING, _HELP)
    + table(Label.OPT_IN, OPT_IN)
    + table(Label.HOSTILE, _HOSTILE)
    + table(Label.WRONG_NUMBER, _WRONG_NUMBER)
    + table(Label.SUPPLY_INTEL, _SUPPLY, accept=_names_someone)
)
# The same rules, grouped so that a table none of whose rules match is skipped in one search.
RULE_TABLES: tuple[RuleTable, ...] = screened(RULES)
