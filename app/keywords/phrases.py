"""Reasonable revocation of consent in a short inbound reply: pure functions, no I/O.

Since April 2025 (FCC 24-24) any reasonable revocation binds the sender, not only the literal
keywords of app/keywords/matching.py. `classify` reads a reply in English, German, Dutch,
French, Spanish and Polish: "please stop texting me" is a REVOCATION, "don't stop the deals!"
is NONE, and "who gave you my number?" is UNCLEAR, for a person to decide. docs/KEYWORDS.md
has the rules, the corpus they are measured on and the figures.

A reply is read in three steps, each bounded by the reply's length (at most `MAX_LENGTH`):
1. Normalised once for every language: case, accents and compatibility forms folded to ASCII
   (Polish "ł" too, so "smsów" and "smsow" are one word), emoji that mean something turned
   into words, letters repeated for emphasis collapsed ("pleeease"), and the text cut into
   sentences of words and commas; "but" and its siblings count as commas, since negation and
   requests do not reach across them.
2. Each language tags the words it knows (its lexicon, below): "texting", "sms'en" and
   "wysyłać" become SEND, "ur texts" DET MSG. Unknown words stay as they are.
3. Each language's rules, patterns over those tags, judge the reply, sentence by sentence. A
   rule that keeps (negation: "don't stop", "niet afmelden") shields the rest of its clause
   from the later rules; otherwise the strongest verdict found wins. A revocation asked as a
   question ("how do I stop these?") is UNCLEAR, unless it is a polite request ("can you
   remove me?"), and so is one on a condition ("if you stop texting me, ...") or in a reply
   that laughs. A bare "stop" beside other words is a revocation only when those words are a
   complaint some rule recognises ("why do you keep texting me, stop"), not when they are chat
   ("Stop, I meant size M").

Every pattern is compiled once into a regular expression over whole tokens with gaps of at most
a few tokens, so each search backtracks a bounded number of times per token: the work is linear
in the reply, and the reply is bounded (MAX_LENGTH, MAX_WORDS, MAX_SENTENCES)."""

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

# Four SMS segments of GSM-7 (the longest reply gateways commonly join). Anything longer is not
# a "short reply", and reading part of it could miss the sentence that decides: a person reads it.
MAX_LENGTH = 640
# 640 characters of prose are about 120 words in a dozen sentences; more is not prose ("a a a ...",
# a wall of emoji) and would only cost time, so it goes to a person as well.
MAX_WORDS = 160
MAX_SENTENCES = 24


class Verdict(StrEnum):
    REVOCATION = "REVOCATION"
    UNCLEAR = "UNCLEAR"
    NONE = "NONE"


@dataclass(frozen=True)
class PhraseMatch:
    verdict: Verdict
    language: str | None  # "en", "de", "nl", "fr", "es" or "pl" when a rule decided
    rule: str | None  # a stable name of the rule that decided, for the event's reason


_NOTHING = PhraseMatch(Verdict.NONE, None, None)
_TOO_LONG = PhraseMatch(Verdict.UNCLEAR, None, "too-long")
_STRENGTH = {Verdict.NONE: 0, Verdict.UNCLEAR: 1, Verdict.REVOCATION: 2}


def classify(text: str) -> PhraseMatch:
    if len(text) > MAX_LENGTH:
        return _TOO_LONG
    sentences = _sentences(text)
    if not sentences:
        return _NOTHING
    if len(sentences) > MAX_SENTENCES or sum(len(sentence.words) for sentence in sentences) > MAX_WORDS:
        return _TOO_LONG
    best, best_rank = _NOTHING, (0, -1)
    for language in _LANGUAGES:
        match, known = language.judge(sentences)
        rank = (_STRENGTH[match.verdict], known) if match is not None else (0, -1)
        if match is not None and rank > best_rank:  # a tie goes to the language that knew more words
            best, best_rank = match, rank
    return best


# --- 1. Normalisation -------------------------------------------------------------------------

_CHARACTERS = str.maketrans(
    {
        "ł": "l",  # the one Polish letter without a decomposition
        "ø": "o",
        "đ": "d",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "¿": " ^ ",  # Spanish opens a question: "^" marks it once the text is ASCII
        "¡": " ! ",
        "🛑": " stop ",
        "⛔": " stop ",
        "😂": " lol ",
        "🤣": " lol ",
        "😆": " lol ",
        "😹": " lol ",
        "😜": " lol ",
        "😝": " lol ",
    }
)
# An apostrophe after two letters joins a contraction ("don't", "sms'en", "reicht's"); after one
# letter it is a French elision ("m'envoyez", "n'arrêtez") and separates words.
_CONTRACTION = re.compile(r"(?<=[a-z]{2})'(?=[a-z])")
_EMPHASIS = re.compile(r"([a-z])\1{2,}")  # "pleeease", "stooop", "plzzz"
_LAUGHTER = re.compile(r"\b([hj][aeio])\1+h?\b")  # "hahaha", "jajaja" -> "haha", "jaja"
_TOKEN = re.compile(r"[a-z0-9]+|[?^.!;:,\n]")
_ENDS = frozenset(".!;\n")


@dataclass(frozen=True)
class _Sentence:
    words: tuple[str, ...]  # words and "," tokens
    asked: bool  # ended with "?" or opened with "¿"


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_CHARACTERS))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")  # drops accents, emoji and other scripts
    return _LAUGHTER.sub(r"\1\1", _EMPHASIS.sub(r"\1", _CONTRACTION.sub("", ascii_text)))


def _sentences(text: str) -> tuple[_Sentence, ...]:
    sentences: list[_Sentence] = []
    words: list[str] = []
    asked = False

    def close(question: bool) -> None:
        nonlocal words, asked
        while words and words[-1] == ",":
            words.pop()
        if words:
            sentences.append(_Sentence(tuple(words), asked or question))
        words, asked = [], False

    for token in _TOKEN.findall(_plain(text)):
        if token == "?":
            close(True)
        elif token == "^":
            close(False)
            asked = True
        elif token in _ENDS:
            close(False)
        elif token in (",", ":"):
            if words and words[-1] != ",":
                words.append(",")
        else:
            words.append(token)
    close(False)
    return tuple(sentences)


def _normalised_words(phrase: str) -> tuple[str, ...]:
    return tuple(token for token in _TOKEN.findall(_plain(phrase)) if token.isalnum())


# --- 2 and 3. Languages: lexicons and rules ---------------------------------------------------

# The tags words are read as. Rules are written over these; a word no lexicon knows stays itself.
#   NEG not/kein/niet/ne/no/nie     MORE anymore/mehr/meer/plus/más/więcej   NOMORE no more / no más
#   STOP stop/quit/arrêtez/dejen de/przestańcie     VSTOP ... VPART: German and Dutch "hör ... auf"
#   PARA Spanish "para": "stop" or "for"   SEND contact verbs: text/schreiben/appen/écrire/pisać
#   SHIP send/schicken/sturen/envoyer/mandar/wysyłać (need a message for an object)
#   MSG texts/SMS/berichten/pubs/mensajes/wiadomości   ANYTHING anything/nada/nic   SPAM spam/scam
#   RECEIVE receive/erhalten
#   WANT want/möchte/wil/veux/quiero/chcę   ME me/mich/mij/moi/mnie   SUBJ subject pronouns
#   MYNUM "my number"   DATA "my data"   LIST list/Verteiler/bestand/fichier/lista/baza
#   FROM from/off/aus/uit/de/z   DET articles, possessives, "with"   TO to/zu/te/que/do   AUX be
#   REMOVE remove/löschen/verwijder/retirez/quitar/usuń   TAKE take   UNSUB unsubscribe/abmelden/
#   afmelden/désinscrire/de baja/wypisać   UNSUBBED "already unsubscribed"   VUNSUB ... VUNSUBPART:
#   "melden Sie mich ab"   CANCEL cancel   SUBSCRIPTION   LEAVE ... ME ... PEACE "leave me alone",
#   "lasst mich in Ruhe"   LEAVEALONE idioms without those parts ("leave me be")
#   PLEASE   FILL words that add nothing to a bare request ("now", "already", "ermee")
#   REQ "can you", "pouvez-vous": a polite request, even when asked   QWORD, HOW, WHO, WHY
#   KEEP   LOL laughter   DONE "I'm done"   ENOUGH   DISMISS "go away"   WRONGNUM   INTERESTED
#   SIGNUP "signed up"   TOOMUCH   REPORT   REFL French "se" ("la promo s'arrête")
#   RECEIVED English "got", "received"   HAVE German and Dutch "habe", "heb": past tense, a report
#   IF if/wenn/als/si/jeśli: a revocation on a condition is for a person to weigh
#   UPDATED "op de hoogte" (keeps Dutch "hou ... op" from reading as "stop")   "," a clause break

_Lexicon: TypeAlias = dict[str, str]  # tags -> phrases, comma separated, as people write them


_EN: _Lexicon = {
    "PLEASE": "please, pls, plz, plez, plse, plese, pleas, pleez, pleeze, kindly, pretty please",
    "FILL": "it, now, right now, already, just, ok, okay, k, thanks, thank you, thx, ty, immediately, asap,"
    " seriously, for real, i said, i said it, damn, dammit, damn it, ffs, omg, god, man, dude, guys, ugh, jeez,"
    " for the love of god, for gods sake",
    "SUBJ": "i, you, u, we, they, he, she, yall",
    "ME": "me, myself",
    "MYNUM": "my number, my phone number, my cell, my cell number, my mobile, my mobile number, my phone,"
    " my email, my email address, my e mail, my contact, this number",
    "DATA": "my data, my details, my information, my info, my personal data, my personal information, my account",
    "LIST": "list, lists, mailing list, contact list, texting list, text list, sms list, database, contacts,"
    " distribution list, system, records",
    "FROM": "from, off, frm, out of",
    "DET": "the, these, those, this, that, your, ur, yr, my, all, any, such, with, of, stupid, fucking,"
    " freaking, bloody, constant, daily, spammy",
    "STOP": "stop, quit, cease, halt, stahp",
    "SEND": "text, texting, txt, txting, texing, textin, txtin, message, messaging, msg, msging,"
    " messeging, contact, contacting, contacted, email, emailing, emailed, e mail,"
    " e mailing, call, calling, spamming, bother, bothering, bug, bugging, harass, harassing, annoy, annoying,"
    " pester, pestering, write, writing, hit me up, reach out, reaching out, reach, reaching",
    "MSG": "messages, msgs, msges, mesages, messeges, texts, txts, textes, text messages, text message, sms, smses,"
    " smss, emails, e mails, mails, notifications, alerts, promotions, promos, promo, ads, adverts,"
    " advertisements, offers, deals, marketing, newsletters, newsletter, calls, robocalls, reminders, updates,"
    " crap, shit, garbage, rubbish, nonsense, stuff",
    "SHIP": "send, sending, sendin",
    "ANYTHING": "anything, anything else, nothing, nothing else",
    "SPAM": "spam, scam, spammer, spammers, scammer, scammers, scammy, junk",
    "RECEIVE": "receive, receiving, recieve, recieving, get, getting, gettin",
    "RECEIVED": "got, gotten, received, recieved",
    "WANT": "want, wanna, wish, would like, d like, id like, need, care to",
    "WANT FROM": "want off, wanna get off, want out of",
    "NEG": "dont, dnt, do not, never, not, didnt, did not, doesnt, does not, no longer, wont, will not, cant, cannot,"
    " can not",
    "MORE": "anymore, any more, again, ever, ever again, further, any longer, more",
    "NOMORE": "no more, nomore, no further",
    "REMOVE": "remove, delete, erase, unlist, rmv, drop, lose",
    "TAKE": "take",
    "TAKE ME FROM": "get me off",
    "UNSUB": "unsubscribe, unsubscribing, unsub, unsuscribe, unsubcribe, unsubscibe, unsubscrive, opt out, optout,"
    " opting out",
    "UNSUB ME": "opt me out",
    "UNSUBBED": "unsubscribed, opted out, already unsubscribed",
    "CANCEL": "cancel, cancelled, canceled",
    "SUBSCRIPTION": "subscription, subscriptions",
    "LEAVE": "leave",
    "PEACE": "alone, in peace",
    "LEAVEALONE": "leave me be",
    "REQ": "can you, could you, would you, will you, can u, could u, would u, will u, would you mind",
    "QWORD": "what, whats, when, where, which, is, are, do, does, did, can, could, should, will, would, am",
    "HOW": "how, how to, is there a way, can i, could i, do i, should i, how can i, how do i",
    "WHO": "who, whos",
    "WHY": "why",
    "KEEP": "keep, keeps, kept",
    "LOL": "lol, lool, lmao, lmfao, rofl, haha, hehe, hihi, jk",
    "DONE": "i m done, im done, i am done, i m so done, fed up, sick of",
    "ENOUGH": "enough",
    "DISMISS": "go away, fuck off, f off, piss off, get lost, bugger off, sod off, screw you, fuck you, f u, shut up",
    "WRONGNUM": "wrong number, wrong person",
    "INTERESTED": "interested",
    "SIGNUP": "sign up, signed up, signup, subscribe, subscribed, opt in, opted in, consent, consented, agree, agreed",
    "TOOMUCH": "too many, too much, too often, so many",
    "REPORT": "report, reporting, reported, block, blocking, blocked",
    "AUX": "be, being, been",
    "TO": "to",
    "IF": "if, unless",
    ",": "but, though, although",
}

_DE: _Lexicon = {
    "PLEASE": "bitte, bidde, pls, plz",
    "FILL": "jetzt, sofort, endlich, damit, das, ok, okay, schon, mal, doch, danke, einfach, echt, mensch,"
    " verdammt, nun, gleich, umgehend, ganz, es",
    "SUBJ": "sie, ihr, du, ich, wir",
    "ME": "mich, mir",
    "MYNUM": "meine nummer, meine handynummer, meine telefonnummer, meine mobilnummer, meine rufnummer,"
    " meine mailadresse, meine e mail adresse, meine emailadresse, meine email, diese nummer",
    "DATA": "meine daten, meine kontaktdaten, mein konto, meine persönlichen daten",
    "LIST": "liste, verteiler, verteilerliste, mailingliste, datenbank, kartei, kundenliste, kontaktliste,"
    " adressliste, empfängerliste, newsletter verteiler, system",
    "FROM": "aus, von, vom",
    "DET": "die, diese, dieser, diesen, diesem, den, dem, der, eure, euren, eurer, eurem, ihre, ihren, ihrem, ihrer,"
    " deine, deinen, mit, alle, solche, nervigen, blöden, dummen, ständigen, ganzen, irgendwelche",
    "STOP": "stopp, stop, stoppt, stoppen, stoppe, aufhören",
    "VSTOP": "hör, hört, hören, hörst",
    "VPART": "auf",
    "SHIP": "schicken, schickt, schick, senden, sendet, zuschicken, zusenden",
    "ANYTHING": "etwas, irgendwas, irgendetwas",
    "SEND": "schreiben, schreibt, schreib, simsen, smsen, kontaktieren, kontaktiert, anschreiben, anrufen,"
    " belästigen, belästigt, nerven, nervt, zuspammen, spammen, zumüllen, zumüllt, zutexten, angeschrieben,"
    " angerufen",
    "MSG": "sms, nachrichten, nachricht, sms nachrichten, textnachrichten, mitteilungen, werbung, werbe sms,"
    " werbesms, angebote, newsletter, mails, emails, e mails, anrufe, benachrichtigungen, nachrichtchen",
    "SPAM": "spam, spams",
    "RECEIVE": "erhalten, bekommen, kriegen, empfangen, gekriegt",
    "HAVE": "habe, hab, hast, hat, haben, habt, hatte, hatten",
    "WANT": "will, möchte, möchten, wollen, wünsche, brauche",
    "NEG": "nicht, kein, keine, keinen, keiner, nie, niemals, nichts",
    "NEG MORE": "nie wieder, nie mehr, nimmer",
    "MORE": "mehr, wieder, nochmal, noch mal",
    "REMOVE": "löschen, löscht, lösche, entfernen, entfernt, streichen, streicht, nehmt",
    "UNSUB": "abmelden, abbestellen, austragen, deabonnieren, abmeldung",
    "UNSUBBED": "abgemeldet, abbestellt, ausgetragen",
    "VUNSUB": "melden, meldet, melde, meld",
    "VUNSUBPART": "ab",
    "CANCEL": "kündigen, kündige, stornieren, absagen",
    "SUBSCRIPTION": "abo, abonnement",
    "LEAVE": "lass, lasst, lassen",
    "PEACE": "in ruhe",
    "REQ": "können sie, könnten sie, würden sie, kannst du, könntest du, könnt ihr, könntet ihr, würdet ihr,"
    " würdest du",
    "QWORD": "was, wann, wo, welche, welcher, welches, kann, ist, sind, gibt es",
    "HOW": "wie, wie kann ich, gibt es eine möglichkeit",
    "WHO": "wer, woher",
    "WHY": "warum, wieso, weshalb",
    "LOL": "haha, hihi, lol, xd",
    "DONE": "mir reichts, es reicht, jetzt reichts, ich habe genug, ich hab genug, mir langts",
    "ENOUGH": "genug",
    "DISMISS": "verpiss dich, verpisst euch, hau ab, haut ab, leck mich, halt die klappe, fick dich, was soll das,"
    " was soll der mist, was soll der scheiss",
    "WRONGNUM": "falsche nummer, falscher empfänger, falsch verbunden",
    "INTERESTED": "interesse, interessiert",
    "SIGNUP": "angemeldet, registriert, eingetragen, zugestimmt, abonniert",
    "TOOMUCH": "zu viele, zu viel, zu oft, so viele",
    "REPORT": "anzeigen, anzeige, zeige euch an, zeige sie an, zeige ich euch an, zeige ich sie an, blockiere,"
    " blockieren, blockiert, verbraucherzentrale",
    "AUX": "werden, sein, worden",
    "TO": "zu, dass",
    "IF": "wenn, falls",
    "UPDATED": "auf dem laufenden",
    ",": "aber, sondern, jedoch",
}

_NL: _Lexicon = {
    "PLEASE": "aub, a u b, alsjeblieft, alstublieft, ajb, svp, graag, pls, plz, please",
    "FILL": "nu, nou, ermee, er mee, daarmee, toch, eens, even, ok, oke, dank je, bedankt, gewoon, meteen, direct,"
    " effe, echt, al",
    "SUBJ": "u, jij, je, jullie, ik, we, wij",
    "ME": "me, mij",
    "MYNUM": "mijn nummer, mijn telefoonnummer, mijn mobiele nummer, mijn 06 nummer, mijn e mailadres,"
    " mijn emailadres, mijn mailadres, dit nummer",
    "DATA": "mijn gegevens, mijn data, mijn account, mijn persoonsgegevens",
    "LIST": "lijst, bestand, database, mailinglijst, verzendlijst, adressenbestand, klantenbestand, systeem",
    "FROM": "uit, van",
    "DET": "de, het, die, deze, dat, uw, alle, al die, zulke, met, irritante, stomme",
    "STOP": "stop, stoppen, stopt, kappen, kap, ophouden",
    "VSTOP": "hou, houd, houdt",
    "VPART": "op",
    "SHIP": "sturen, stuur, stuurt, toesturen, opsturen",
    "ANYTHING": "iets",
    "SEND": "smsen, appen, whatsappen, mailen, bellen, bel, benaderen, benaderd,"
    " contacteren, gecontacteerd, contact opnemen, lastigvallen, lastig vallen, spammen, sms sturen,"
    " gebeld, gemaild, geappt, gesmst, ge smst",
    "MSG": "berichten, bericht, berichtjes, sms, smsjes, smsje, smss, sms berichten, smsberichten, mails,"
    " e mails, mailtjes, reclame, aanbiedingen, nieuwsbrief, nieuwsbrieven, promoties, acties, notificaties,"
    " meldingen, appjes, whatsappjes, telefoontjes",
    "SPAM": "spam",
    "RECEIVE": "ontvangen, krijgen, krijg, ontvang, gekregen",
    "HAVE": "heb, hebt, hebben, had, hadden",
    "WANT": "wil, wilt, willen, wens, wenst, hoef, hoeft",
    "NEG": "niet, geen, nooit, niks, niets",
    "MORE": "meer, weer, opnieuw, langer",
    "REMOVE": "verwijder, verwijderen, verwijdert, wis, wissen, schrap, schrappen, haal, halen, haalt",
    "UNSUB": "afmelden, uitschrijven, uitschrijving, afmelding",
    "UNSUB ME": "schrijf me uit, schrijf mij uit",
    "UNSUBBED": "afgemeld, uitgeschreven",
    "VUNSUB": "meld, meldt",
    "VUNSUBPART": "af",
    "CANCEL": "opzeggen, annuleren, afzeggen",
    "SUBSCRIPTION": "abonnement, inschrijving, lidmaatschap",
    "LEAVE": "laat",
    "PEACE": "met rust",
    "REQ": "kunt u, kun je, kan je, kunnen jullie, wilt u, wil je, zou u, zou je, zouden jullie",
    "QWORD": "wat, wanneer, waar, welke, kan, kun, is, zijn, mag",
    "HOW": "hoe, hoe kan ik, is er een manier",
    "WHO": "wie",
    "WHY": "waarom",
    "LOL": "haha, hihi, lol, xd",
    "DONE": "ben er klaar mee, klaar mee, ben het zat, het zat, ben het beu",
    "ENOUGH": "genoeg",
    "DISMISS": "rot op, flikker op, donder op, ga weg, sodemieter op, oprotten, wegwezen",
    "WRONGNUM": "verkeerd nummer, verkeerde nummer, verkeerde persoon",
    "INTERESTED": "interesse, geinteresseerd",
    "SIGNUP": "aangemeld, ingeschreven, opgegeven, toestemming gegeven, geabonneerd",
    "TOOMUCH": "te veel, teveel, zo veel, zoveel, te vaak",
    "REPORT": "rapporteren, blokkeer, blokkeren, geblokkeerd, aangifte",
    "AUX": "worden, word, wordt",
    "TO": "te, om",
    "IF": "als, indien",
    "UPDATED": "op de hoogte",
    ",": "maar",
}

_FR: _Lexicon = {
    "PLEASE": "svp, stp, s il vous plait, s il te plait, sil vous plait, sil te plait, merci de, je vous prie de,"
    " veuillez, please, pls",
    "FILL": "merci, maintenant, tout de suite, immediatement, deja, ok, ca, enfin, donc, vraiment, bordel, putain,"
    " juste, bon",
    "SUBJ": "je, j, tu, vous, nous, on, il, elle, ils",
    "ME": "me, moi, m",
    "MYNUM": "mon numero, mon numero de telephone, mon portable, mon 06, mon mail, mon adresse mail, mon email,"
    " mon adresse e mail, ce numero",
    "DATA": "mes donnees, mes coordonnees, mes informations, mon compte, mes donnees personnelles",
    "LIST": "liste, liste de diffusion, listes, fichier, fichiers, fichier client, base de donnees, base, mailing list",
    "FROM": "de, du",
    "DET": "la, le, les, l, vos, votre, tes, ton, ta, ces, cette, ce, des, aux, au, avec, tous, toutes, tout, d",
    "STOP": "arrete, arretez, arreter, arretes, arret, stop, stoppez, cessez, cesser, cesse, halte",
    "SHIP": "envoyer, envoyez, envoie, envoies",
    "ANYTHING": "rien",
    "SEND": "ecrire, ecrivez, ecris, contacter, contactez, contacte, contactee,"
    " appeler, appelez, harceler, harcelez, deranger, derangez, spammer, relancer, relancez, solliciter,"
    " sollicitez, texter, textez, derange, derangee, harcele, harcelee, sollicite, sollicitee, appele, appelee,"
    " relance, relancee",
    "MSG": "messages, message, sms, textos, texto, mails, e mails, emails, courriels, notifications, pubs, pub,"
    " publicites, publicite, promos, promo, promotions, offres, newsletter, newsletters, appels, publicitaires,"
    " relances",
    "SPAM": "spam, spams, arnaque",
    "RECEIVE": "recevoir, recois",
    "WANT": "veux, voulons, voulez, souhaite, souhaitons, voudrais, desire, aimerais",
    "NEG": "ne, n, pas, jamais, aucun, aucune",
    "MORE": "plus",
    "REMOVE": "retirer, retirez, retire, supprimer, supprimez, supprime, enlever, enlevez, enleve, effacer,"
    " effacez, radier, radiez, rayer, rayez, sortez, sortir",
    "UNSUB": "desinscrire, desinscrivez, desinscris, desabonner, desabonnez, desabonne, desinscription, desabonnement",
    "UNSUBBED": "desinscrit, desinscrite, desabonnee",
    "CANCEL": "annuler, annulez, resilier, resiliez",
    "SUBSCRIPTION": "abonnement, inscription",
    "LEAVE": "laissez, laisse, fichez, fiche, foutez, fous",
    "PEACE": "tranquille, la paix, en paix",
    "REQ": "pouvez vous, pourriez vous, peux tu, pourrais tu, vous pouvez, tu peux, voulez vous",
    "QWORD": "quand, ou, que, quoi, quel, quelle, quels, combien, est ce que, est ce qu, puis je",
    "HOW": "comment, comment faire pour",
    "WHO": "qui",
    "WHY": "pourquoi",
    "LOL": "mdr, ptdr, mdrr, lol, haha, xd",
    "DONE": "en ai marre, marre, ras le bol, en ai assez",
    "ENOUGH": "assez, suffit, ca suffit",
    "DISMISS": "degage, degagez, casse toi, cassez vous, fous le camp, foutez le camp, va te faire,"
    " allez vous faire foutre, ta gueule",
    "WRONGNUM": "mauvais numero, faux numero, erreur de numero, mauvaise personne",
    "INTERESTED": "interesse, interessee, interesses",
    "SIGNUP": "inscrit, inscrite, abonne, abonnee, accepte, consenti",
    "TOOMUCH": "trop de, trop, beaucoup trop",
    "REPORT": "signaler, signale, bloquer, bloque, plainte, cnil",
    "AUX": "etre, ete",
    "REFL": "s, se",
    "IF": "si",
    ",": "mais",
}

_ES: _Lexicon = {
    "PLEASE": "por favor, porfa, porfavor, xfa, x favor, xfavor, pls, plis, please",
    "FILL": "ya, ahora, ahora mismo, ya mismo, esto, eso, gracias, ok, de una vez, de una vez por todas, hombre,"
    " en serio, inmediatamente, joder, carajo",
    "SUBJ": "yo, tu, usted, ustedes, vosotros, ellos",
    "ME": "me",
    "MYNUM": "mi numero, mi telefono, mi celular, mi movil, mi numero de telefono, mi correo, mi email, mi mail,"
    " este numero",
    "DATA": "mis datos, mi cuenta, mis datos personales, mi informacion",
    "LIST": "lista, listas, base de datos, lista de difusion, lista de contactos, registro, directorio, bbdd",
    "FROM": "de, del",
    "DET": "el, la, los, las, estos, estas, esos, esas, tus, sus, su, con, todos, todas, vuestros, vuestras,"
    " putos, malditos, molestos, ningun, ninguna, ninguno",
    "STOP": "dejen de, deja de, deje de, dejad de, dejar de, dejes de, dejo de, stop, paren, parad, pare, parar,"
    " detener, detengan, alto",
    "PARA": "para",
    "SHIP": "enviar, envien, envies, envie, manden, mandar, mandes, mande",
    "SHIP ME": "enviarme, mandarme, enviandome, mandandome, mandenme, envienme",
    "ANYTHING": "nada",
    "SEND": "escriban, escribir, escribas, contactar,"
    " contacten, contactes, llamar, llamen, molestar, molesten, molestes, spamear, acosar, contactado, contactada",
    "SEND ME": "escribirme, contactarme, llamarme, molestarme, escribanme",
    "MSG": "mensajes, mensaje, sms, mensajitos, whatsapps, wasaps, correos, emails, mails, notificaciones,"
    " publicidad, promociones, promos, ofertas, anuncios, boletin, boletines, llamadas, msjs, msj, mjs, textos",
    "SPAM": "spam, estafa",
    "RECEIVE": "recibir, recibiendo, recibo, llegar, obtener",
    "WANT": "quiero, queremos, deseo, desearia, quisiera, me gustaria",
    "NEG": "no, nunca, jamas, ni",
    "MORE": "mas, otra vez, de nuevo, vuelvan a, vuelva a, vuelvas a, volver a",
    "NOMORE": "no mas",
    "REMOVE": "quitar, quiten, quite, quita, eliminar, eliminen, elimine, elimina, borrar, borren, borre, borra,"
    " sacar, saquen, saque, saca, suprimir",
    "REMOVE ME": "quitenme, quitame, quiteme, sacame, saquenme, saqueme, borrenme, borrame, borreme, eliminenme,"
    " eliminame, elimineme",
    "UNSUB": "de baja, desuscribir, desinscribir, darse de baja",
    "UNSUB ME": "desuscribirme, desinscribirme, desuscribanme",
    "CANCEL": "cancelar, cancelen, cancela, anular, anulen",
    "SUBSCRIPTION": "suscripcion, subscripcion, suscripciones",
    "LEAVE": "dejen, deja, deje, dejad",
    "LEAVE ME": "dejenme, dejame, dejeme, dejadme",
    "PEACE": "en paz, tranquilo, tranquila, tranquilos",
    "REQ": "pueden, puede, podrian, podria, puedes, podrias, podeis",
    "QWORD": "cuando, donde, cual, cuanto, cuantos, cuanta, puedo, hay, a que hora",
    "HOW": "como, como hago, como puedo, hay alguna forma, hay manera",
    "WHO": "quien, quienes, de donde",
    "WHY": "por que, porque",
    "LOL": "jaja, jeje, lol, xd, jsjs",
    "DONE": "harto, harta, hartos, hasta la madre, ya me canse, me tienen harto",
    "ENOUGH": "basta, suficiente",
    "DISMISS": "vete a la mierda, idos a la mierda, largate, larguense, que te jodan, jodete, vete al carajo",
    "WRONGNUM": "numero equivocado, se equivocaron de numero, te equivocaste de numero, persona equivocada",
    "INTERESTED": "interesa, interesado, interesada, interesan",
    "SIGNUP": "registre, registrado, registrada, suscrito, suscrita, inscrito, inscrita, acepte, autorice",
    "TOOMUCH": "demasiados, demasiadas, demasiado, tantos, tantas",
    "REPORT": "denunciar, denuncia, denuncio, denunciare, reportar, reporto, reportare, bloquear, bloqueo, profeco",
    # Light verbs of "dar de baja" and the passive: "no me den de baja", "ser contactado".
    "AUX": "den, dar, da, doy, dame, denme, darme, dan, ser",
    "TO": "que, a",
    "IF": "si",
    ",": "pero, sino",
}

_PL: _Lexicon = {
    "PLEASE": "proszę, pls, plz, prosiłbym, prosiłabym, uprzejmie proszę, błagam, poproszę",
    "FILL": "już, teraz, natychmiast, wreszcie, w końcu, ok, okej, dzięki, dziękuję, to, z tym, tego, ludzie,"
    " kurde, kurwa, serio, się, sobie",
    "SUBJ": "ja, ty, wy, pan, pani, państwo, was, wam, wami",
    "ME": "mnie, mi, mną, mie",
    "MYNUM": "mój numer, mojego numeru, mój numer telefonu, mojego numeru telefonu, mój telefon, mój mail,"
    " mojego maila, mój email, mój adres email, ten numer, tego numeru, mój nr, mojego nr",
    "DATA": "moje dane, moich danych, moje dane osobowe, moich danych osobowych, moje konto",
    "LIST": "lista, listy, liście, bazy, baza, bazie, bazy danych, newslettera, listy mailingowej,"
    " listy odbiorców, bazy klientów",
    "FROM": "z, ze, od",
    "DET": "te, tych, tymi, ten, wasze, waszych, wasz, twoje, twoich, takich, takie, wszystkie, wszystkich,"
    " głupich, durnych, tej, ta, żadnych, żadnej, żaden, żadne",
    "STOP": "przestań, przestańcie, przestać, przestaniecie, przestawajcie, przestawaj, przestawać, stop, stopp,"
    " zatrzymać, zatrzymajcie, zatrzymaj, skończcie, skończ, wstrzymajcie",
    "SHIP": "wysyłać, wysyłajcie, wysyłaj, wysyłanie, wysyłania, przesyłać, przesyłajcie, przysyłać, przysyłajcie,"
    " wyślijcie, wyślij, wysłać",
    "ANYTHING": "nic, niczego",
    "SEND": "pisać, piszcie, pisz, kontaktować, kontaktujcie, kontaktuj, dzwonić, dzwońcie, nękać, nękajcie,"
    " spamować, spamujcie, zawracać, smsować, esemesować, pisanie",
    "MSG": "sms, smsy, smsów, smsami, smsa, esemesy, esemesów, wiadomości, wiadomość, wiadomościami, reklamy,"
    " reklam, reklamami, promocje, promocji, promocjami, oferty, ofert, ofertami, newsletter, newslettery,"
    " maile, maili, mailami, powiadomienia, powiadomień, połączenia, telefony",
    "SPAM": "spam, spamu, oszustwo",
    "RECEIVE": "otrzymywać, otrzymywania, dostawać, dostawania, otrzymać, dostać, odbierać",
    "WANT": "chcę, chcemy, życzę, chciałbym, chciałabym, wolę",
    "NEG": "nie, nigdy",
    "MORE": "więcej, ponownie, znowu",
    "REMOVE": "usuń, usuńcie, usunąć, usunięcie, usunięcia, wykreślcie, wykreśl, wykreślić, skreślcie, skreślić,"
    " wymażcie, kasujcie, skasujcie, skasować, wyrzućcie, wyrzucić",
    "UNSUB": "wypisz, wypiszcie, wypisać, wypisanie, wypisania, wypisuję, wypisujcie, odsubskrybować, wyrejestrujcie",
    "UNSUBBED": "wypisałem, wypisałam, wypisany, wypisana",
    "CANCEL": "rezygnuję, anuluj, anulujcie, anulować, odwołać",
    "SUBSCRIPTION": "subskrypcji, subskrypcje, subskrypcja, abonament, abonamentu, prenumerata, prenumeraty",
    "LEAVE": "dajcie, daj, zostawcie, zostaw",
    "PEACE": "spokój, święty spokój, w spokoju",
    "LEAVEALONE": "odczepcie się, odczepcie się ode mnie, odczep się",
    "REQ": "czy możecie, możecie, czy moglibyście, moglibyście, czy może pan, czy może pani",
    "QWORD": "kiedy, gdzie, co, czy, ile, o której, jaki, jaka",
    "HOW": "jak, jak mogę, w jaki sposób, czy mogę, czy da się",
    "WHO": "kto, skąd",
    "WHY": "dlaczego, czemu, po co",
    "LOL": "haha, xd, xdd, lol, hehe",
    "DONE": "mam dość, mam tego dość, dość mam, mam już dość, mam was dość",
    "ENOUGH": "dość, koniec, wystarczy, starczy",
    "DISMISS": "spadaj, spadajcie, odwal się, odwalcie się, spierdalaj, spierdalajcie, odpierdolcie się, wynocha",
    "WRONGNUM": "zły numer, pomyłka, pomyliliście numer, nie ten numer",
    "INTERESTED": "zainteresowany, zainteresowana, zainteresowani, interesuje",
    "SIGNUP": "zapisywałem, zapisywałam, zapisałem, zapisałam, rejestrowałem, rejestrowałam, zgadzałem, zgadzałam,"
    " zgody",
    "TOOMUCH": "za dużo, za często, tyle",
    "REPORT": "zgłoszę, zgłaszam, uodo, uokik, blokuję, zablokuję",
    "TO": "do, żeby, aby",
    "IF": "jeśli, jeżeli, gdyby",
    ",": "ale, lecz",
}


# --- Rules ------------------------------------------------------------------------------------
# A pattern is a sequence of items separated by spaces, matched against a sentence's tags:
#   TAG or word          that token; "A|B|c" one of them
#   X?  X*3              optional; at most three of them (the item's alternatives)
#   _  _3                any word (never a comma); at most three words
#   ^  $                 the start or end of a clause (sentence edge or comma); "$" may sit in an
#                        alternation: "MORE|$" is MORE or the clause's end
#   ,?                   an optional comma
# Verdicts: KEEP shields the rest of its clause (negation); the others record what they find.

_KEEP = Verdict.NONE
_REVOKE = Verdict.REVOCATION
_ASK = Verdict.UNCLEAR
_ALONE = "alone"  # a revocation only beside words about messages, or beside nothing

_RuleSpec: TypeAlias = tuple[Verdict | str, str, str]

_FILLERS = "PLEASE|FILL|SUBJ"

# Negation and its kin come first: what they cover no later rule may read.
_COMMON_KEEP: tuple[_RuleSpec, ...] = (
    (_KEEP, "negated-stop", "NEG ME|WANT|TO|SUBJ|PLEASE|MORE|FILL|AUX*3 STOP|PARA|UNSUB|REMOVE|VUNSUB|VSTOP"),
    (_KEEP, "wants-more", "NEG WANT _4 STOP|PARA|UNSUB|REMOVE|VSTOP"),
    (_ASK, "how-to", "HOW _4 STOP|PARA|UNSUB|REMOVE|CANCEL|VSTOP|VUNSUB"),
    (_ASK, "how-to", "HOW _4 NEG MORE? RECEIVE|SEND|SHIP"),
)

# SEND verbs are contact in themselves ("text", "schreiben", "pisać"); SHIP verbs ("send",
# "schicken", "envoyer") need a message for an object: "stop sending me the wrong size" is chat.
_SHIPPED = "ME|TO? FROM|FILL|DET*2 MSG|SPAM|ANYTHING|PLEASE|$"

_COMMON_REVOKE: tuple[_RuleSpec, ...] = (
    (_REVOKE, "stop-sending", "STOP ME|TO|FROM|DET|FILL|PLEASE|SUBJ*3 SEND"),
    (_REVOKE, "stop-sending", f"STOP ME|TO|FROM|DET|FILL|PLEASE|SUBJ*3 SHIP {_SHIPPED}"),
    (_REVOKE, "stop-messages", "STOP DET|FROM|FILL|SEND|SHIP*3 MSG|SPAM"),
    (_REVOKE, "no-more-messages", "NOMORE DET*2 MSG|SPAM|SEND"),
    (
        _REVOKE,
        "do-not-send",
        "NEG ME|SUBJ|MORE*2 SEND|SHIP|SPAM ME|TO|FROM|FILL|DET*3 MORE|NOMORE|PLEASE|MSG|SPAM|ANYTHING|$",
    ),
    (_REVOKE, "do-not-want-messages", "NEG WANT TO|SUBJ|ME|RECEIVE|MORE|DET|FROM|PLEASE|FILL|AUX|SEND|SHIP*4 MSG|SPAM"),
    (_REVOKE, "do-not-want-contact", "NEG WANT TO|SUBJ|ME|MORE|AUX*3 SEND|RECEIVE ME|MORE|DET|PLEASE|$"),
    # "remove me" alone, or from the list or the messages; from anything else (a waitlist, an
    # order) it is unclear, below.
    (_REVOKE, "remove-me", "REMOVE|TAKE SUBJ? ME FROM? PLEASE|FILL|DET*2 MORE|$"),
    (_REVOKE, "remove-me", "REMOVE|TAKE SUBJ? ME _3 LIST|MSG|SPAM|SEND"),
    (_REVOKE, "remove-me", "ME REMOVE PLEASE|FILL*2 $"),
    (_REVOKE, "remove-me", "ME REMOVE _3 LIST|MSG|SPAM"),
    (_REVOKE, "off-the-list", "ME|MYNUM|DATA SUBJ|PLEASE|FILL*2 FROM DET|SUBJ*2 LIST"),
    (_REVOKE, "off-the-list", "WANT FROM DET|SUBJ*2 LIST"),
    (_REVOKE, "off-the-list", "FROM DET|SUBJ*2 LIST _2 REMOVE"),
    (_REVOKE, "remove-number", "REMOVE|TAKE _2 MYNUM"),
    (_REVOKE, "remove-number", "MYNUM _2 REMOVE"),
    (_REVOKE, "unsubscribe", "UNSUB"),
    (_REVOKE, "cancel-messages", "CANCEL FROM|DET*2 RECEIVE? MSG|SPAM"),
    (_REVOKE, "cancel-messages", "CANCEL _2 SUBSCRIPTION _3 MSG|SPAM"),
    (_REVOKE, "leave-me-alone", "LEAVEALONE"),
    (_REVOKE, "leave-me-alone", "LEAVE SUBJ? ME FILL|PLEASE|DET*2 PEACE"),
    (_REVOKE, "done-with-messages", "DONE|ENOUGH FROM|DET|TO*3 MSG|SPAM|SEND"),
    (_ALONE, "stop-alone", f"^ {_FILLERS}|LOL*3 STOP|NOMORE {_FILLERS}|DET|LOL*3 $"),
)

_COMMON_UNCLEAR: tuple[_RuleSpec, ...] = (
    (_ASK, "who-has-my-number", "WHO|HOW|WHY|QWORD _4 MYNUM"),
    (_ASK, "why-messages", "WHY _5 SEND|MSG|SPAM"),
    (_ASK, "keeps-messaging", "SUBJ KEEP ME? SEND|SHIP"),
    (_ASK, "wrong-number", "WRONGNUM"),
    (_ASK, "not-interested", "NEG _2 INTERESTED"),
    (_ASK, "never-signed-up", "NEG _3 SIGNUP"),
    (_ASK, "spam", "SPAM"),
    (_ASK, "fed-up", "DONE|ENOUGH"),
    (_ASK, "dismissal", "DISMISS"),
    (_ASK, "report", "REPORT"),
    (_ASK, "too-many", "TOOMUCH _2 MSG|SEND|SPAM"),
    (_ASK, "too-many", "SEND _3 TOOMUCH"),
    (_ASK, "subscription", "CANCEL _2 SUBSCRIPTION"),
    (_ASK, "my-data", "REMOVE|CANCEL _2 DATA"),
    (_ASK, "remove-me-from", "REMOVE|TAKE SUBJ? ME FROM"),
    (_ASK, "already-unsubscribed", "UNSUBBED"),
    # "don't text me at work": a revocation with conditions a person has to weigh.
    (_ASK, "do-not-send-when", "NEG ME? SEND ME"),
    (_ASK, "not-again", "^ FILL*2 NEG FILL? MORE $"),
)

# German and Dutch put the negation after the verb or the object: "schickt mir keine SMS mehr",
# "stuur me geen berichten meer", and split verbs around their objects: "hören Sie auf".
_GERMANIC_KEEP: tuple[_RuleSpec, ...] = (
    # "Ich habe keine SMS mehr bekommen": the perfect tells what came, it does not ask.
    (_KEEP, "statement", "HAVE _2 NEG _3 RECEIVE"),
    (_KEEP, "negated-stop", "STOP|VSTOP _2 NEG"),
    (_KEEP, "negated-stop", "VUNSUB _2 NEG _1 VUNSUBPART"),
)
_GERMANIC_REVOKE: tuple[_RuleSpec, ...] = (
    (_REVOKE, "stop-sending", f"VSTOP {_FILLERS}*3 VPART ,? ME|TO|DET|FILL|PLEASE|MSG*3 SEND|SHIP"),
    (_REVOKE, "stop-messages", f"VSTOP {_FILLERS}*3 VPART DET*3 MSG|SPAM"),
    (_REVOKE, "no-more-messages", "NEG MSG|SPAM MSG|FROM|DET|per|via*2 MORE"),
    (_REVOKE, "no-more-messages", "NEG MORE DET*2 MSG|SPAM"),
    (_REVOKE, "do-not-send", "SEND|SHIP SUBJ? ME NEG MSG|MORE|SPAM|DET"),
    (_REVOKE, "do-not-want-messages", "WANT SUBJ|ME|FILL? NEG DET|MORE*2 MSG|SPAM"),
    (_REVOKE, "do-not-want-messages", "WANT ME|DET*2 MSG|SPAM NEG MORE"),
    (_REVOKE, "do-not-want-contact", "WANT ME? NEG MORE AUX|TO? SEND|RECEIVE"),
    (_REVOKE, "unsubscribe", f"VUNSUB {_FILLERS}|ME*3 VUNSUBPART"),
    (_ALONE, "stop-alone", f"^ {_FILLERS}|LOL*3 VSTOP {_FILLERS}*3 VPART {_FILLERS}|LOL*3 $"),
)

_EN_RULES: tuple[_RuleSpec, ...] = (
    # "you don't text me anymore :(" and "I got no more texts" tell, they do not ask.
    (_KEEP, "statement", "SUBJ NEG ME? SEND|SHIP|SPAM"),
    (_KEEP, "statement", "RECEIVED NOMORE|NEG|ANYTHING"),
    *_COMMON_KEEP,
    (_REVOKE, "no-messages", f"^ {_FILLERS}? no DET? MSG|SPAM {_FILLERS}*2 $"),
    *_COMMON_REVOKE,
    *_COMMON_UNCLEAR,
)
_DE_RULES: tuple[_RuleSpec, ...] = (
    *_GERMANIC_KEEP,
    *_COMMON_KEEP,
    *_GERMANIC_REVOKE,
    *_COMMON_REVOKE,
    *_COMMON_UNCLEAR,
)
_NL_RULES = _DE_RULES
_FR_RULES: tuple[_RuleSpec, ...] = (
    # "la promo s'arrête": the offer ends by itself.
    (_KEEP, "reflexive-stop", "REFL STOP"),
    *_COMMON_KEEP,
    # "plus de SMS" opening a clause is "no more SMS"; "encore plus de promos" is more of them.
    (_REVOKE, "no-more-messages", f"^ {_FILLERS}*2 MORE NEG? FROM|DET*2 MSG|SPAM"),
    # Spoken French drops "ne": "je veux plus recevoir" is "I no longer want to receive".
    (_REVOKE, "do-not-want-messages", "WANT MORE ME? RECEIVE|SEND|SHIP"),
    *_COMMON_REVOKE,
    # ... but "je veux plus de vos pubs" reads both ways.
    (_ASK, "want-more-or-no-more", "WANT MORE FROM DET*2 MSG|SPAM"),
    *_COMMON_UNCLEAR,
)
_ES_RULES: tuple[_RuleSpec, ...] = (
    *_COMMON_KEEP,
    # "para" is also "for": only "para de mandar" or a bare "¡para ya!" is "stop".
    (_REVOKE, "stop-sending", "PARA FROM SEND"),
    (_REVOKE, "stop-sending", f"PARA FROM SHIP {_SHIPPED}"),
    *_COMMON_REVOKE,
    (_ALONE, "stop-alone", f"^ {_FILLERS}|LOL*2 PARA {_FILLERS}|LOL*2 $"),
    *_COMMON_UNCLEAR,
)
_PL_RULES: tuple[_RuleSpec, ...] = (*_COMMON_KEEP, *_COMMON_REVOKE, *_COMMON_UNCLEAR)

# A bare "stop" is a revocation beside nothing but these (or beside a clause another rule judged).
_BARE = frozenset("STOP NOMORE VSTOP VPART PARA PLEASE FILL SUBJ DET ,".split())
_QUESTION_OPENERS = frozenset("QWORD HOW WHO WHY".split())


def _compile(pattern: str, fold: Callable[[str], str]) -> re.Pattern[str]:
    parts = [r"(?<![^ ])"]  # a match starts at a token
    for item in pattern.split():
        body, quantifier = item, ""
        if body.endswith("?") and len(body) > 1:
            body, quantifier = body[:-1], "?"
        elif re.fullmatch(r".+\*\d", body):
            body, quantifier = body[:-2], f"{{0,{body[-1]}}}"
        if body == "^":
            parts.append(r"(?:^|(?<=[,.] ))")
            continue
        if re.fullmatch(r"_\d?", body):
            repeat = "{1}" if body == "_" else f"{{0,{body[1:]}}}"
            parts.append(r"(?:[^ ,.]+ )" + repeat)
            continue
        choices = []
        for choice in body.split("|"):
            if choice == "$":
                choices.append(r"(?=[,.] |$)")
            elif choice == ",":
                choices.append(", ")
            else:
                choices.append(re.escape(choice if choice.isupper() else fold(choice)) + " ")
        group = "(?:" + "|".join(choices) + ")"
        parts.append(group + quantifier)
    return re.compile("".join(parts))


@dataclass(frozen=True)
class _Rule:
    name: str
    verdict: Verdict
    pattern: re.Pattern[str]
    alone: bool
    needs: frozenset[str]  # a reply without one of these cannot match: the pattern is not run


def _needs(pattern: str, fold: Callable[[str], str]) -> frozenset[str]:
    """The choices of the pattern's first item that must be there; every rule has one."""
    for item in pattern.split():
        if item in ("^", "$", ",?") or item.endswith("?") or re.fullmatch(r".+\*\d|_\d?", item):
            continue
        return frozenset(choice if choice.isupper() else fold(choice) for choice in item.split("|"))
    raise ValueError(f"{pattern!r} has no item that must match")


def _german_fold(word: str) -> str:
    # "hoeren", "loeschen": people without umlauts on the keyboard write the vowel plus e.
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _same(word: str) -> str:
    return word


class _Language:
    def __init__(
        self, code: str, lexicon: _Lexicon, rules: tuple[_RuleSpec, ...], fold: Callable[[str], str] = _same
    ) -> None:
        self.code = code
        self.fold = fold
        self.tags: dict[tuple[str, ...], tuple[str, ...]] = {}
        for tags, phrases in lexicon.items():
            for phrase in phrases.split(","):
                words = tuple(fold(word) for word in _normalised_words(phrase))
                if words in self.tags:
                    raise ValueError(f"{code}: {' '.join(words)!r} is listed twice")
                if words:
                    self.tags[words] = tuple(tags.split())
        self.words = {words[0]: tags for words, tags in self.tags.items() if len(words) == 1}
        # The lengths of the phrases each first word opens, longest first: "a" opens only "a u b".
        widths: dict[str, set[int]] = {}
        for words in self.tags:
            if len(words) > 1:
                widths.setdefault(words[0], set()).add(len(words))
        self.widths = {word: tuple(sorted(sizes, reverse=True)) for word, sizes in widths.items()}
        self.rules = tuple(
            _Rule(
                name,
                _REVOKE if kind == _ALONE else Verdict(kind),
                _compile(pattern, fold),
                kind == _ALONE,
                _needs(pattern, fold),
            )
            for kind, name, pattern in rules
        )
        by_tag: dict[str, list[int]] = {}
        for index, rule in enumerate(self.rules):
            for tag in rule.needs:
                by_tag.setdefault(tag, []).append(index)
        self.rules_needing = {tag: tuple(indexes) for tag, indexes in by_tag.items()}

    def tagged(self, words: tuple[str, ...]) -> tuple[list[str], int]:
        """The sentence as tags and unknown words, longest phrase first, and how many words it knew."""
        folded = words if self.fold is _same else tuple(self.fold(word) for word in words)
        out: list[str] = []
        known = 0
        index = 0
        while index < len(folded):
            word = folded[index]
            for size in self.widths.get(word, ()):
                tags = self.tags.get(folded[index : index + size])
                if tags is not None:
                    break
            else:
                size = 1
                tags = self.words.get(word)
            if tags is None:
                out.append(word)
            else:
                out.extend(tags)
                known += size
            index += size
        return out, known

    def judge(self, sentences: tuple[_Sentence, ...]) -> tuple[PhraseMatch | None, int]:
        # One text for the whole reply, its sentences apart by "." tokens that no gap crosses, so
        # that each rule runs once per reply however many sentences it has.
        tagged = [self.tagged(sentence.words) for sentence in sentences]
        starts: list[int] = []
        pieces: list[str] = []
        offset = 0
        for tags, _ in tagged:
            starts.append(offset)
            pieces.append(" ".join(tags) + " ")
            offset += len(pieces[-1]) + 2
        text = ". ".join(pieces)
        every_tag = {tag for tags, _ in tagged for tag in tags}
        bare = every_tag <= _BARE
        laughing = "LOL" in every_tag
        known = sum(count for _, count in tagged)
        findings = list(self._findings(text, every_tag))
        # A complaint beside a bare "stop" is its reason: "u keep sending me msgs, stop plz"; a word
        # about messages is not ("Stop, text me later").
        context = any(not rule.alone for rule, _ in findings)
        best: PhraseMatch | None = None
        for rule, at in findings:
            index = bisect_right(starts, at) - 1
            sentence, (tags, _) = sentences[index], tagged[index]
            verdict, name = rule.verdict, rule.name
            if verdict is Verdict.REVOCATION:
                # Each of these makes a reasonable reader hesitate; a person decides instead.
                if sentence.asked if rule.alone else _questioning(sentence, tags):
                    verdict, name = Verdict.UNCLEAR, f"{name}/question"
                elif laughing:  # "stop it 😂", "my wife said no more texts at dinner lol"
                    verdict, name = Verdict.UNCLEAR, f"{name}/laughing"
                elif _CONDITION.search(text, _clause_start(text, at), at):  # "if you stop texting me, ..."
                    verdict, name = Verdict.UNCLEAR, f"{name}/if"
                elif rule.alone and not (context or bare):
                    verdict, name = Verdict.UNCLEAR, f"{name}/chat"
            if best is None or _STRENGTH[verdict] > _STRENGTH[best.verdict]:
                best = PhraseMatch(verdict, self.code, name)
        return best, known

    def _findings(self, text: str, present: set[str]) -> Iterator[tuple[_Rule, int]]:
        """Each rule's matches and where they start, in the table's order (negation first); a
        match overlapping one found before does not count, and negation claims its whole clause."""
        claimed = bytearray(len(text))
        candidates = {index for tag in present for index in self.rules_needing.get(tag, ())}
        for index in sorted(candidates):
            rule = self.rules[index]
            position = 0
            while (found := rule.pattern.search(text, position)) is not None:
                start, end = found.span()
                if claimed.find(1, start, end) >= 0:
                    position = start + 1
                    continue
                if rule.verdict is not Verdict.NONE:
                    yield rule, start
                elif _CONDITION.search(text, _clause_start(text, start), start):
                    position = end  # "if you don't stop, ..." threatens; it does not ask to go on
                    continue
                else:  # negation reaches to the end of its clause
                    clause_end = _CLAUSE_END.search(text, end)
                    end = clause_end.start() if clause_end is not None else len(text)
                claimed[start:end] = b"\x01" * (end - start)
                position = end


_CLAUSE_END = re.compile(r"[,.] ")
_CONDITION = re.compile(r"(?<![^ ])IF ")


def _clause_start(text: str, at: int) -> int:
    return max(text.rfind(", ", 0, at), text.rfind(". ", 0, at), 0)


def _questioning(sentence: _Sentence, tags: list[str]) -> bool:
    opening = next((tag for tag in tags if tag not in ("PLEASE", "FILL", ",")), None)
    if opening == "REQ":
        return False  # "can you remove me?" asks politely; it is still a request
    return sentence.asked or opening in _QUESTION_OPENERS


_LANGUAGES = (
    _Language("en", _EN, _EN_RULES),
    _Language("de", _DE, _DE_RULES, _german_fold),
    _Language("nl", _NL, _NL_RULES),
    _Language("fr", _FR, _FR_RULES),
    _Language("es", _ES, _ES_RULES),
    _Language("pl", _PL, _PL_RULES),
)
