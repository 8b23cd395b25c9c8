# ruff: noqa: E501  (word lists and patterns read best unwrapped)
"""Word lists and regular-expression pieces for the rules in :mod:`attune.signals.rules`.

Every pattern here is matched against *normalised* text: lower case, curly quotes made straight,
runs of spaces collapsed (see ``rules.normalise``). Chat spellings are part of the lists on purpose
("im", "dont", "ur", "u"), and apostrophes are optional wherever people drop them.
"""

from __future__ import annotations

import re

# --- building blocks -------------------------------------------------------------------------

YOU = r"(?:you|u|ya)"
YOU_ARE = r"(?:you'?re|you are|u'?re|u are|u r|ur|your)"
YOUR = r"(?:your|ur|yr)"
I_AM = r"(?:i'?m|i am|im)"
I_WILL = (
    r"(?:i'?ll|i will|i shall|i'?m (?:going to|gonna)|i am (?:going to|gonna)|im (?:going to|gonna)"
    r"|i (?:want to|wanna|could|swear i'?ll|swear to god i'?ll)|imma|ima|i'?d)"
)
NEGATOR = (
    r"(?:not|never|no|nobody|nothing|don'?t|didn'?t|doesn'?t|won'?t|wouldn'?t|can'?t|cannot"
    r"|couldn'?t|shouldn'?t|isn'?t|wasn'?t|aren'?t|ain'?t|hardly|stop)"
)
NEGATED_BEFORE = re.compile(rf"\b{NEGATOR}\b(?:\s+[\w']+){{0,2}}\s*$")
"""A negator within three words before a match (``"I would never hurt you"``)."""

# Laughter and play: markers that turn idioms ("I'm dying", "I'll kill you") into hyperbole.
LAUGHTER = re.compile(
    r"😂|🤣|😆|😹|😅|😜|😝|😛|🙃|😏|💀|☠"
    r"|\b(?:l+o+l+(?:z|s)?|lmf?a+o+|rofl|ha(?:ha)+h?|hehe+|hihi+|jk|j/k|kidding|joking|jokes)\b"
)

# --- counts ------------------------------------------------------------------------------------

FIRST_SINGULAR = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "i'm",
        "im",
        "i've",
        "ive",
        "i'll",
        "i'd",
        "id",
    ]  # "id"/"ill" are too ambiguous…
) - {"id"}
FIRST_PLURAL = frozenset(
    ["we", "us", "our", "ours", "ourselves", "we're", "we've", "we'll", "we'd", "let's", "lets"]
)
SECOND = frozenset(
    [
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "you're",
        "youre",
        "you've",
        "you'll",
        "you'd",
        "u",
        "ur",
        "ya",
        "y'all",
    ]
)
ABSOLUTIST = frozenset(  # Al-Mosaiwi & Johnstone (2018), the 19-word absolutist index
    [
        "absolutely",
        "all",
        "always",
        "complete",
        "completely",
        "constant",
        "constantly",
        "definitely",
        "entire",
        "ever",
        "every",
        "everyone",
        "everything",
        "full",
        "must",
        "never",
        "nothing",
        "totally",
        "whole",
    ]
)
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# One emoji: a pictograph (with skin tone, variation selector and ZWJ continuations) or a flag.
_PICTO = (
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2300-\u23FF\u2B00-\u2BFF\u2190-\u21FF"
    r"\u2934\u2935\u3030\u303D\u3297\u3299\u00A9\u00AE\u203C\u2049\u2122\u2139]"
)
EMOJI = re.compile(
    rf"[\U0001F1E6-\U0001F1FF]{{2}}"
    rf"|{_PICTO}[\U0001F3FB-\U0001F3FF\uFE0F\u20E3]*(?:\u200D{_PICTO}[\U0001F3FB-\U0001F3FF\uFE0F]*)*"
)

# --- safety (recall first) ---------------------------------------------------------------------

SELF_HARM_EXPLICIT = (
    r"\bsuicid(?:e|al)\b|\bend (?:my|it all|my own) li(?:fe|ves)\b|\bend it all\b"
    r"|\btake my (?:own )?life\b|\b(?:hurt|harm|cut|cutting|hurting|harming|starve|hang) myself\b"
    r"|\bself[- ]?harm|\boverdos(?:e|ing)\b|\bslit (?:my )?wrists?\b"
    r"|\b(?:take|took|taken|swallow|swallowed|taking|swallowing) (?:all )?(?:my|the|those|these) (?:pills|tablets)\b"
    r"|\bjump (?:off|in front of) (?:a|the|this) (?:bridge|building|roof|train|cliff)\b"
    r"|\bbetter off (?:dead|without me)\b|\b(?:no|not (?:any|a single)) reason to (?:live|go on)\b"
    r"|\bnothing (?:left )?to live for\b|\bdon'?t want to (?:live|be alive|exist|be here)"
    r"(?: anymore| any more)?\b"
    r"|\b(?:won'?t|will not|wont) be (?:around|here) (?:much longer|anymore|any more|for long)\b"
    r"|\b(?:don'?t|do not) want to wake up\b|\bhope i (?:don'?t|never) wake up\b"
    r"|\b(?:no ?one|nobody) would (?:miss|notice|care)(?: about)? (?:me\b|if i (?:was|were|died|disappeared|wasn'?t|weren'?t|stopped|was gone))"
    r"|\beveryone (?:would be|is|'d be) better off without me\b|\bi'?m (?:just )?a burden\b"
    r"|\bwhat'?s the point (?:of|in) (?:living|being alive|going on|life|anything)\b"
    r"|\bcan'?t (?:go on|keep going|take (?:it|this|much more)) (?:anymore|any more|like this|much longer)\b"
    r"|\bsay(?:ing)? goodbye (?:to everyone|forever)\b|\bgoodbye forever\b"
    r"|\bwant(?:ed)? to disappear (?:forever|for good)\b|\bdisappear forever\b"
    r"|\bwish i (?:was|were) (?:never born|not alive|gone)\b"
    r"|\b(?:don'?t|dont|do not) (?:think i )?(?:wanna|want to) be (?:here|alive|around) (?:anymore|any more)\b"
    r"|\bjust not wake up\b|\b(?:sleep|sleeping) and (?:not|never|nuh) wake up\b|\bnot (?:to )?wake up again\b"
    r"|\b(?:took|taken|swallowed) (?:way |a lot |far )?more (?:of )?(?:my |the |those )?(?:pills|tablets|meds|sleeping pills|sleeping tablets) than\b"
    r"|\bpumped my stomach\b|\bi'?d rather not (?:exist|be here|be alive)\b"
    r"|\b(?:step|stepping|walk|walking|jump|jumping|throw myself) in front of (?:a|the) (?:train|bus|lorry|truck|car)\b"
    r"|\bdrive (?:the car |my car |my truck )?(?:into|off) (?:a|the) (?:wall|tree|bridge|river|cliff|lake)\b"
    r"|\b(?:won'?t|wont|will not) be alive\b|\bnot (?:gonna|going to) be (?:around|here|alive) (?:much longer|for long|anymore|tomorrow)\b"
)
"""Suicide and self-harm talk, direct or indirect; laughter does not silence these."""

SELF_HARM_IDIOM = (
    r"\bkill(?:ing)? my ?self\b|\bkms\b|\b(?:want|wanna|wanted|going|gonna) (?:to )?die\b"
    r"|\bwish i (?:was|were) dead\b|^(?:please |just |someone |somebody |pls )?kill me\b|\bi'?d rather (?:be dead|die)\b"
    r"|\bwanting to die\b"
)
"""Phrases people also use as hyperbole; silenced by laughter or an idiom ("die of embarrassment")."""

SELF_HARM_HYPERBOLE = (
    r"\bdie (?:of|from|laughing|happy)\b|\bkill me now\b.*(?:meeting|exam|work|traffic)"
    r"|\b(?:this|that|the) \w+ (?:makes|made|is making) me want to die\b.*(?:😂|lol)"
)

THREAT_VIOLENCE = (
    rf"\b{I_WILL} (?:fucking |literally |actually |seriously |really )?"
    r"(?:choke|stab|shoot|hurt|hit|punch|slap|smack|kick|beat|batter|burn|drown"
    r"|break|smash|wreck|trash|destroy|ruin|poison|bury|end)"
    rf" (?:{YOU}\b|{YOUR} |him\b|her\b|them\b|the (?:kids?|children|baby|dog|cat|house|car)\b"
    r"|your (?:stuff|things|car|phone|face|neck|legs|arm))"
)
THREAT_VIOLENCE_NOT = (
    rf"\b(?:hit {YOU} up|hit {YOU} back (?:up|later)|beat {YOU} (?:at|in|to|there|home)"
    rf"|kick {YOU}r? (?:butt|ass) at|destroy {YOU} (?:at|in)|end {YOU}r? (?:day|shift|call))"
)
THREAT_OTHER = (
    rf"\b{YOU}(?:'?ll| will) (?:regret (?:this|it|that)|pay for (?:this|that|it)|be sorry)\b"
    rf"|\bwatch {YOUR} back\b|\bi know where {YOU} (?:live|work|are|sleep)\b"
    rf"|\b{I_WILL} make {YOU} (?:pay|suffer|regret)\b|\bmake {YOUR} life (?:a )?(?:hell|misery)\b"
    rf"|\b{YOU}(?:'?ll| will) never see (?:the|your|my|our) (?:kids?|children|son|daughter|baby)\b"
    rf"|\b{I_WILL} take (?:the|our) (?:kids?|children|baby)\b(?! to)"
    rf"|\bdon'?t make me (?:hurt|hit|kill|do something)\b|\bor else\b(?! (?:we|i) (?:could|can))"
    rf"|\b{YOU}(?:'?ll| will) get what'?s coming\b|\bi'?ll do something (?:stupid|i'?ll regret)\b"
    rf"|\bif {YOU} leave(?: me)?,? {I_WILL} (?:kill|hurt|end)\b"
    rf"|\b{I_WILL} (?:post|send|share|leak) (?:the|your|those) (?:photos|pics|pictures|nudes|videos)\b"
)

CONTROL_MONITORING = (
    rf"\b(?:give|send|tell|text) me {YOUR} (?:password|passcode|pin|login|passwords)\b"
    rf"|\b(?:show|give|hand|pass) me {YOUR} phone\b|\bunlock {YOUR} phone\b"
    rf"|\bi (?:checked|check|went through|go through|read|looked through|have been reading"
    rf"|'?ve been (?:checking|reading|going through)) {YOUR} (?:phone|messages|texts|emails|dms"
    r"|whatsapp|snap|instagram|browser|history|bank|location)\b"
    rf"|\bwho (?:the (?:hell|fuck) |tf )(?:are|were|r) {YOU} (?:texting|messaging|talking to|with)\b"
    rf"|\bwho (?:are|were|r) {YOU} (?:texting|messaging|talking to)\b.*\b(?:tell me|answer me|show me"
    r"|now|again|all night)\b"
    rf"|\bwhy (?:is|was) {YOUR} (?:phone|location) (?:off|switched off|turned off)\b"
    rf"|\b(?:turn|switch|put) {YOUR} location (?:back )?on\b"
    rf"|\bshare {YOUR} location\b.*\b(?:now|always|at all times|every)\b"
    rf"|\bi (?:need|want|have) to know where {YOU} (?:are|go) (?:at all times|every|all the time)\b"
    rf"|\bi'?m (?:tracking|following) {YOU}\b|\bi (?:put|installed) a tracker\b"
    rf"|\bprove (?:where|who) {YOU}\b|\bsend me a (?:photo|pic|picture|selfie) (?:to prove|of who)\b"
)
CONTROL_ISOLATION = (
    rf"\b{YOU_ARE} not (?:allowed|going|permitted) to (?:see|go|talk|meet|hang|visit|text|call|leave"
    r"|speak|go out)\b"
    rf"|\b{YOU} (?:can'?t|cannot|can not|may not|mustn'?t) (?:see|go out with|talk to|hang out with"
    r"|visit|text|call|meet) (?:your|ur|that|those|them|him|her|anyone|any)\b"
    rf"|\bstop (?:seeing|talking to|hanging out with|texting) (?:your|ur|them|that|those|him|her)\b"
    rf"|\bi (?:don'?t|do not) (?:want|allow|let) {YOU} (?:to )?(?:see|seeing|talk|talking|go|going"
    r"|hang|hanging) (?:to |out with |with )?(?:your|ur|them|those|him|her)\b"
    rf"|\b(?:it'?s|its) (?:either )?(?:me or (?:them|her|him|your)|them or me)\b"
    rf"|\b{YOU} don'?t need (?:your )?(?:friends|family|them|anyone else)\b"
    rf"|\b{YOUR} (?:friends|family|mum|mom|sister) (?:are|is) (?:a bad influence|turning {YOU})\b"
)
CONTROL_RESOURCES = (
    rf"\b(?:give|hand) (?:me )?(?:over )?{YOUR} (?:card|bank card|cards|wages|salary|pay|paycheck"
    r"|money|keys|car keys|passport)\b"
    rf"|\b{I_WILL} (?:cut off|freeze|stop|take away|cancel) {YOUR} (?:money|card|cards|allowance"
    r"|phone|access)\b"
    rf"|\b{I_AM} (?:taking|keeping|hiding) {YOUR} (?:card|cards|keys|car keys|phone|passport|money)\b"
    rf"|\bi(?:'?ve| have)? (?:taken|hidden|hid|locked (?:up|away)?) {YOUR} (?:keys|car keys|passport"
    r"|phone|cards?|money)\b"
    rf"|\b{YOU} (?:need|have|has|must) (?:to )?(?:ask|get) (?:me|my permission)\b"
    rf"|\b{YOU} need my permission\b|\bwithout my permission\b|\bi control the money\b"
    rf"|\b{YOU}'?(?:ll| will) do (?:as|what) i say\b|\bdo as {YOU}'?re told\b"
    rf"|\b{YOU_ARE} not (?:leaving|going anywhere|going out)\b"
    rf"|\b{YOU}'?d better (?:answer|pick up|come home|be home|do what)\b|\bdon'?t {YOU} dare\b"
    rf"|\b(?:answer|pick up) (?:the|{YOUR}) (?:fucking |damn )?phone\b.*\b(?:now|or)\b"
    rf"|\b(?:answer|pick up|reply to) me (?:right )?now\b"
)

# --- the Four Horsemen -------------------------------------------------------------------------

CONTEMPT = (
    r"^[\W_]*(?:[\w']+[\W_]*?){0,3}(?:🙄|😒)[\W_]*$"
    r"|^(?=.*\b(?:of course|obviously|silly me|must be nice|sure you|great job|well done|thanks a lot|so nice of you|how nice|good for you)\b).*(?:🙄|😒)"
    r"|^(?=.*\b(?:you|u|ur|your|you'?re|yours)\b).*(?:🙄|😒)"
    r"|^(?=.*\b(?:so|great|again|even|sure|wow|classic|typical)\b).*(?:🙄|😒)"
    r"|\*\s*rolls? (?:my |his |her )?eyes\s*\*|\*\s*eye ?roll\s*\*|^eye ?roll[.!]*$"
    rf"|\b{YOU_ARE} (?:such |so |a |an |being |just |literally |fucking |a fucking |an absolute "
    r"|a complete |a total |pathetic )*(?:idiot|moron|pathetic|useless|stupid|dumb|loser|joke|clown"
    r"|psycho|disgusting|embarrassing|worthless|hopeless|brain ?dead|retard\w*|cretin|imbecile"
    r"|bitch|dick|prick|twat|cunt|asshole|arsehole|waste of space)\b"
    rf"|\b{YOU} (?:disgust|sicken|repulse) me\b|\b{YOU} make me sick\b|\bget over yourself\b"
    r"|\bgrow up\b|\bwhat a joke\b|\bboo[ -]?hoo\b|\bcry me a river\b|\bpoor (?:you|baby)\b(?! 😘)"
    r"|\bwhatever you say,? (?:princess|genius|boss|dear|darling|einstein|your majesty)\b"
    r"|\b(?:wow|oh|sure|great),? (?:thanks?|good job|well done),? (?:genius|einstein|captain obvious)"
    rf"|\bare {YOU} (?:stupid|dumb|deaf|thick|an idiot|brain ?dead)\b|\bwhat an idiot\b"
    r"|\b(?:how|so) (?:pathetic|typical)\b|\btypical (?:you|man|woman|of you)\b"
    r"|\buse your brain\b|\b(?:oh )?(?:no|wow)\.? the tragedy\b|\bhow will you (?:ever )?survive\b|\bsays the one who\b"
    r"|\bonly took you\b|\bheard that one before\b|\b(?:dating|married to|living with) a (?:child|toddler|teenager|baby)\b"
    r"|\bdo (?:you|u) ever (?:think|use your (?:brain|head)) before\b"
)
CONTEMPT_AFFECTION = r"❤|😘|🥰|😍|💕|💖|\blove (?:you|ya|u)\b|\bbabe\b| x+$"

CRITICISM = (
    rf"\b{YOU} (?:always|never|constantly|keep|literally never|always have to|never even)\b"
    r"|\bwhy (?:do|can'?t|won'?t|don'?t|must|are) (?:you|u) (?:always|ever|never)\b"
    rf"|\b{YOU_ARE} (?:so |always |such an? |really |being |just |too |the most )*(?:selfish|lazy"
    r"|inconsiderate|careless|useless|irresponsible|thoughtless|immature|cold|rude|mean|controlling"
    r"|needy|self-?centred|self-?centered|unreliable|insensitive|ungrateful|spoilt|spoiled"
    r"|a terrible|a bad|a horrible|a selfish|a liar|a mess|impossible|unbelievable|heartless)\b"
    rf"|\bwhat'?s wrong with {YOU}\b|\b{YOU} (?:only|just) (?:ever )?(?:think|care) (?:about|of) "
    rf"(?:yourself|urself)\b|\b{YOU} don'?t (?:even )?care about (?:me|anyone|us|anything)\b"
    rf"|\b{YOU_ARE} (?:just )?like {YOUR} (?:mother|father|mum|mom|dad)\b|\b{YOU} can'?t even\b"
    rf"|\bthere {YOU} go again\b|\bevery (?:single )?time,? {YOU}\b|\b{YOU} do this every time\b"
    rf"|\b{YOU_ARE} (?:always|never)\b|\b{YOU} don'?t (?:even )?care\b|\bfor once\b"
)
CRITICISM_POSITIVE = (
    rf"\b{YOU} (?:always|constantly) (?:\w+ ){{0,2}}?(?:make me (?:laugh|smile|happy|feel (?:good"
    r"|better|loved|special|safe|so)|so happy)|know (?:how|what|exactly|just)|cheer me up|have my back"
    r"|look (?:good|great|amazing|lovely|beautiful|gorgeous|nice|hot|cute)|take care|support|surprise"
    r"|manage|find a way|get it right|believe|listen to me|smell (?:good|nice|amazing)|win|beat me"
    r"|do the (?:sweetest|nicest|best)|say the (?:right|sweetest|nicest))"
    rf"|\b{YOU} never (?:\w+ ){{0,1}}?(?:fail|let me down|disappoint|forget (?:my|our|to)|stop "
    r"(?:amazing|surprising|making me (?:laugh|smile))|have to (?:apologi[sz]e|ask|worry|thank)|need to"
    r" (?:apologi[sz]e|worry|ask)|judge|complain)"
)
DEFENSIVENESS = (
    r"\b(?:it'?s|its|it is|that'?s|thats|that is|this is|how is (?:this|that|it)) (?:not )?my fault\b"
    r"|\bwhy is it (?:always )?my fault\b|\bdon'?t blame (?:me|this on me)\b"
    rf"|\bi'?m not the one (?:who|that)\b|\bwhat about (?:when|the time|that time|all the times?) {YOU}\b"
    rf"|\b{YOU_ARE} the one (?:who|that)\b|\b{YOU} started it\b|\bi didn'?t do anything(?: wrong)?\b"
    r"|\bi did nothing wrong\b|\bstop (?:blaming|attacking|accusing) me\b|\bi had no choice\b"
    r"|\bi (?:was|were) (?:only|just) (?:trying to|joking|being honest)\b|\bit was (?:just|only) a joke\b"
    r"|\bi (?:already )?said (?:i'?m|i was) sorry,? (?:what|ok|okay|god|jeez|christ)\b"
    r"|\bwhat (?:more )?do you want from me\b|\bnot my problem\b|\bwell,? (?:you|u) (?:never|always|didn'?t"
    r"|did|were|weren'?t|started)\b|\bsorry (?:that )?you(?: feel that way| feel like that|'?re (?:upset|angry|mad|annoyed|offended)| are (?:upset|angry|mad|annoyed|offended))\b|\b(?:i'?m|im) not (?:the )?"
    r"(?:problem|bad guy|one to blame)\b|\bi don'?t see (?:the|what the) (?:problem|big deal)\b"
    r"|\bwhat (?:else )?was i (?:supposed|meant) to do\b|\bwhen was i (?:supposed|meant) to\b"
    r"|\bwhat'?s the (?:big )?deal\b|\b(?:it'?s )?not a crime\b|\bi was (?:gonna|going to) do it\b"
    r"|\bbut (?:you|u) (?:also|too)\b|\b(?:you|u) (?:do|did) (?:it|that|the same) too\b"
    r"|\bstop acting like (?:you'?re|ur|u'?re|you are) the victim\b"
    r"|\bsorry for (?:having feelings|caring|breathing|existing|trying|being (?:alive|me))\b"
    r"|\bso i'?m (?:just )?(?:useless|the bad guy|the problem|a terrible \w+)\b"
    r"|\bhow (?:was|am|were) i (?:supposed|meant) to know\b"
    r"|\b(?:you'?re|ur|u'?re|you are) (?:literally |just )?making (?:stuff|things|it) up\b"
)
STONEWALLING = (
    r"^(?:whatever|whatevs|w/e)[\s.!]*$|^(?:whatever|whatevs)[,.!]+ (?:i don'?t care|do what (?:you|u) want"
    r"|i'?m done|fine)\b|^k\.$|^kk\.$"
    r"|\bi'?m (?:done|finished|not) (?:talking|discussing|doing this|having this conversation)\b"
    r"|\bi'?m done with (?:this|you|this conversation|talking)\b"
    r"|\bi (?:don'?t|do not) want to (?:talk|discuss|speak) (?:about (?:it|this)|to you|anymore)\b"
    r"|\bleave me alone\b|\btalk to the hand\b|\b(?:not|i'?m not) (?:doing|having|getting into) "
    r"(?:this|that)(?: conversation)?(?=\s*(?:$|[.!,]|again\b|now\b|tonight\b|today\b|right now\b"
    r"|over text\b|with (?:you|u)\b|any ?more\b|rn\b))|\bi'?ve said what i (?:think|had to say)\b|\bno comment\b|\bdon'?t (?:text|message|call) me\b|\bstop (?:texting|messaging)"
    r" me\b|\bconversation over\b|\bend of (?:discussion|conversation)\b"
)
STONEWALLING_TERSE = (
    r"^(?:fine|k|forget it|never ?mind|nvm|nothing|noted|if you say so|(?:ok[.,]? )?i'?m done)[\s.!]*$"
    r"|^(?:whatever|fine)[,.!]+ [^?]{1,30}$|^not (?:tonight|today|rn|right now)(?:,? [a-z]+)?[\s.!]*$"
    r"|^(?:i )?can'?t do this (?:rn|right now|now|tonight|today|anymore)[\s.!]*$"
    r"|^(?:whatever|not now|can we not|drop it|(?:just )?leave it)(?:,? [a-z]+)?[\s.!]*"
    r"(?:please[\s.!]*)?$"
    r"|\b(?:can we (?:just )?drop it|forget i said anything)\b"
)
"""Terse replies that are stonewalling only during tension (the head judges the rest)."""
EYE_ROLL = r"🙄|😒"
"""Contempt during tension, wherever in the message (in banter it is the head's call)."""

# --- antidotes -----------------------------------------------------------------------------------

APPRECIATION = (
    r"\b(?:thank(?:s| you)|thx|ty|cheers|ta)\b|\bappreciate\b|\bgrateful\b|\bproud of (?:you|u)\b"
    rf"|\b{YOU_ARE} (?:so |really |the |truly |such |honestly |just )*(?:amazing|the best|wonderful"
    r"|kind|thoughtful|brilliant|a star|a legend|incredible|lovely|sweet|a gem|a keeper|perfect"
    r"|beautiful|gorgeous|so good to me)\b|\bi love (?:it|that|how|when|you|u|ya)\b|\blove (?:you|u|ya)\b"
    r"|\bi admire\b|\bmeans (?:a lot|so much|the world)\b|\bwhat would i do without (?:you|u)\b"
    r"|\blucky to have (?:you|u)\b|❤|💕|💖|🥰|😍|😘"
)
APPRECIATION_NOT = (
    r"\bthanks? (?:for nothing|a lot,? (?:really|not)|for (?:ruining|ignoring|making me|wasting|nothing)"
    r"|a bunch 🙄)|\bno,? thanks?\b|\bthanks? but no\b"
)
RESPONSIBILITY = (
    r"\b(?:i'?m|i am|im) (?:so |really |very |truly |genuinely )*sorry\b|^sorry\b(?![?])|\bsorry (?:i|for"
    r"|about|that i|again|babe|love)\b|\bmy bad\b|\bmy fault\b|\bi was (?:wrong|out of (?:order|line)"
    r"|unfair|harsh|rude|a dick|an idiot|an ass)\b|\bi shouldn'?t have\b|\bi should(?:'?ve| have)\b"
    r"|\bi apologi[sz]e\b|\bmy apologies\b|\bthat(?:'?s| was) on me\b|\bi (?:messed|screwed|fucked)"
    r" up\b|\bi overreacted\b|\bi take (?:it|that) back\b|\b(?:you'?re|you are|ur) right,? i\b"
    r"|\bi could have (?:handled|been|said)\b|\bi own (?:that|it)\b"
)
SYMPATHY = (
    r"(?:that'?s|that is|that sounds|sounds|how|so|is) (?:so |really |just |absolutely |properly )?"
    r"(?:awful|stressful|hard|rough|shit|crap|horrible|terrible|rubbish|sad|tough|humiliating|unfair"
    r"|scary|painful|exhausting|frustrating|annoying|heartbreaking)"
)
"""Sympathy next to a bare "sorry" ("that's so stressful, I'm sorry"): condolence, not an apology."""
RESPONSIBILITY_NOT = (
    r"\bsorry (?:to hear|for your loss|about your|you(?:'re| are)? (?:feel|going|had|have))"
    r"|\bsorry not sorry\b|^sorry\?|\bnot (?:my fault|sorry)\b|\bwhy (?:should|would) i be sorry\b"
    r"|\bsorry,? (?:who|what|wrong number)\b|\bsorry (?:that )?you(?: feel|'?re upset| are upset)\b"
    rf"|\b(?:{SYMPATHY})\b.*\bsorry\b(?! (?:i|for|about|that i)\b)|\bsorry\b(?! (?:i|for|about|that i)\b).*\b(?:{SYMPATHY})\b"
    r"|\bi should(?:'?ve| have) "
    r"(?:known|guessed|realised|realized|bought|got)\b(?!.*\b(?:sorry|my fault)\b)"
)
SELF_SOOTHING = (
    r"\b(?:can|could|shall|should|may) we (?:please |just )?(?:take|have) (?:a|five|ten|\d+)"
    r" ?(?:minute|min|break|breather|pause|timeout|time ?out|step back)"
    r"|\b(?:can|could|shall) we (?:please )?(?:pause|press pause|stop) (?:this|for|and)\b"
    r"|\bi need (?:a|some|ten|five|\d+) ?(?:minutes?|mins?|moment|break|breather|time|space) (?:to "
    r"(?:calm|cool|think|breathe|collect|clear)|before|and then|then)\b"
    r"|\blet'?s (?:take a (?:break|breather|minute|pause)|pause|cool (?:off|down)|calm down"
    r"|come back to (?:this|it)|talk (?:about (?:this|it) )?(?:later|tomorrow|tonight|when|in (?:an?|\d+)))"
    r"|\bi'?m going to (?:take a walk|go for a walk|cool off|calm down|take a breather)\b"
    r"|\bgive me (?:\d+|five|ten|twenty|a few|half an hour|an hour)(?: minutes| mins)?(?: to (?:calm"
    r"|cool|think)| and (?:i'?ll|we|then))"
    r"|\bi need to (?:calm|cool) (?:down|off)\b.*\b(?:then|later|after|back|talk)\b"
    r"|\b(?:talk|speak|pick this up|continue) (?:about (?:this|it) )?(?:later|tomorrow|tonight"
    r"|in (?:an?|\d+) (?:hour|minutes|mins)|when (?:we'?re|i'?m|we are|i am) (?:calm|calmer|home))\b"
    r".*\b(?:calm|cool|break|breath|head|clear)|\bcalm(?:er)? down (?:first|and then|then)\b"
)
GENTLE_STARTUP = (
    r"\bi (?:feel|felt|get|got|am|'m|was) (?:so |really |a bit |kind of |kinda |quite |pretty )?[\w-]+"
    r"(?: [\w-]+){0,2} (?:when|because|about|that|if) .{3,}\b(?:i need|i'?d (?:really )?(?:like|love"
    r"|appreciate)|i would (?:really )?(?:like|love|appreciate)|could (?:you|we)|can (?:you|we)"
    r"|would (?:you|it be)|it would (?:help|mean)|i want us to|please)\b"
    r"|\bit would mean (?:a lot|so much|the world)(?: to me)? if (?:you|we)\b"
    r"|\bi'?d (?:love|like|appreciate) it if (?:you|we)\b"
)

# --- validation ------------------------------------------------------------------------------------

VALIDATING = (
    r"\b(?:that|it|this|totally|completely|that totally|that completely) makes (?:total |complete "
    r"|so much |perfect |a lot of )?sense\b|^makes (?:total |so much |perfect )?sense\b"
    r"|\bno wonder (?:you|ur|u)\b|\bi (?:totally |completely |really |can )?(?:get|understand|see) "
    r"(?:why|how) (?:you|that|this|it)\b|\bi (?:totally |completely |do |really )?(?:get|understand) "
    r"(?:that|it)[\s,.!]*$|\bi (?:do |really )(?:get|understand) (?:that|it)\b|\bi get where "
    r"(?:you'?re|you are) coming from\b"
    rf"|\bof course {YOU} (?:feel|felt|are|were|'re|re)\b|\b(?:that'?s|thats|that is|it'?s|its|it is"
    r"|your feelings are|your feeling is|feeling that(?: way)? is) (?:totally |completely |so |really"
    r" |absolutely |perfectly )?(?:valid|understandable|legit|fair enough|normal to feel)\b"
    rf"|\b{YOU} (?:have|had) every right to (?:be|feel)\b|\banyone would (?:be|feel|have)\b"
    r"|\bi'?d (?:be|feel) (?:the same|upset|angry|hurt|annoyed|sad|furious|gutted|frustrated)(?: too)?\b"
    rf"|\b{YOU_ARE} (?:not|n't) (?:over-?reacting|being (?:dramatic|silly|unreasonable|crazy)|crazy"
    r"|too sensitive|wrong to feel)\b|\bit'?s ok(?:ay)? to (?:feel|be) (?:upset|sad|angry|like that"
    r"|that way)\b|\bi hear (?:you|u)\b|\byour feelings (?:matter|make sense)\b"
    r"|\bof course (?:it|that) (?:hurts|hurt|stings|matters|upset (?:you|u))\b"
    rf"|\b(?:of course|ofc|course) {YOU_ARE} (?:\w+ ){{0,2}}?(?:scared|upset|hurt|worried|sad|angry"
    r"|annoyed|nervous|anxious|homesick|gutted|frustrated|tired|exhausted|jealous|disappointed"
    r"|overwhelmed|stressed|hurting|struggling)\b"
    r"|\bthat'?s (?:a lot|so much) to (?:take in|deal with|handle|process)\b"
    rf"|\bthat'?s (?:not fair|so unfair|unfair) (?:on|to) {YOU}\b"
    r"|\b(?:it'?s|its|that'?s|thats) not (?:stupid|silly|dumb|weird) at all\b"
)
VALIDATING_NOT = (
    r"\b(?:doesn'?t|does not|don'?t|didn'?t|no|not|never) (?:really |even |any |quite )?make"
    r"(?:s)? (?:any |much )?sense\b|\bmakes? no sense\b|\bmakes sense (?:to|for (?:us|me|you) to)\b"
    r"|\bi (?:don'?t|do not|can'?t) (?:get|understand|see) (?:why|how|it)\b"
)
INVALIDATING = (
    r"(?:^|[^\w' ]\s*|\b(?:just|oh|please|ok|okay|god|jeez|omg|relax|seriously|dude|babe|mate|love"
    r"|you need to|you should|u need to) )calm (?:the (?:fuck|hell) )?down\b"
    rf"|\b(?:{YOU_ARE}|stop|quit|don'?t) (?:just |being |totally |so |such a |completely |really |always "
    r")*(?:over ?-?reacting|overreact|dramatic|so dramatic|a drama queen|too sensitive|hysterical"
    r"|paranoid|crazy|ridiculous|a baby|a child|childish|silly|making (?:a|such a) (?:big )?(?:deal|fuss"
    r"|thing|scene))\b"
    r"|\b(?:it'?s|its|it is|that'?s|thats|that is|this is) (?:really )?not (?:a|that|such a|that of a)"
    r" (?:big )?(?:deal|big deal)\b|\b(?:it'?s|its|that'?s) (?:just|only) (?:a |one )?(?:\w+ ){0,2}"
    r"(?:get over it|chill|relax)\b|\bget over it\b|\bmove on\b(?! to)|\bman up\b|\btoughen up\b"
    rf"|\b{YOU} shouldn'?t (?:feel|be) (?:that way|like that|upset|sad|angry|so|hurt|jealous|annoyed)"
    r"|\bdon'?t be (?:so |such a )?(?:dramatic|sensitive|ridiculous|a baby|such a baby|childish"
    r"|paranoid|hysterical)\b|\b(?:just )?chill(?: out)?[,.!]|\bjust relax\b|^relax\b|\bthere are worse things\b"
    r"|\bat least (?:you|it'?s|its)\b|\bstop (?:crying|whining|complaining|moaning|sulking)\b"
    rf"|\b{YOU}'?(?:ll| will) get over it\b|\bnot everything is about (?:you|u)\b"
    r"|\bit'?s not (?:that|a) big\b|\bwhy are (?:you|u) (?:so )?upset (?:about|over) (?:that|this|nothing)"
    rf"|\b{YOU_ARE} (?:just |totally |so |really |being )*(?:overthinking|exaggerating|reading "
    rf"(?:in)?to|imagining) (?:it|this|that|things)?|\b{YOU} can'?t let (?:it|that|this|her|him|them) "
    rf"get to {YOU}\b|[?!.]\s*(?:just )?chill(?: out)?[\s.!]*$"
    r"|\bi don'?t (?:know|see) why (?:you'?re|you are|ur) (?:so )?(?:upset|angry|sad|mad|annoyed)\b"
)
INVALIDATING_SELF = (
    r"\b(?:i|we) (?:need|have|had|want|just need|'ll|will|'m going|am going|'m trying|am trying|'m"
    r" gonna) (?:to )?(?:calm|chill|relax)|\b(?:let me|let'?s|help me|so i can|till i|until i) "
    r"(?:calm|chill|relax)|\bi'?m (?:being|just being|probably|totally|so) (?:over-?reacting|dramatic"
    r"|silly|ridiculous|paranoid|too sensitive)|\bam i (?:over-?reacting|being)"
    r"|\bmaybe i'?m (?:over-?reacting|being)|\bi over-?react"
)
"""The same words aimed at oneself ("I need to calm down", "am I overreacting?") are not invalidation."""

# --- repair and tension ----------------------------------------------------------------------------

REPAIR_EXPLICIT = (
    r"\blet'?s (?:start over|start again|try again|not (?:fight|argue|do this)|stop (?:fighting|arguing)"
    r"|call a truce|make up|hug it out|reset|talk about this (?:calmly|properly|later)|not go to bed angry)"
    r"|\b(?:can|could|shall) we (?:please |just )?(?:start over|start again|try (?:that )?again|take a"
    r" (?:break|breather|minute|pause)|pause|talk about (?:this|it) (?:calmly|later|tomorrow|properly)"
    r"|stop (?:fighting|arguing)|make up|not fight|not argue|reset|rewind|have a do-?over|do that again)"
    r"|\btruce\b|\bi (?:don'?t|do not) want to (?:fight|argue|keep (?:fighting|arguing)|be (?:fighting|arguing))\b|\bi hate (?:fighting|arguing)\b"
    r"|\bsorry (?:i|for|about) (?:\w+ ){0,3}(?:snapp|yell|shout|overreact|was (?:rude|mean|harsh|grumpy"
    r"|short|a dick|an ass|horrible|cold|defensive|unfair)|being (?:rude|mean|harsh|grumpy|short"
    r"|defensive|difficult|a dick|an ass|cold|off)|earlier|last night|this morning|what i said|the"
    r" (?:fight|argument|row)|that)\b|\bi overreacted\b|\bi shouldn'?t have (?:said|yelled|snapped"
    r"|shouted|gone off)\b|\bpeace offering\b|\bcan we (?:please )?be ok(?:ay)?\b|\bare we ok(?:ay)?\b"
    r"|\bfriends again\b|\bstill love (?:you|u)\b"
    # owning a remark: "sorry, that came out wrong", "ok that was harsh, sorry", "sorry i went off"
    r"|\bsorry\b[^.!?]{0,12}\b(?:that|it) (?:was|came out|sounded) (?:a bit |so |really |too )?"
    r"(?:mean|harsh|snappy|rude|unfair|wrong|out of line|uncalled for|low|nasty|petty)\b"
    r"|\b(?:that|it) (?:was|sounded) (?:a bit |so |really |too )?(?:mean|harsh|snappy|rude|unfair"
    r"|out of line|uncalled for|low|nasty|petty)\b[^.!?]{0,12}\bsorry\b|\b(?:that|it) came out wrong\b"
    r"|\bsorry (?:i|for|about) (?:\w+ ){0,3}(?:went off|lost (?:it|my temper)|blew up|kicked off"
    r"|took it out on|bit (?:your|ur) head off)|\bsorry (?:about|for) the (?:\w+ ){0,2}(?:remark"
    r"|comment|dig)\b|\bi owe (?:you|u) an apology\b"
    # accepting one (coding decision 7): "forgiven", "apology accepted"
    r"|\bforgiven\b|\bapology accepted\b"
)
REPAIR_SOFT = (
    r"\b(?:i'?m|im|i am) (?:so |really )?sorry\b|^sorry\b|\bmy bad\b|\bmy fault\b|\bi was wrong\b"
    r"|\b(?:you'?re|you are|ur|u r) (?:right|not wrong)\b|\bfair (?:point|enough)\b|\bi hear (?:you|u)\b"
    r"|\bgood point\b|\byou have a point\b|\bi (?:get|see) (?:your point|what you mean|it)\b"
    r"|\bi love (?:you|u)\b|\blove (?:you|u)\b|\bhug\b|🫂|❤|🥺|\bcome here\b|\bi apologi[sz]e\b"
    r"|\bi understand\b|\bagreed\b|\bok(?:ay)?,? you win\b|\bi (?:messed|screwed|fucked) up\b"
    r"|^\W{0,3}(?:ok(?:ay)?|oh|ah(?: \w+)?|yeah)[.,!]? sorry\b"
)
"""Apology, agreement, affection: repair when the exchange is tense (judged from the context)."""

ACCEPTANCE = (
    r"^\W{0,3}(?:(?:thanks?|thank (?:you|u)|ty|it'?s (?:ok|okay|fine|alright|all good)|that'?s (?:ok"
    r"|okay|fine|alright)|all good|no worries|i know|deal|aw+)\b"
    r"|(?:ok(?:ay)?|yes|yeah|yep|alright|fine|oh|hmph)\b\W{0,3}\w|😂|❤|🥰|😘|🫂)"
)
"""How a reply that takes an apology starts — warm words, or "ok"/"yes" with more after it (a bare
"ok." or "fine." ends a row without taking anything): a repair when it answers one (decision 7)."""

TENSION = (
    r"\b(?:angry|furious|pissed|livid|fuming|annoyed|irritated|fed up|sick of|sick and tired|had enough"
    r"|wtf|what the (?:hell|fuck)|seriously\?|are you kidding|unbelievable|ridiculous|how dare)\b"
    r"|[!?]{3,}|😡|🤬|😤|😠"
    r"|\b(?:upset|mad|hurt) (?:with|at|about|by) (?:you|u|me|what)\b|\bwhy (?:would|did) (?:you|u)\b"
)

# --- questions and disclosure ----------------------------------------------------------------------

AUX = (
    r"do|does|did|are|is|was|were|can|could|will|would|should|shall|have|has|had|may|might|am"
    r"|aren'?t|isn'?t|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|can'?t|couldn'?t|shouldn'?t"
    r"|haven'?t|hasn'?t|wasn'?t|weren'?t|r|wanna|want|fancy"
)
PRONOUN = r"you|u|ya|i|we|he|she|it|they|there|y'?all|anyone|someone|everyone|everything"
SUBJECT = rf"{PRONOUN}|that|this|ur|your|my|our|the|his|her|their|mum|mom|dad|he'?s|she'?s"
LEAD = r"(?:(?:so|and|but|also|oh|ok|okay|hey|wait|um|hmm|btw|babe|love|hun|then|well),? )*"
"""Words that may open a question without changing its form ("so, did you…", "ok what time")."""
AUX_PRONOUN = re.compile(
    rf"^{LEAD}(?:(?:{AUX}) (?:you|u|ya|i|we|he|she|they|y'?all|anyone|someone)"
    r"|(?:is|was|are|were|does|did|will|would|could|can|should|isn'?t|wasn'?t) (?:it|there|that"
    r"|this|everything|everyone))\b"
)
"""An auxiliary then a pronoun: a question even without "?" ("did you eat", "are we still on")."""
AUX_INITIAL = re.compile(rf"^{LEAD}(?:{AUX}) (?:{SUBJECT})\b")
"""An auxiliary then any subject: the form of a yes/no question (closed) when there is a "?"."""
WH = r"what|what'?s|whats|why|how|how'?s|hows|when|where|where'?s|who|who'?s|which|whose|whom|wat|y"
WH_THEN_AUX = re.compile(
    rf"^{LEAD}(?:{WH}) (?:(?!(?:{PRONOUN}) )\w+ )?(?:{AUX}|'s|'re)\b"
    rf"|^{LEAD}(?:what time|what about|how come|how much|how many|how long|which one|what now)\b"
)
TELL_ME = re.compile(rf"^{LEAD}(?:tell me (?:about|more|what|how|everything|why)|talk to me)\b")
"""Imperatives that ask: open questions even without "?"."""
WH_EXCLAMATION = re.compile(
    r"^(?:don'?t you dare|what an? |how (?:lovely|cute|sweet|nice|amazing|exciting|cool|funny|weird|sad|awful|rude"
    r"|kind|fun|annoying|embarrassing|brilliant|great|gorgeous|adorable|beautiful|random|dare)\b"
    r"|who knows\b|who cares\b|why not\b[^?]*$)"
)
OPEN_QUESTION = re.compile(
    rf"^{LEAD}(?:why|how come|y\b"
    r"|how(?! (?:many|much|long|old|far|often|about|soon|big)\b)"
    r"|what (?:happened|do you think|did you think|was (?:it|that) like|'?s (?:wrong|up|going on|on your"
    r" mind)|is (?:wrong|going on|on your mind)|made you|makes you|would (?:help|make)|do you (?:need"
    r"|mean|feel|want (?:from|to talk))|did (?:they|he|she|you) say|are you (?:feeling|thinking)"
    r"|went (?:wrong|on))|tell me)\b"
    r"|^tell me (?:about|more|what|how|everything)\b|^talk to me\b"
)
CLOSED_QUESTION = re.compile(
    rf"^{LEAD}(?:when|where|who|whose|whom|which"
    r"|what time|what day|what date|how (?:many|much|long|old|far|often|soon|big)|what'?s the (?:time"
    r"|name|address|plan|number|password))\b"
)
TAG_QUESTION = re.compile(
    r"(?:,| ) ?(?:right|ok|okay|yeah|yes|no|isn'?t it|aren'?t you|don'?t you|didn'?t you|won'?t you"
    r"|or not|or what|innit)\?+$"
)

FEELING = (
    r"scared|afraid|terrified|frightened|anxious|worried|nervous|lonely|hurt|sad|depressed"
    r"|miserable|ashamed|embarrassed|insecure|jealous|overwhelmed|heartbroken|unloved|unwanted"
    r"|invisible|ignored|rejected|abandoned|unappreciated|taken for granted|not good enough|not enough"
    r"|inadequate|worthless|useless|a failure|vulnerable|stressed|panicking|guilty|angry|upset|furious"
    r"|frustrated|disappointed|happy|grateful|excited|loved|hopeful|relieved|in love|confused|empty"
    r"|numb|broken|crushed|devastated|gutted|homesick|unhappy|feeling (?:down|low|lost|alone)"
)
DISCLOSURE_EMOTIONAL = (
    r"\b(?:i'?m|im|i am|i feel|i felt|i was|i get|i got|i'?ve been|ive been|i have been"
    r"|i keep feeling|i'?m feeling|i am feeling|i'?ve felt|i have felt) (?:so |really |very |a bit "
    r"|a little |kind of |kinda |pretty |just |quite |super |too |feeling |getting |always |often "
    r"|sometimes |still |honestly |actually |genuinely )*"
    rf"(?:{FEELING})\b(?! to\b| with (?:the|that|it)\b)"
    r"|\b(?:i worry|i fear|i panic|i cry|i cried|i have been crying|i'?ve been crying|i'?m scared"
    r"|i am scared|i'?m afraid|i am afraid) (?:that |about |when |because |i )"
    r"|\bi (?:feel|felt|'?ve felt|have felt|keep feeling|'?m feeling|am feeling) (?:so |really |very "
    r"|a bit |kind of |kinda |completely |totally |just |like )*(?:alone|lost|down|low|invisible|small"
    r"|stupid|ugly|fat|unattractive|like a failure|like (?:i'?m|im|i am) (?:not|never|failing|a burden"
    r"|losing|invisible|alone|always the one))\b"
    r"|\bi need (?:you|to feel|to know (?:that )?you)\b|\bit (?:really )?hurts?\b|\bit hurt me\b"
    r"|\bmakes? me feel\b|\bi hate (?:myself|that i|feeling)\b|\bi'?ve never told anyone\b"
    r"|\bmy (?:biggest )?(?:fear|insecurity|worry) is\b|\bi (?:can'?t|cannot) stop (?:thinking"
    r"|crying|worrying)\b|\bi'?m (?:struggling|not ok(?:ay)?|not coping|falling apart)\b"
    r"|\b(?:i )?(?:miss|love|adore) (?:you|u|ya)\b|\bi'?m (?:so |really )?proud of (?:you|u)\b"
)

# --- safety, broader families (indirect phrasing; still recall first) --------------------------------

SELF_HARM_INDIRECT = (
    r"\b(?:thoughts?|thinking|think) (?:about|of) (?:ending (?:it|my life|things)|dying|not being (?:here|around|alive)|killing myself|suicide)\b"
    r"|\bcan'?t stop thinking about (?:dying|death|ending it)\b|\bthe (?:thoughts|dark thoughts|bad thoughts) (?:are back|again|about)\b"
    r"|\bdark thoughts\b|\bthe voices? (?:telling|in my head telling) me\b"
    r"|\b(?:cut|cutting|burn(?:ed|t)?|hit|scratch(?:ed)?|hurt|harm(?:ed)?|starv(?:ed|ing)) (?:myself|my (?:arms?|legs?|wrists?|thighs?))\b"
    r"|\b(?:started|start|been|was|am|i'?m) cutting(?: again)?\b|\bthe cutting\b|\bi (?:used to )?cut\b(?! (?:my|the|your|it|them|out|back|down|up|off|in|through|some|a|onions|carbs|sugar))"
    r"|\bcut (?:deeper|again|last night)\b|\brelapsed\b|\brazor ?blades?\b|\bthe blade\b|\bthe razor\b"
    r"|\b(?:too many|how many|enough) (?:of )?(?:my |the |those |these )?(?:pills|tablets|meds|paracetamol|sleeping tablets)\b"
    r"|\b(?:stockpil\w*|hoard\w*|count\w*|saving up) (?:my |the )?(?:pills|tablets|meds)\b|\btook too many\b|\btaken everything in\b"
    r"|\b(?:stop|stopped) existing\b|\btired of (?:existing|living|being alive|life)\b|\b(?:stop|done with) being alive\b|\bwith being alive\b"
    r"|\bthe permanent kind\b|\b(?:if i )?(?:didn'?t|don'?t|never) wake up\b|\bhope i just don'?t wake\b"
    r"|\b(?:wrote|writing|written|left|leave) (?:a |the |my )?(?:note|notes|goodbye (?:texts|letters|notes|messages)|letters? for everyone)\b"
    r"|\b(?:won'?t|will not|don'?t think i'?ll) be (?:here|around|alive) (?:by|in|for|much longer|tomorrow|next|this time)\b"
    r"|\b(?:don'?t|can'?t) see myself (?:being )?(?:around|here|alive)\b"
    r"|\bi have a plan\b|\ba plan and a date\b|\bplanning (?:how i'?d|to) (?:do it|end)|\bbeen planning (?:it|how)\b"
    r"|\bif i had the guts\b|\b(?:didn'?t|did not) go through with it\b|\bhow easy it would be\b|\bat the edge\b"
    r"|\bworld (?:would|will) (?:keep (?:spinning|going)|be fine|be better) without me\b"
    r"|\b(?:better off|happier|easier) if i (?:wasn'?t|weren'?t|was gone|were gone|didn'?t (?:exist|wake up)|wasn'?t (?:here|around|alive))\b"
    r"|\b(?:would|will) (?:anyone|anybody) (?:come to my funeral|notice if i|miss me)\b|\bwhat'?s (?:even )?the point of me\b"
    r"|\b(?:don'?t|didn'?t) trust myself\b|\bscared (?:of|for) myself\b|\bdo something to myself\b|\bi'?m not safe\b"
    r"|\bcrisis (?:line|team)\b|\bsuicide (?:line|hotline)\b|\bsamaritans\b|\bmy (?:suicide )?attempt\b"
    r"|\bending (?:it|your life)\b(?! with| off)"
    r"|\bwant (?:it|everything|this|it all) to (?:be over|stop|end)\b(?! for a)|\bwish i could (?:just )?(?:stop existing|disappear|not exist)\b"
    r"|\bi'?ll (?:be dead|drive into|end everything|end it all)\b|\bthe urge\b|\bnot be here anymore\b|\bnot (?:to )?be here anymore\b"
    r"|\bwish i'?d never been born\b|\bcan'?t wait to not be here\b|\bthe (?:bridge|cliffs?|platform|reservoir|car park)\b.*\b(?:edge|jump|thought|today|again|stood|easy)\b"
)
"""Indirect phrasing of suicide or self-harm (plans, notes, methods, 'not being here'), and talk
about the partner's self-harm; no laughter guard except where the whole message is clearly play."""

THREAT_INJURY = (
    rf"\b{I_WILL} (?:put|throw|push|drag|knock|kick|slam|flatten|lay|smash) (?:you|u|him|her|them|the both of (?:you|yous)|your \w+ \w+|it for you)\b"
    rf"|\b(?:put|throw|throwing) (?:you|u|him|her) (?:in(?:to)? (?:hospital|the ground|a wall)|down the stairs|on the floor|through)\b"
    r"|\bbreak (?:his|her|your|ur|their) (?:legs?|neck|jaw|face|nose|arms?|fingers)\b|\bgoing through the wall\b|\bblack and blue\b"
    r"|\bwhat happens to (?:your face|you|the kids|the children|your stuff|\w+ when)\b|\bshut it for you\b|\bwish (?:you'?d|you had) never been born\b"
    r"|\b(?:get(?:ting)?|give you) a slap\b|\bwon'?t be walking\b|\bwhat i (?:can|could|will) do to you\b|\bwhat i'?m (?:capable of|like when)\b"
    r"|\b(?:you'?ll|you will|you'?re going to|you'?re gonna|gonna) get hurt\b|\bwhen i get my hands on\b|\bpunched the (?:wall|door)\b"
    r"|\bhands? (?:round|around) my (?:neck|throat)\b|\b(?:held|holding|got|have) a (?:knife|hammer|gun|brick|bat|blade)\b|\bwith a (?:knife|hammer|brick|bat)\b"
    r"|\b(?:key|slash|scratch) (?:your|ur|the) (?:car|tyres)\b|\bsmash every\b|\bburn (?:this place|the house|it) (?:down|to the ground)\b"
    r"|\b(?:set (?:on )?fire|goes out the window|in the canal|with bleach)\b|\bthere won'?t be a next time\b|\bdoors break\b"
    r"|\bif you (?:call|ring) the police\b|\b(?:sending|send|post|posting|share|leak)\w* (?:those |your |the |all )?(?:photos|pics|nudes|videos) (?:to|on|online|everywhere)\b"
    r"|\bnudes? (?:go|goes|will go) (?:on|to|online)\b|\bthe kids (?:will )?(?:pay|find me)\b|\bnot to a nice farm\b|\bat the pound\b"
    r"|\bget rid of (?:it|the dog|the cat|him|her)\b|\b(?:there'?ll|there will) be consequences\b|\bi'?m not scared of prison\b"
    r"|\bnothing (?:left )?to lose\b|\bsleep with one eye open\b|\bwhile you can\b|\bgoing to (?:a|your) funeral\b"
    r"|\byou said (?:you'?d|you would) (?:hurt|kill|put|hit) me\b|\bscared (?:of you|to come home)\b|\bi'?ll (?:find|sort) (?:you|him|her|them|your \w+) (?:out )?properly\b"
    r"|\bi'?ll find (?:you|him|her|you and)\b|\bgoing to find (?:him|her|you)\b|\bi know the code\b|\bi'?m (?:sat |sitting |waiting |standing )?outside your (?:flat|house|work|door|building)\b(?!.*(?:coffee|☕|come down on your break))"
    r"|\bwatch (?:yourself|himself|herself|his back|her back)\b|\bi'?m watching you\b|\bthis isn'?t over\b(?!.*(?:rematch|round|game))"
    r"|\b(?:keep (?:pushing|talking|walking|laughing|ignoring me|it up)|go on then|try (?:and|to) \w+)\b.*\bsee (?:what happens|how far you get|where that gets you|who'?s laughing)\b"
    r"|\bsee what happens (?:to|after|when)\b|\bin one piece\b|\bdon'?t test me\b|\byou know how i get\b|\bremember what happened (?:last time|when)\b"
    r"|\bit'?d be (?:such )?a shame if\b|\baccidents happen\b.*\b(?:roads?|dark|especially)\b|\bbad luck\b.*\b(?:disrespect|cross)|\b(?:disrespect|cross)\w* me\b"
    r"|\bi'?ll make sure (?:the kids|you|everyone)\b|\byou won'?t get custody\b|\bi'?ll tell (?:everyone|your (?:parents|boss|church|mum|dad))\b"
    r"|\bforward your (?:texts|messages|photos)\b|\byou(?:'ll| will) (?:see|find out) what i'?m like\b|\byou'?ll find out\b|\bwait (?:till|until) i get (?:home|back|in|there|you)\b"
    r"|\bbetter (?:hope|pray) (?:you'?re|i'?ve|i have)\b|\bwhat'?s coming to (?:you|u)\b|\bit might be your last\b|\bwhat happens when (?:mummy|daddy|you)\b"
    r"|\bi'?ll drop \w+ at\b|\bone more word\b"
    r"|\b(?:gonna|going to) regret (?:it|this|that)\b|\bmake (?:you|u) bleed\b"
    r"|\b(?:head|face) through (?:the|a) (?:wall|window|door)\b|\bkick (?:the|ur|your) (?:front )?door (?:in|down)\b"
    r"|\bburn (?:ur|your) (?:passport|clothes|stuff|things|car|paintings|papers)\b"
)
"""Threats of injury, to children, pets, property, exposure; intimidation ('see what happens')."""

CONTROL_MORE = (
    r"\bsend me (?:your |a |the )?(?:location|screenshots?|pics?|receipts?|call log|bank statement|the receipt)\b(?!.*(?:can'?t see you|so i can find you|outfit|when you'?re at))"
    r"|\b(?:checked|(?<=\bi )check|(?<=\bi'll )check|checking|logged into|logged you out of|go(?:ing)? through|went through|read|looked at|looking at|can see|got) (?:your|ur) (?:phone|messages|texts|email|emails|bank|snap ?map|location|life360|fitbit|icloud|dms|insta|instagram|call log|receipts|whole day|bank app)\b"
    r"|\bsnap ?map\b|\blife360\b|\bread receipts\b|\blast seen\b|\bonline at \d|\bi timed it\b|\bdoorbell cam\b|\bput an app on your phone\b|\ba tracker\b"
    r"|\bwho (?:is|'?s|was) '?\w+'? (?:in your phone|who keeps)\b|\bshow me who\b|\bscreenshot (?:your|all)\b|\bprove it\b|\bunlock it\b|\bpasscode on your phone\b"
    r"|\b(?:facetime|video call|call) me (?:right )?now so i can see\b|\bi'?ll know if (?:you|u)\b|\bi'?ll check (?:your|ur) (?:phone|messages|location|bank)\b|\bwhere were you\b.*\b(?:explain|answer me|tell me the truth|don'?t lie|the truth)\b|(?:^|[.!?] *)explain(?: yourself)?[.!]*$|\bdon'?t say you couldn'?t\b"
    r"|\b(?:block|unfollow|unlike|delete) (?:\w+'?s? )?(?:him|her|them|every|all|number|his)\b|\bquit (?:the|that|your) (?:choir|job|gym|class|team|course)\b"
    r"|\bcancel (?:your|ur) (?:therapy|trip|membership|plans|flight)\b|\b(?:cancelled|rang|called|told) (?:your|aunty|her|him|them) .{0,40}\b(?:not coming|won'?t be coming|busy|too tired|not coming back)\b"
    r"|\bi decide\b|\bi pick what you\b|\byou can go when i\b|\bwhen i say\b|\bbecause i said so\b|\bi'?m not asking(?: you)?[.!]*$|\bi'?m not asking,? i'?m telling\b|\bend of discussion\b"
    r"|\bno (?:male|female|guy|girl) friends\b|\byou don'?t speak to (?:men|women|anyone)\b|\bwith me in the room\b|\bstay home like you should\b"
    r"|\b(?:friends|family|therapist|sister|brother|mum|mom|parents) (?:is|are) (?:turning|poisoning) you\b|\bthose people never liked me\b|\bit stops now\b"
    r"|\byou'?re staying (?:home|here|in)\b|\bdon'?t call (?:her|him|them) back\b|\bnot telling anyone until\b|\bno more (?:working late|going out|nights out)\b"
    r"|\bno going out\b|\b(?:give|transfer|send) me (?:your )?(?:whole )?(?:salary|wages|pay|paycheck|paycheque)\b|\bsalary will come to my\b"
    r"|£\d+ a week\b|\bevery receipt\b|\bcoming out of (?:next week|your)\b|\bcancelled your (?:credit )?card\b|\bask me (?:before|when) you\b"
    r"|\bi'?ll give you what you need\b|\byou don'?t need a job\b|\b(?:taken|took|hidden|hid) (?:your|my) (?:car keys|keys|phone|passport|cards?|sim)\b"
    r"|\bbus money\b|\bloan in your name\b|\bsign what i tell you\b|\b(?:earn it|be nice to me for once)\b"
    r"|\bchange\. now\b|\byou'?re not wearing that\b|\bno make ?-?up\b|\bcut your hair\b.*\b(?:finished|done|over)\b|\bthrew out (?:the|your)\b.*\bwon'?t be needing\b"
    r"|\b(?:haven'?t|hasn'?t) approved\b|\bsend me a pic of what you'?re wearing before\b|\bi'?ll tell you if it'?s ok\b"
    r"|\bbe home by \d+\b.*\b(?:or|late|i'?ll know)\b|\byou'?ve got (?:till \d+|\d+ minutes)\b|\bwithin \d+ minutes\b|\bby the third ring\b|\blights off at\b"
    r"|\bphones? (?:go(?:es)? in the drawer|stays? (?:on|in) the)\b|\bcome to bed when i say\b|\byou (?:don'?t|do not) (?:go|drive|make decisions|need (?:it|a job|them|friends))\b"
    r"|\byou go where i\b|\byou (?:went|go|keep going) through my (?:phone|messages|whole day)\b|\byou took my (?:phone|keys|car keys|passport|card|money)\b"
    r"|\bcoercive control\b(?!.*\b(?:doc|documentary|film|article|podcast)\b)|\bmade me drop\b|\bcall me twenty times\b|\bevery time i go out you\b"
    r"|\byou'?re not (?:going|seeing|taking|leaving|wearing)\b(?!.*(?:😂|lol|without me))|\bwho said you could\b"
    r"|\b(?:facetime|video call|call) me every (?:hour|time|night|\d+)\b|\bkeep (?:it|the call|the camera) on until\b"
    r"|\bsend (?:me )?(?:a )?(?:pic|photo|picture|selfie) of (?:who|where|ur plate|your plate|the room|everyone)\b"
    r"|\bchanged (?:ur|your) (?:\w+ )?password\b|\bread (?:ur|your) (?:chat|chats|dms)\b"
    r"|\b(?:ur|your) (?:meds|passport|keys|car keys|bank card) (?:is|are) (?:in my|safe with me)\b"
    r"|\b(?:u|you) (?:get|can have) (?:it|them|ur \w+|your \w+) back when\b|\b(?:u|you) get (?:it|them) when (?:u|you) (?:behave|apologi[sz]e|say sorry|listen)\b"
    r"|\b(?:salary|wages|loan|pay|paycheck|paycheque) (?:goes|comes|will go) (?:in)?to my account\b"
    r"|\bquit (?:the|that|your|ur) \w+ (?:job|class|course)\b|\bblock (?:ur|your) (?:brother|sister|mum|mom|dad|friends?|family)\b"
    r"|\bi (?:don'?t|dont|do not) want (?:u|you) seeing \w+ (?:anymore|again)\b|\bur not (?:going|seeing|wearing|leaving)\b(?!.*(?:😂|lol|without me))"
)
"""Monitoring, isolating, controlling money, clothes, time and movement; and reports of it."""

THREAT_PLAY = (
    r"\b(?:mario ?kart|catan|scrabble|monopoly|darts|fifa|the game|rematch|board game|quiz|karaoke"
    r"|leg day|pub quiz|fantasy team|onions?|chopping|carving|slicing|peeling|veg)\b|🎯|🍌|🏓|🎮|🎲|👀"
)
"""Games, play and the kitchen: 'watch your back in Mario Kart tonight 🍌' is not a threat."""

SELF_HARM_PARTNER = (
    r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|burn|burning) (?:yourself|urself)\b(?! (?:lifting|on|with the|at (?:the )?gym|at work|in the kitchen))"
    r"|\bare you safe\b|\bthoughts about (?:ending|hurting)\b"
)
"""Talk about the partner's suicide or self-harm ("please don't hurt yourself tonight"): negation
does not silence it, laughter does ("don't hurt yourself lol")."""
