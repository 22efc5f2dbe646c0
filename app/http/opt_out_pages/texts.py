"""The words of the opt-out link pages, in each language they are offered in, and the pick of
one by the browser's Accept-Language."""

from dataclasses import dataclass

from app.enums import Channel

DEFAULT_LANGUAGE = "en"
# The reasons a person may pick; the English text is what is stored, so a history reads alike.
REASONS = ("too_many", "not_relevant", "never_signed_up", "other")


@dataclass(frozen=True)
class Texts:
    title: str
    question: str  # {token}, {channel}
    reason_label: str
    no_reason: str
    reasons: dict[str, str]
    confirm: str
    done_title: str
    done: str  # {token}, {channel}
    undo: str
    undone_title: str
    undone: str  # {token}, {channel}
    not_found_title: str
    not_found: str
    too_many_title: str
    too_many: str
    bad_request_title: str
    bad_request: str
    channels: dict[Channel, str]


TEXTS = {
    "en": Texts(
        title="Unsubscribe",
        question="Stop {channel} to {token}?",
        reason_label="Why are you unsubscribing? (optional)",
        no_reason="Prefer not to say",
        reasons={
            "too_many": "Too many messages",
            "not_relevant": "Not relevant to me",
            "never_signed_up": "I never signed up",
            "other": "Other",
        },
        confirm="Unsubscribe",
        done_title="You are unsubscribed",
        done="{token} will get no more {channel} from this sender.",
        undo="Undo: subscribe again",
        undone_title="You are subscribed again",
        undone="{token} will get {channel} from this sender again.",
        not_found_title="This link is not valid",
        not_found="Check that the whole link was copied, or contact the sender.",
        too_many_title="Too many attempts",
        too_many="Please wait a minute, then try again.",
        bad_request_title="This request could not be read",
        bad_request="Please go back to the link and try again.",
        channels={
            Channel.SMS: "text messages",
            Channel.WHATSAPP: "WhatsApp messages",
            Channel.VOICE: "calls",
            Channel.RCS: "RCS messages",
            Channel.EMAIL: "e-mails",
        },
    ),
    "de": Texts(
        title="Abmelden",
        question="Keine {channel} mehr an {token}?",
        reason_label="Warum melden Sie sich ab? (optional)",
        no_reason="Keine Angabe",
        reasons={
            "too_many": "Zu viele Nachrichten",
            "not_relevant": "Für mich nicht relevant",
            "never_signed_up": "Ich habe mich nie angemeldet",
            "other": "Anderer Grund",
        },
        confirm="Abmelden",
        done_title="Sie sind abgemeldet",
        done="{token} erhält von diesem Absender keine {channel} mehr.",
        undo="Rückgängig: wieder anmelden",
        undone_title="Sie sind wieder angemeldet",
        undone="{token} erhält von diesem Absender wieder {channel}.",
        not_found_title="Dieser Link ist ungültig",
        not_found="Prüfen Sie, ob der ganze Link kopiert wurde, oder wenden Sie sich an den Absender.",
        too_many_title="Zu viele Versuche",
        too_many="Bitte warten Sie eine Minute und versuchen Sie es dann erneut.",
        bad_request_title="Diese Anfrage konnte nicht gelesen werden",
        bad_request="Bitte öffnen Sie den Link erneut und versuchen Sie es noch einmal.",
        channels={
            Channel.SMS: "SMS",
            Channel.WHATSAPP: "WhatsApp-Nachrichten",
            Channel.VOICE: "Anrufe",
            Channel.RCS: "RCS-Nachrichten",
            Channel.EMAIL: "E-Mails",
        },
    ),
    "nl": Texts(
        title="Afmelden",
        question="Geen {channel} meer naar {token}?",
        reason_label="Waarom meldt u zich af? (optioneel)",
        no_reason="Zeg ik liever niet",
        reasons={
            "too_many": "Te veel berichten",
            "not_relevant": "Niet relevant voor mij",
            "never_signed_up": "Ik heb me nooit aangemeld",
            "other": "Andere reden",
        },
        confirm="Afmelden",
        done_title="U bent afgemeld",
        done="{token} krijgt van deze afzender geen {channel} meer.",
        undo="Ongedaan maken: opnieuw aanmelden",
        undone_title="U bent weer aangemeld",
        undone="{token} krijgt van deze afzender weer {channel}.",
        not_found_title="Deze link is niet geldig",
        not_found="Controleer of de hele link is gekopieerd, of neem contact op met de afzender.",
        too_many_title="Te veel pogingen",
        too_many="Wacht een minuut en probeer het dan opnieuw.",
        bad_request_title="Dit verzoek kon niet worden gelezen",
        bad_request="Open de link opnieuw en probeer het nog eens.",
        channels={
            Channel.SMS: "sms'jes",
            Channel.WHATSAPP: "WhatsApp-berichten",
            Channel.VOICE: "oproepen",
            Channel.RCS: "RCS-berichten",
            Channel.EMAIL: "e-mails",
        },
    ),
    "fr": Texts(
        title="Se désabonner",
        question="Vous désabonner des {channel} envoyés à {token} ?",
        reason_label="Pourquoi vous désabonnez-vous ? (facultatif)",
        no_reason="Je préfère ne pas le dire",
        reasons={
            "too_many": "Trop de messages",
            "not_relevant": "Cela ne me concerne pas",
            "never_signed_up": "Je ne me suis jamais inscrit",
            "other": "Autre raison",
        },
        confirm="Se désabonner",
        done_title="Vous êtes désabonné",
        done="{token} ne recevra plus ces {channel} de cet expéditeur.",
        undo="Annuler : me réabonner",
        undone_title="Vous êtes de nouveau abonné",
        undone="{token} recevra de nouveau les {channel} de cet expéditeur.",
        not_found_title="Ce lien n'est pas valide",
        not_found="Vérifiez que le lien a été copié en entier, ou contactez l'expéditeur.",
        too_many_title="Trop de tentatives",
        too_many="Veuillez patienter une minute, puis réessayer.",
        bad_request_title="Cette demande n'a pas pu être lue",
        bad_request="Veuillez rouvrir le lien et réessayer.",
        channels={
            Channel.SMS: "SMS",
            Channel.WHATSAPP: "messages WhatsApp",
            Channel.VOICE: "appels",
            Channel.RCS: "messages RCS",
            Channel.EMAIL: "e-mails",
        },
    ),
    "es": Texts(
        title="Darse de baja",
        question="¿Dejar de recibir {channel} en {token}?",
        reason_label="¿Por qué se da de baja? (opcional)",
        no_reason="Prefiero no decirlo",
        reasons={
            "too_many": "Demasiados mensajes",
            "not_relevant": "No me interesa",
            "never_signed_up": "Nunca me suscribí",
            "other": "Otro motivo",
        },
        confirm="Darse de baja",
        done_title="Se ha dado de baja",
        done="{token} ya no recibirá {channel} de este remitente.",
        undo="Deshacer: suscribirme de nuevo",
        undone_title="Se ha suscrito de nuevo",
        undone="{token} volverá a recibir {channel} de este remitente.",
        not_found_title="Este enlace no es válido",
        not_found="Compruebe que ha copiado el enlace completo o póngase en contacto con el remitente.",
        too_many_title="Demasiados intentos",
        too_many="Espere un minuto y vuelva a intentarlo.",
        bad_request_title="No se ha podido leer esta solicitud",
        bad_request="Vuelva a abrir el enlace e inténtelo de nuevo.",
        channels={
            Channel.SMS: "SMS",
            Channel.WHATSAPP: "mensajes de WhatsApp",
            Channel.VOICE: "llamadas",
            Channel.RCS: "mensajes RCS",
            Channel.EMAIL: "correos electrónicos",
        },
    ),
    "pl": Texts(
        title="Wypisz się",
        question="Zrezygnować z {channel} na {token}?",
        reason_label="Dlaczego się wypisujesz? (opcjonalnie)",
        no_reason="Wolę nie podawać",
        reasons={
            "too_many": "Za dużo wiadomości",
            "not_relevant": "Nie dotyczy mnie",
            "never_signed_up": "Nigdy się nie zapisywałem/-am",
            "other": "Inny powód",
        },
        confirm="Wypisz się",
        done_title="Wypisano Cię",
        done="{token} nie będzie już otrzymywać {channel} od tego nadawcy.",
        undo="Cofnij: zapisz mnie ponownie",
        undone_title="Zapisano Cię ponownie",
        undone="Cofnięto rezygnację z {channel} dla {token}.",
        not_found_title="Ten link jest nieprawidłowy",
        not_found="Sprawdź, czy skopiowano cały link, lub skontaktuj się z nadawcą.",
        too_many_title="Zbyt wiele prób",
        too_many="Odczekaj minutę i spróbuj ponownie.",
        bad_request_title="Nie udało się odczytać żądania",
        bad_request="Otwórz link ponownie i spróbuj jeszcze raz.",
        channels={
            Channel.SMS: "SMS-ów",  # genitive: every sentence above takes it
            Channel.WHATSAPP: "wiadomości WhatsApp",
            Channel.VOICE: "połączeń",
            Channel.RCS: "wiadomości RCS",
            Channel.EMAIL: "e-maili",
        },
    ),
}
MAX_ACCEPT_LANGUAGE_PARTS = 20  # a header of thousands of ranges is not read to its end


def stored_reason(key: str) -> str:
    return TEXTS[DEFAULT_LANGUAGE].reasons[key]


def pick_language(accept_language: str | None) -> str:
    """The best offered language of an Accept-Language header (RFC 9110: q-values, ranges such
    as de-CH matching de); English when none is offered."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (accept_language or "").split(",")[:MAX_ACCEPT_LANGUAGE_PARTS]:
        tag, _, parameters = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        q = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                continue
        # Equal weights keep the header's order: the first listed wins.
        if language in TEXTS and q > best_q and 0 < q <= 1:
            best, best_q = language, q
    return best
