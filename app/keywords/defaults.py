"""The keywords and texts an account has until it sets its own (updateKeywords).

The opt-out words are those carriers and the systems Stoplist was designed from honour
(CM.com, SMSGlobal, ActiveCampaign, respond.io) and their usual forms in German, Dutch,
French, Spanish and Polish. STOPALL opts out of every phone channel; the others of SMS."""

OPT_OUT = (
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT OUT",
    "STOPP",
    "ABMELDEN",
    "ABBESTELLEN",
    "AFMELDEN",
    "UITSCHRIJVEN",
    "ARRET",
    "ARRÊT",
    "DESABONNER",
    "BAJA",
    "ALTO",
    "CANCELAR",
    "WYPISZ",
    "REZYGNUJE",
)
OPT_IN = ("START", "UNSTOP")
HELP = ("HELP", "INFO", "HILFE", "AIDE", "AYUDA", "POMOC")

# Names no offer: a confirmation must never read as marketing.
CONFIRMATION_TEXT = "You have been unsubscribed and will receive no more messages from us. Reply START to resubscribe."
HELP_TEXT = "Reply STOP to unsubscribe, START to subscribe again."

STOP_ALL = "STOPALL"  # the opt-out word that means every phone channel
