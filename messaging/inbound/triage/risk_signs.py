"""Risk signs as public safeguarding guidance describes them, as rule rows.

The rows of :mod:`messaging.inbound.triage.risk_rules` name what people say outright ("not
breathing", "making me sell"). These name the signs that guidance teaches people to notice,
in the words people use for them:

* **Overdose and opioid toxicity** (NHS, FRANK, the national alerts on nitazenes): cannot be
  roused, slumped or floppy, snoring or gurgling, slow breathing, blue or grey lips, pinned
  pupils, "went over", "gouching", being brought round with naloxone, deaths told as news.
* **Suicidal thinking and self-harm** (Samaritans, NHS): no point, no way out, being a
  burden, nobody would miss me, saying goodbye, giving things away, saving tablets, a
  decision made, wanting it all to stop, cutting or burning.
* **Exploitation** (Home Office county lines and cuckooing guidance): runs, drops and
  deliveries, "olders", going missing, a second phone, "going country", debts made by a
  robbed package, "tax" and "tick", a home taken over, not allowed home.
* **A child at risk**: an age under 18 said any way ("about 14", "can't be older than 12"),
  school years, children left alone or where drugs are used or sold.
* **Violence and intimidation**: weapons, being hunted or watched, a price on someone,
  "ops", threats for talking, doors kicked in, homes set alight.

Rows only (as :mod:`messaging.inbound.triage.patterns` explains); risk is never negated.
"""

from __future__ import annotations

from messaging.inbound.triage.patterns import Rows

_SOMEONE = (
    r"(?:he|she|they|him|her|them|mate|friend|pal|brother|sister|son|daughter|dad|mum|"
    r"partner|boyfriend|girlfriend|missus|cousin|housemate|flatmate|someone|somebody|lad|girl)"
)
_DRUG = r"(?:gear|brown|white|batch|stuff|pills?|blues|bars|bag|bags|heroin|drugs?|nitazenes?)"
_WEAPON = (
    r"(?:knife|knives|blade|blades|machetes?|guns?|bat|baseball bat|hammer|acid|weapons?|"
    r"bottle|balaclavas?|shank)"
)

_NOT_AN_AGE = (
    r"(?! (?:days?|weeks?|months?|mins?|minutes?|hours?|hrs?|times?|quid|pounds?|grams?|g|"
    r"bags?|percent|left|more|of|pills|miles|people|lads|grand|k|mg|ml|tablets|stone|"
    r"(?:years?|yrs)(?! old)))"
)

# fmt: off
OVERDOSE_SIGNS: Rows = [
    ("went_over", (
        r"\b(?:went|gone|going|goin|go|goes) over (?:on|off|after|from|again|last|yesterday|"
        r"today|tonight|in|twice|and|on it)\b",
        r"\b(?:went|gone) over\W*$",
        r"\b(?:people|lads|everyone|everybody|users|half the estate|they are all|all) "
        r"(?:are |keep |have been |been |already )?(?:dropping|dropped|going over)\b",
        r"\bod'?ing\b",
    )),
    ("drug_death", (
        rf"\b{_DRUG} (?:that |which |what )?(?:killed|took out|is killing|has killed|have killed|"
        r"killing)\b",
        r"\b(?:\d+|two|three|four|five|several|another|people|lads|girls|boys|someone|somebody|"
        r"neighbour|mate|friend|cousin|brother|sister|one) (?:\w+ ){0,4}?(?:died|have died|"
        r"has died|dead|in the ground|gone)\b(?! (?:laughing|tired|good|for))",
        r"\bfound (?:him|her|them|\w+) dead\b|\bfuneral\b|\b(?:a |another )?death at\b",
        # A death told as bare news, a name and "is dead" opening a sentence ("Kev's dead.").
        r"(?:^|[.!?] )(?!(?:it|that|this|everything|town|place|party|chat|phone|battery|line|"
        r"game|night|market|group|road|street|club|pub|bar|car|signal|wifi)\b)[a-z]+(?:'s| is) dead"
        r"(?:[.!?]|$)",
        r"\blost (?:my |our |another |\d+ |two |three )?(?:best )?(?:friend|mate|son|daughter|"
        r"brother|sister|partner|people|lads|one) (?:\w+ ){0,2}?to\b",
    )),
    ("cannot_rouse", (
        r"\b(?:can not|could not|will not|not) (?:rouse|wake|get (?:him|her|them) to wake)\b",
        r"\b(?:slumped|floppy|limp|clammy|unresponsive|not moving|not responding|no pulse|"
        r"uncon(?:scious|cious|shus|shous|sious)|eyes rolling|rolling back|blacking out|"
        r"blacked out|keep passing out|drifting off|falling asleep mid|gone under|out cold|"
        r"monged|whitied|whitey|gouch\w*|drowsy|barely answering|barely conscious)\b",
        r"\bnodding (?:out|off|hard|heavy|proper|all)\b(?! (?:watching|in (?:a|the) (?:meeting|"
        r"class|lesson)|at (?:work|my desk)))|\bout for \d+ hours\b",
        r"\bon the floor\b|\bfoam(?:ing)? (?:at|on|from) (?:the|his|her) mouth\b",
    )),
    ("breathing_signs", (
        r"\b(?:gurgl\w*|snoring|gasping)\b|\bcan not breathe?\b",
        r"\bbreathing (?:is )?(?:\w+ ){0,3}?(?:slow|slowly|weird|funny|strange|shallow|like|"
        r"every|\d+ times)\b",
        r"\b(?:think|sure|if|check) (?:if )?(?:he|she|they) (?:is|are) breathing\b",
        r"\b(?:lips|face|skin|fingers|he is|she is) (?:\w+ ){0,3}?(?:blue|grey|gray|purple|"
        r"dark)\b|\b(?:goes|go|looks|looking|gone all) (?:blue|grey|gray|purple)\b",
        r"\b(?:eyes|pupils) (?:\w+ ){0,3}?(?:pinned|pinpoint|pin ?pricks?|pins|tiny)\b",
        r"\bheart (?:stopped|stopping|racing|pounding|going mad)\b|\bchest (?:is )?tight\b",
    )),
    ("brought_back", (
        r"\b(?:had to|have to) (?:narcan|naloxone|do cpr|give)\b|\bcpr\b",
        r"\b(?:brought|bring|bringing|got) (?:\w+ )?(?:back|round)\b(?: with| after)",
        r"\bbrought (?:me |him |her |them )?(?:back|round)\b",
        r"\b(?:he|she|i) (?:is |has |had |have )?(?:come|came|coming) round\b",
        r"\b(?:gave|give|used|using) (?:\w+ )?(?:the )?(?:nasal )?spray\b",
        r"\b(?:icu|intensive care|resus|hosp|ambos?|ambulances?|hospital)\b",
    )),
    ("naloxone_not_enough", (
        r"\b(?:need|needs|get|want) (?:some |a )?(?:narcan|naloxone|nyxoid|the spray) (?:asap|now|"
        r"quick|urgently|right now|tonight)\b",
        r"\b(?:first|1st|one) (?:one|spray|dose|shot) (?:did not|has not|is not) (?:do|work)",
        r"\b(?:another|second|2nd|more) (?:dose|spray|shot|one) of (?:the )?(?:narcan|naloxone)\b",
        r"\b(?:how many|how much) (?:sprays|doses|shots) of (?:the )?(?:narcan|naloxone|nyxoid)\b",
    )),
    ("deaths_told", (
        r"\b(?:rip|r\.i\.p)\b|\blost (?:another|two|three|four|\d+) (?:one|lads?|people|mates?|"
        r"friends?|of us)\b",
        rf"\b(?:the )?{_DRUG} (?:took|got) (?:him|her|them|my \w+)\b",
    )),
    ("took_more_than_usual", (
        r"\b(?:way |a lot |much |loads )?more than (?:usual|normal|i normally|i usually|"
        r"i should)\b",
        r"\bcan not feel (?:me|my) (?:face|legs|arms|hands|body|feet)\b",
        r"\b(?:tolerance|tolerence) (?:is )?(?:gone|down|low)\b",
        r"\b(?:use|using|used) (?:on my own|alone|by myself)\b|\bheart stop\b|"
        r"\bcan not (?:stand|walk|move) (?:up|properly|straight)\b",
    )),
    ("took_a_lot", (
        r"\b(?:took|taken|had|swallowed|used|done) (?:a load of|loads of|all (?:of )?my|"
        r"everything|the lot|the whole|too many|\d+ of)\b",
        r"\b(?:took|taken|swallowed|had|necked|downed) (?:\d+|a (?:box|packet|pack|bottle|strip) "
        r"of|a handful of|a whole) (?:\w+ )?(?:pills|tablets|paracetamol|pregabs?|pregabalin|"
        r"benzos|valium|vallies|blues|xanax|oxys?|tramadol|methadone)\b",
        r"\b(?:being sick|vomiting|throwing up|feel sick) and (?:sleepy|drowsy)\b",
    )),
]
SELF_HARM_SIGNS: Rows = [
    ("hopeless", (
        r"\bwhat is the point\b|\b(?:no|nothing left|nothing) (?:\w+ )?to live for\b",
        r"\bno (?:way out|future|hope)\b|\b(?:looking for|only) (?:a |the )?way out\b",
        r"\bno (?:reason|reson|point) (?:for me )?(?:to |in )?(?:keep go\w*|go on|carry on|"
        r"live|living|be here)\b",
        r"\b(?:can not|carnt) (?:do|cope|take|go on)\b(?: \w+){0,2} (?:anymore|any more|"
        r"no more)\b",
        r"\b(?:tired|sick) of (?:life|living|being alive|bein alive|everything|it all|"
        r"waking up)\b",
        r"\b(?:done|finished) with (?:it all|life|everything)\b",
        r"\bwant (?:it all|everything|the pain|this|it) to (?:stop|end|be over)\b",
        r"\bwaiting for it to be over\b|\b(?:give|giving) up for good\b",
    )),
    ("tired_of_life", (
        r"\b(?:can not be arsed|cba|sick|tired|fed up|done) (?:with|of|wiv) (?:life|living|"
        r"anything|everything|it all|being here)\b",
        r"\blife'?s? (?:is )?not worth (?:it|living)\b|\bnot worth (?:living|it any ?more)\b",
        r"\bcan not (?:do|face|take|survive) another (?:day|night|week|winter|year|christmas)\b",
        r"\b(?:i mean it|for real) this time\b|\b(?:already|i have|i've) decided\b",
        r"\bonly thing (?:stopping|keeping) me\b|\bwake up disappointed\b",
        r"\b(?:rather|better) be dead\b|\b(?:do not|never) want to live\b|\b(?:the|my|dark|"
        r"suicidal|bad) thoughts (?:are|r) back\b|\bsectioned\b",
        r"\bbefore i do something(?! else)\b|"
        # Not needing something "where I'm going": a goodbye, not a holiday (a place named
        # or a laugh after it is left to the model).
        r"\b(?:will not|won't|don't|do not) need (?:\w+ ){0,3}where i am going\b"
        r"(?! (?:on holiday|lol|haha)| ?😂)|"
        r"\b(?:about to|going to|might|could) do something (?:stupid|silly|daft)\b|"
        r"\b(?:canal|river|sea|bridge|water|tracks) (?:is |are )?(?:calling|callin) me\b",
    )),
    ("burden", (
        r"\bburd[aeiou]n\b|\bwithout me\b|\bme not (?:around|here)\b",
        r"\bif i (?:was|were) (?:not here|gone|dead|not around)\b",
        r"\b(?:no one|nobody|no1) (?:would|will|wud) (?:even )?(?:miss|notice|care)\b",
    )),
    ("not_wake_up", (
        r"\b(?:sleep|go to sleep) (?:and not|forever|for ever|and never)\b",
        r"\b(?:wish|wished) i (?:never|had not|did not) (?:woke|wake|been born)\b",
        r"\b(?:disappear|dissapear|disapear) (?:forever|for good|for ever)\b",
        r"\b(?:do not|did not) want to wake\b",
    )),
    ("goodbye", (
        r"\b(?:said|saying|say) (?:my )?goodbyes?\b|\bgoodbye (?:message|note|letter|post)\b",
        r"\bfor the last time\b|\b(?:suicide|goodbye) notes?\b|\bfound (?:\w+ ){0,2}notes?\b",
        r"\b(?:given|giving|gave) (?:all )?(?:my |away my )?(?:stuff|things|belongings) away\b",
        r"\b(?:given|gave) (?:away )?(?:all )?my (?:stuff|things|belongings)\b",
        r"\bletters? (?:to|for) my\b|\btell (?:\w+ ){0,2}(?:i am|i'm) sorry\b",
        r"\b(?:wrote|written|writing|left) (?:my |the |some )?(?:letters|notes?|goodbyes?)\b",
        r"\b(?:posted|texted|sent) (?:me |us )?(?:a )?goodbye\b",
        r"\b(?:will not|won't) be (?:around|here|a problem|a burden)\b",
        r"\b(?:i will|ill|i'll) be (?:gone|dead)\b",
        r"\b(?:made|make) (?:up )?my (?:mind|decision)\b|\btoo late for me\b",
        r"\b(?:do not|don't) (?:try (?:and|to) )?(?:find|look for) me\b",
        r"\b(?:goodbye|bye) (?:world|everyone|all)\b|\bsay (?:bye|goodbye) to (?:someone|you)\b",
        # A goodbye beside a gravestone or a coffin, as emoji.
        r"(?:👋|\bbye\b|\bsee you\b|\bcya\b|\bgoodbye\b) ?(?:🪦|⚰)|(?:🪦|⚰)\ufe0f? ?"
        r"(?:👋|\bsee you\b|\bcya\b|\bbye\b|\bgoodbye\b)",
        r"\blast (?:text|message) (?:you will|youll|you'll) (?:get|ever get)\b",
        r"\b(?:gave|given|giving) (?:away )?my (?:dog|cat|pets?) (?:to|away)\b|\bsorted (?:all )?"
        r"my (?:stuff|things|affairs)\b",
    )),
    ("means", (
        r"\b(?:saving|saved|stockpiling|stockpiled|hoarding|collecting) (?:up )?(?:my |the )?"
        r"(?:tablets|pills|meds|medication|methadone|insulin|paracetamol)\b",
        r"\b(?:lethal|fatal|deadly) (?:dose|amount)\b|\b(?:slit|slash|slashed|cut) (?:my |his |"
        r"her )?wrists?\b|\b(?:walk|walking|walkin) into the (?:sea|river|canal|water)\b",
        r"\b(?:by|at|on|from) the (?:train )?(?:tracks|railway line|cliffs?|cliff top|edge)\b|"
        r"\bcliff ?top\b|\btop of the (?:multi ?storey|car park|bridge|cliffs?|building)\b",
        r"\b(?:rope|noose|ligature)\b|\b(?:step|stepping|jump|jumping) (?:out )?(?:in front|off)\b",
        r"\b(?:belt|cable|cord|flex|scarf|tie|rope) (?:\w+ )?(?:round|around) (?:the|my|his|her) "
        r"(?:door|neck|banister|bannister|beam|hook)\b",
        r"\b(?:edge of|on the|off the|past the|about the) (?:\w+ ){0,2}?(?:bridge|roof|cliff|"
        r"ledge|tracks|railway|multi ?storey)\b",
        r"\bhow (?:many|much) (?:\w+ ){0,4}?(?:it would take|would it take|does it take|to not "
        r"wake|to die)\b",
        r"\b(?:would it|will it|does it) (?:be quick|hurt)\b|\bon purpose\b",
        r"\b(?:pills|tablets) (?:here )?(?:in front of me|ready|lined up)\b",
        r"\b(?:every|all the|all my) (?:tablets?|pills?|meds)\b(?: \w+){0,4} in front of me\b",
        r"\b(?:use|do) it on (?:himself|herself|myself|themselves)\b|\b(?:blade|knife|razor) "
        r"(?:saying|says) (?:she|he|they) (?:will|would) do it\b",
        r"\b(?:use|take|do|using|taking) (?:the lot|the whole \w+|everything|it all)\b",
        r"\b(?:finish|finishes|finishing) me off\b|\bdo me a favou?r\b|\bsave me the trouble\b",
        r"\b(?:want|hope|hoping|wish) (?:it|this|that) (?:to )?(?:kill|kills|finish) me\b",
    )),
    ("ending_it", (
        r"\b(?:ending|endin) it\b|\bend it (?:myself|all|tonight|now)\b",
        r"\btop(?:ping)? (?:myself|meself|himself|herself)\b",
        r"\b(?:going to|will) do it (?:tonight|today|anyway|soon)\b",
        r"\b(?:wants|wanting) to die\b|\b(?:do not|don't) trust myself\b",
        r"\bscared of what i (?:will|might|would) do\b",
    )),
    ("self_harm_signs", (
        r"\b(?:cutting|cuttin|sliced|slicing|burn|burning|burnt|scratch\w*|punch\w*|hurting|"
        r"harming) (?:my ?self|meself|herself|himself|my (?:arms?|legs?|wrists?|skin))\b",
        r"\b(?:started|start|been|keep|kept|bin) (?:cutting|cuttin|self harming)\b",
        r"\b(?:cutting|cuttin) (?:again|since)\b|\bmy (?:arms?|wrists?) (?:are |is )?(?:a mess|"
        r"cut|scarred)\b",
        r"\bpunch walls\b|\btill (?:it |my \w+ )?bleeds?\b",
        r"\bscars? (?:on|all over|up) (?:my|his|her) (?:arms?|legs?|wrists?|thighs?)\b",
    )),
]
EXPLOITATION_SIGNS: Rows = [
    ("runs_and_drops", (
        r"\b(?:doing|do|did|does) (?:the |their |his )?(?:runs|drops|deliveries|shifts)\b",
        r"\b(?:on|answer|answering|hold|holding|working) (?:the|their|his) (?:line|phone)\b",
        r"\b(?:running|shotting|selling|dealing|holding|working|carrying|delivering|driving|"
        r"drive|works) for (?:them|him|her|a line|the \w+ line|someone|somebody|the olders)\b",
        r"\b(?:olders|elders|older (?:lads|boys|men|man|kids|ones|guys))\b",
        r"\b(?:hand ?offs|handovers|lookouts?|drop offs|run the phone)\b|\bexploit\w*",
        r"\b(?:recruit\w*|groom\w*|pimp\w*)\b",
    )),
    ("going_missing", (
        r"\b(?:going|gone|goes|went|been|keeps going|reported) missing\b",
        r"\b(?:going|gone|went|goes|go|sent|taken|took|working|work) (?:\w+ )?(?:country|cunch|"
        r"out of town|to other towns|to another (?:town|city))\b",
        r"\bgot (?:took|taken) to\b|\b(?:took|taken) (?:me|him|her) to (?:a |an |some )?"
        r"(?:\w+ )?(?:town|city|hotel|flat)\b",
        r"\b(?:second|2nd|another) phone\b|\b(?:two|2) (?:phones|fones)\b",
        r"\bcame (?:home|back) with\b|\b(?:new trainers|loads of cash)\b",
    )),
    ("debt_bondage", (
        r"\b(?:on tick|my tick|fronted|fronting|taxed|taxing|the tax|tax went)\b",
        r"\b(?:what|wot|money) (?:i|he|she|we) (?:owe|owes|owed)\b",
        r"\bowe[sd]? (?:them|him|her|the line|money|\w+ grand|£?\d+)\b|\bdebts?\b",
        r"\bpay (?:it|them|up|what)\b|\b(?:work|working|worked) (?:it|the debt|that) (?:off|of)\b",
        r"\b(?:package|bag|stuff|phone) (?:got |was |that got )?(?:taken|nicked|robbed|lost)\b",
        r"\blost (?:the|a|their) (?:package|bag)\b|\bset (?:me )?up\b",
        r"\b(?:clear|clearing|cleared|paying off) (?:it|the debt|my debt|what i owe)\b",
        r"\b(?:a tenner|a fiver|\w+ quid|money|came up|was|were|i am) short\b|\bon the rota\b|"
        r"\b(?:go down|take the rap|do time|do the time) for (?:it|them|him)\b",
        r"\b(?:take|takes|took|taking|keep|keeps) (?:my|his|her) (?:benefits|uc|universal credit|"
        r"pip|giro|wages|money|card)\b|\bday my (?:uc|benefits|money|giro) (?:lands|comes)\b",
    )),
    ("home_taken_over", (
        r"\b(?:moved|move|moving) (?:in|into) (?:with )?(?:my|his|her|him|me|mine)\b",
        r"\b(?:took|taken|take|taking) over (?:my |his |her |their |a |the )?(?:\w+ )?"
        r"(?:flat|house|home|place|bungalow|gaff)\b",
        r"\b(?:flat|house|home|place|bungalow|gaff) (?:has been |was |got |is being |been )?"
        r"(?:taken over|took over|cuckooed)\b",
        r"\b(?:they|he|she|them) (?:will not|won't|refuse to) (?:leave|go|get out)\b",
        r"\b(?:dealers?|they|lads|them|people) (?:\w+ ){0,2}?(?:moved|moving) in\b",
        r"\b(?:use|using|used) (?:my|his|her) (?:flat|house|home|place|gaff|kitchen|address)\b",
        r"\b(?:cooking up|bag up|bagging up|bando)\b|\bin a trap\b",
    )),
    ("coerced", (
        r"\b(?:will not|do not|did not|would not) let (?:me|him|her) (?:leave|go|stop|out|home)\b",
        r"\b(?:not|never|has not been|have not been) allowed (?:to )?(?:go )?(?:home|out|leave|"
        r"visitors)\b",
        r"\b(?:have|had|got) to (?:sell|run|hold|carry|deliver|drive|do (?:the )?(?:runs|drops)|"
        r"answer the phone|work it off)\b",
        r"\b(?:they|he|she) (?:say|says|said|sed) (?:i|he|she) (?:have|has|got|gota|gotta) to\b",
        r"\b(?:can not|could not) (?:say no|refuse)\b|\bno choice\b|\bstuck (?:doing|in it)\b",
        r"\b(?:got|gets|getting|have|has|had) (?:me|him|her|my \w+(?: \w+)?) (?:selling|running|"
        r"holding|holdin|carrying|delivering|going|doing|shotting|dealing|on the)\b",
        r"\b(?:being|been|is being|was being) used\b|\bgiven (?:him|her|me) (?:a|the) "
        r"(?:phone|bag|moped)\b|\bdo (?:stuff|things) with his\b",
        r"\b(?:they|he|she) (?:\w+ )?(?:have|has|got|took|take|kept|keep) (?:got )?my "
        r"(?:keys|phone|id|passport|bank card|card|benefits)\b",
    )),
]
CHILD_SIGNS: Rows = [
    ("age_said_loosely", (
        r"\b(?:about|around|maybe|must be|aged|age|only|like|no older than|no more than|"
        rf"older than|more than|under|just a kid) (?P<young_age>1[0-7])\b{_NOT_AN_AGE}",
        r"\b(?P<young_age2>1[0-7]) ?(?:yr|your) old\b",
        r"\bmy (?:\w+ ){1,2}(?:is|are|was) (?:only |just )?(?P<young_age3>1[0-7])\b"
        + _NOT_AN_AGE,
        r"\b(?:kid|son|daughter|lad|boy|girl|bairn|sister|brother)'s (?P<young_age4>1[0-7])\b"
        + _NOT_AN_AGE,
    )),
    ("school_years", (
        r"\byear (?:[5-9]|1[0-1])s?\b|\b(?:school ?kids?|school ?boys?|school ?girls?|"
        r"teenagers?|teenage|teens|pupil referral|youngers|yout)\b",
        r"\bpregnant (?:and|but) (?:still )?(?:using|on|smoking)\b|\busing (?:while|whilst) "
        r"pregnant\b",
        r"\b(?:lil|little) (?:man|bro|sis|lad|lads|boy|girl)\b|\b(?:young|younger) ones\b",
        r"\bkids (?:on (?:bikes|bmx\w*)|as young as|from the school)\b",
        r"\b(?:grandkids|grandchildren|toddler|newborn)\b|\btheir children\b|\bchildren\b",
    )),
    ("children_neglected", (
        r"\b(?:kids|children|baby) (?:are |were )?(?:left|hungry|alone|on their own)\b",
        r"\bleaves? (?:her|his|the|their) (?:kids|children|baby)\b",
        r"\bin front of (?:our|the|my|his|her|their) (?:baby|kids|children|son|daughter)\b",
    )),
]
VIOLENCE_SIGNS: Rows = [
    ("injured", (
        r"\b(?:stab|knife|gunshot|bullet) wounds?\b|\b(?:broke|broken|smashed|snapped) (?:my|his|"
        r"her) (?:arm|arms|leg|legs|ribs|jaw|nose|fingers?|hand|wrist|cheekbone)\b",
        r"\b(?:ribs|jaw|nose) (?:are |is )?(?:gone|broken|broke)\b|\bcan not see out of "
        r"(?:one|my) eye\b|\bblack and blue\b|\bbleeding (?:badly|bad|pretty bad|a lot|"
        r"everywhere)\b",
    )),
    ("assaulted", (
        r"\bpistol ?whip\w*|\bstrangl\w*|\bchoked (?:me|him|her)\b|\bset (?:their|the|a|his|"
        r"her) dogs? on\b|\btortur\w*|\bhung (?:me|him|her) (?:off|out)\b|\btaped (?:my|his|"
        r"her)\b|\bpunishment beating\b|\bchibbed\b|\bkneecap\w*",
        r"\b(?:being|getting|got) chased\b|\bsmashing the (?:place|house|flat) up\b|"
        r"\bthrows? (?:things|stuff) at\b|\b(?:beats|hits|batters) (?:his|her|my) (?:missus|"
        r"wife|partner|girlfriend|boyfriend|mum|mam|husband)\b",
        r"\bburns? (?:all )?(?:up|on) my\b|\b(?:got|had) a visit from\b",
        r"\btied (?:me |him |her |us )?up\b|\b(?:robbed|mugged|robbery)\b|\bblood (?:all )?"
        r"(?:over|everywhere|on the)\b|\bor else\b",
        r"\b(?:partner|boyfriend|husband|man|ex|girlfriend|wife|bf) (?:\w+ ){0,3}?(?:locks|locked|"
        r"checks|hits|beats|batters|raging|strangles|controls|chokes)\b",
    )),
    ("life_threatened", (
        r"\b(?:hit|contract) (?:out )?on me\b|\b(?:scared|fear|frightened) for my life\b|"
        r"\bnot safe (?:at home|here|in my)\b|\bthere will be blood\b",
        r"\b(?:going to|gonna|will|i'll|ill) (?:kill|stab|shoot|do in|bang|merk) (?:the man|him|"
        r"her|anyone|someone)\b|\bdo (?:him|her|them) in\b",
    )),
    ("hurt_by_them", (
        r"\b(?:got|get|getting|gettin|gets|been|was|were|be) (?:\w+ )?(?:stabbed|stabed|shanked|"
        r"slashed|knifed|shot|glassed|bottled|smacked|battered|beaten|jumped|merked|wet|cut|"
        r"poked|violated|done in|done|hurt|attacked|atacked|kidnapped|bombed|petrol bombed)\b",
        r"\bwith (?:a |an |their |his |her |\d+ )?" + _WEAPON + r"\b",
        r"\b(?:threat(?:en|end|ened|ening|s)?)\b|\bdemanding (?:money|payment)\b",
        r"\b(?:beat|beaten|smashed|cut) (?:\w+ )?(?:up|in)\b",
    )),
    ("hunted", (
        r"\b(?:they|he|she|them|someone|people) (?:\w+ )?(?:know|knows|no|find|found out) "
        r"(?:where|were) (?:i|we|my \w+|he|she) (?:live|lives|stay|work)\b",
        r"\b(?:coming|comin|come|came) (?:for|after) (?:me|us|my \w+|him|her)\b",
        r"\b(?:price|bounty) on (?:me|my head|his head)\b|\bon smoke with\b|\bops\b",
        r"\b(?:followed|following|watching) (?:me|us|my \w+)\b|\bthey (?:are )?watching\b",
        r"\bthey find me\b|\b(?:protect me|keep me safe)\b|\bsomewhere safe\b|\bmove me\b",
        r"\b(?:they are|they) (?:\w+ ){0,2}?(?:outside|at) (?:my|the) (?:door|house|flat|"
        r"window|work|home)\b|\bthey are outside\b|\b(?:car|cars|men) outside my\b",
    )),
    ("dead_if_seen", (
        r"\bif (?:they|he|she) (?:\w+ ){1,6}?(?:i am|i will be|i'll be) (?:dead|a goner|done|"
        r"finished)\b",
        r"\b(?:dead man walking|a goner)\b|\bget me (?:killed|stabbed|hurt|shot|done)\b",
        r"\b(?:said|say|says|sed|saying|sayin|told me) (?:i am|i will|i|he is|she is) "
        r"(?:going to |gonna )?(?:get |getting |gettin |be )?(?:hurt|done|done in|dead|killed|"
        r"stabbed|shanked|wet|wet up|violated|merked|smashed)\b",
        r"\b(?:break|do|doing) my (?:legs|knees|kneecaps|arms)\b",
        r"\b(?:think|thinks|thought) (?:i am|i) (?:a )?(?:grass|snitch|grassed|snitched|grassing|"
        r"snitching)\b|\bput (?:my|our|his|her) (?:life|lives) in danger\b",
        r"\bfind out i (?:talked|texted|grassed|spoke|told)\b|\bif i (?:grass|snitch|talk)\b",
    )),
    ("home_attacked", (
        r"\b(?:burn|bun|torch|burned|burnt) (?:down )?(?:my|his|her|the) (?:yard|house|flat|car|"
        r"home|place)\b|\bset (?:my|his|her|the) \w+ (?:on fire|alight)\b|\btorched\b",
        r"\b(?:banging on|kicked|kicking|smashed|smashing|broke|broken) (?:in |down )?"
        r"(?:my|the) (?:door|windows?|house)\b|\bbroke into\b|\btied (?:me|him|her) up\b",
    )),
]
# fmt: on
