"""Self-references in German, Spanish, French and Portuguese (issue 24), as classes, not lists.

The same shape as the English rules in ``phrases``: a leading literal (first person, possessive
or time phrase), then groups of continuations. Rules are written against the *folded* text:
lower case, accents gone (``für`` is ``fur``, ``créé`` is ``cree``, ``año`` is ``ano``), ``ß``
spelled ``ss``. Each class covers its inflections: gender (autor/autora, Entwickler/
Entwicklerin, créateur/créatrice), number, articles and case endings (mein/meine/meinem/meinen/
meiner), past and present ("trabajo"/"trabajé", "j'ai travaillé").

- "plain" identifies on its own (my blog, our company, my talk last year);
- "object" identifies on its own and takes along the capitalised name after it (I work at …,
  I am the author of …, I created …);
- "needs" is too common in ordinary prose to flag unless a capitalised name follows ("trabalho
  na Petrobras" is a leak, "o trabalho na prática" is not).
"""

from __future__ import annotations

# --- Spanish ------------------------------------------------------------------------------------
_ES_ROLE = (
    r"(?:co-?)?(?:autor|creador|mantenedor|fundador|desarrollador|contribuidor|colaborador"
    r"|organizador|inventor|disenador)(?:a|as|es)?|responsables?|maintainers?"
)
_ES_BE_ROLE = (
    rf"(?:el |la |los |las |un |una |uno de los |una de las )?(?:principal(?:es)? |actual )?"
    rf"(?:{_ES_ROLE}) (?:de|del|detras de)\b"
)
_ES_TALK = r"(?:charla|presentacion|ponencia|taller|tutorial|keynote|conferencia)"
_ES_CHANNEL = (
    r"(?:empresa|compania|empleador|startup|blog|sitio(?: web)?|pagina(?: web)?(?: personal)?"
    r"|web personal|canal(?: de youtube)?|podcast|boletin|newsletter|tesis|doctorado|github"
    r"|twitter|mastodon|linkedin|perfil|libro|biblioteca|libreria)\b"
)

# --- German -------------------------------------------------------------------------------------
_DE_ROLE = (
    r"(?:haupt|mit|co-?|kern|core-?)?(?:autor|maintainer|entwickler|grunder|erfinder|schopfer"
    r"|betreuer|organisator|initiator)(?:in|innen|en|n)?"
)
_DE_BE_ROLE = (
    rf"(?:der |die |ein |eine |einer der |eine der |einer von den |eine von den )?"
    rf"(?:{_DE_ROLE}) (?:von|des|der|bei|hinter)\b"
)
_DE_TALK = r"(?:vortrag|vortrage|talk|talks|workshop|workshops|keynote|tutorial)"
_DE_CHANNEL = (
    r"(?:arbeitgeber|unternehmen|firma|startup|blog|webseite|website|homepage|podcast|kanal"
    r"|youtube-kanal|github|twitter|mastodon|linkedin|buch|doktorarbeit|dissertation"
    r"|masterarbeit|bibliothek)\b"
)
_DE_LAST = r"(?:letzte[nsmr]? jahr|vorjahr|vom letzten jahr|im letzten jahr)"

# --- French -------------------------------------------------------------------------------------
_FR_ROLE = (
    r"(?:co-?)?(?:auteure?|autrice|createur|creatrice|mainteneur|mainteneuse|fondateur"
    r"|fondatrice|developpeur|developpeuse|contributeur|contributrice|organisateur"
    r"|organisatrice|inventeur|inventrice|responsable|maintainer)s?"
)
_FR_BE_ROLE = (
    rf"(?:le |la |l'|un |une |l'un des |l'une des |un des |une des )?"
    rf"(?:principale? )?{_FR_ROLE} (?:(?:de|du|des)\b|d')"
)
_FR_TALK = r"(?:expose|talk|atelier|tutoriel|presentation|conference|intervention)"
_FR_LAST = r"(?:de l'an dernier|de l'annee derniere|de l'an passe|de l'annee passee)"

# --- Portuguese ---------------------------------------------------------------------------------
_PT_ROLE = (
    r"(?:co-?)?(?:autor|criador|mantenedor|fundador|desenvolvedor|contribuidor|colaborador"
    r"|organizador|inventor)(?:a|as|es)?|responsave(?:l|is)|maintainers?"
)
_PT_BE_ROLE = (
    rf"(?:o |a |os |as |um |uma |um dos |uma das )?(?:principa(?:l|is) |atual )?"
    rf"(?:{_PT_ROLE}) (?:do|da|dos|das|de|por tras d[oa])\b"
)
_PT_TALK = r"(?:palestra|apresentacao|talk|oficina|tutorial|keynote)"
_PT_WHERE = r"(?:na|no|em|para|pela|pelo|numa|num)\b"
_PT_PROJECT = r"(?:biblioteca|pacote|projeto|modulo|framework|ferramenta)s?\b"

# "I wrote the library X": a verb of making, then the kind of work, then its name (the rule
# "needs" the name, so "escribí la biblioteca de pruebas" stays clean).
_ES_WORK = (
    r"(?:la |el |una |un |mi )?(?:libreria|biblioteca|paquete|proyecto|herramienta|libro"
    r"|modulo|framework)\b"
)
_FR_WORK = (
    r"(?:la |le |l'|une |un |ma |mon )?(?:bibliotheque|librairie|paquet|projet|outil|module"
    r"|livre|framework)\b"
)
_PT_WORK = rf"(?:a |o |uma |um |minha |meu )?(?:{_PT_PROJECT}|livro\b)"

# "As the author of …" (English "as "): only roles that belong to one project or company. "Como
# desarrolladores de Python" and "als Entwickler von Webanwendungen" address the audience.
# Without an article ("como autora de código") it is a name that makes it a leak.
_ES_PT_AS_ROLE = (
    r"(?:co-?)?(?:autor|creador|criador|mantenedor|fundador)(?:a|as|es)?"
    r" (?:de|del|do|da|dos|das)\b"
)
_ES_PT_AS = (
    r"(?:el |la |o |a |un |una |um |uno de los |una de las |um dos |uma das )" + _ES_PT_AS_ROLE
)
_DE_AS = (
    r"(?:der |die |ein |eine |einer der |eine der )?(?:haupt|mit|co-?|kern)?"
    r"(?:autor|maintainer|grunder|erfinder|schopfer)(?:in)? (?:von|des|der|hinter)\b"
)
_FR_AS = (
    r"(?:que |qu')(?:l'un des |l'une des |un des |une des )?(?:co-?)?(?:auteure?|autrice"
    r"|createur|creatrice|mainteneur|mainteneuse|fondateur|fondatrice)s? (?:(?:de|du|des)\b|d')"
)

RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "como ": {"object": (_ES_PT_AS,), "needs": (_ES_PT_AS_ROLE,)},
    "als ": {"object": (_DE_AS,)},
    "en tant ": {"object": (_FR_AS,)},
    # Spanish
    "soy ": {
        "object": (_ES_BE_ROLE, r"(?:emplead[oa]|contratad[oa]) (?:en|de|por)\b"),
        "needs": (r"[a-z -]{3,40}? (?:en|de)\b",),
    },
    # "trabajo en" is also the noun ("el trabajo en equipo"): a name or a company must follow.
    "trabajo ": {
        "object": (
            r"(?:actualmente )?(?:en|para) (?:una |la |el )?(?:empresa|startup|consultora"
            r"|compania)\b",
            r"como [a-z -]{3,40}? (?:en|para)\b",
        ),
        "needs": (r"(?:actualmente )?(?:en|para)\b",),
    },
    "trabaje ": {"object": (r"(?:en|para)\b",)},
    "estoy ": {
        "object": (r"(?:emplead[oa]|contratad[oa]) (?:en|por)\b",),
        "needs": (r"trabajando (?:en|para)\b",),
    },
    "he ": {
        "object": (r"(?:co-?)?(?:creado|fundado|inventado)\b",),
        "needs": (
            rf"(?:escrito|desarrollado|construido|disenado|publicado) {_ES_WORK}",
            r"(?:escrito|desarrollado|construido|disenado|publicado)\b",
        ),
    },
    "mantengo ": {
        "object": (rf"(?:el |la |los |las |un |una )?{_PT_PROJECT}",),
        "needs": (r"\b",),
    },
    "cree ": {"needs": (_ES_WORK, r"\b")},
    "desarrolle ": {"needs": (_ES_WORK, r"\b")},
    "escribi ": {"needs": (_ES_WORK,)},
    "desarrollo ": {"needs": (rf"(?:desde [0-9]{{4}} )?{_ES_WORK}",)},
    "mi ": {
        "plain": (
            _ES_CHANNEL,
            rf"{_ES_TALK} (?:anterior|previa|del ano pasado|de la edicion anterior)\b",
            r"nombre es\b",
        ),
        "object": (r"(?:equipo|grupo|laboratorio|departamento) en\b",),
        "needs": (rf"{_ES_TALK} en\b", r"(?:proyecto|herramienta|equipo) (?:de|en)\b"),
    },
    "mis ": {
        "plain": (r"(?:charlas|presentaciones|ponencias|talleres|articulos|libros) anteriores\b",),
        "object": (r"(?:companeros|companeras|colegas) (?:en|de la empresa)\b",),
    },
    "nuestra ": {
        "plain": (r"(?:empresa|compania|startup|organizacion)\b",),
        "needs": (r"(?:empresa|compania|startup) \b",),
    },
    "nuestro ": {
        "plain": (r"empleador\b",),
        "object": (r"(?:equipo|grupo|laboratorio|departamento) en\b",),
    },
    "me llamo ": {"plain": (r"\b",)},
    "ano passado": {
        "plain": (r",? (?:apresentei|palestrei|falei|dei)\b",),
        "needs": (r" (?:na|no|em)\b",),
    },
    "ano pasado": {
        "plain": (r",? (?:di|presente|hable|dimos|presentamos)\b",),
        "needs": (r" en\b",),
    },
    # German
    "ich bin ": {
        "object": (
            _DE_BE_ROLE,
            r"(?:angestellt|beschaftigt|tatig) (?:bei|an|fur|in)\b",
            # The verb last: "ich bin bei Initech angestellt".
            r"(?:seit [a-z0-9 ]{1,20}? )?bei [a-z0-9 &.-]{2,40}? "
            r"(?:angestellt|beschaftigt|tatig)\b",
        ),
        "needs": (r"[a-z -]{3,40}? bei\b",),
    },
    "ich arbeite ": {
        "object": (
            r"(?:seit [a-z0-9 ]{1,20}? |derzeit |aktuell |momentan |hauptberuflich )?"
            r"(?:bei|fur)\b",
            r"als [a-z -]{3,40}? (?:bei|fur)\b",
            r"in (?:der|einer) firma\b",
        ),
    },
    "ich habe ": {
        "object": (
            r"(?:bei|fur) [a-z0-9 &.-]{2,40}? gearbeitet\b",
            r"[a-z0-9 -]{1,40}? (?:mitgegrundet|gegrundet|erfunden|ins leben gerufen)\b",
        ),
    },
    # German capitalises every noun, so "needs" (a capitalised word after) is weak evidence
    # here: the German rules use it only after a job title ("ich bin Entwicklerin bei …").
    "ich pflege ": {
        "object": (r"(?:die |das |den |ein |eine )?(?:bibliothek|paket|projekt|modul|tool)\b",),
    },
    "ich betreue ": {
        "object": (r"(?:die |das |den |ein |eine )?(?:bibliothek|paket|projekt|modul|tool)\b",),
    },
    "ich heisse ": {"plain": (r"\b",)},
    "mein ": {
        "plain": (
            _DE_CHANNEL,
            r"name (?:ist|lautet)\b",
            rf"(?:letzter|fruherer|voriger) {_DE_TALK}\b",
            rf"{_DE_TALK} (?:{_DE_LAST}|auf meinem)\b",
        ),
        "object": (rf"{_DE_TALK} (?:auf|bei|von) der\b", r"team bei\b"),
        "needs": (rf"{_DE_TALK} (?:auf|bei)\b",),
    },
    "meine ": {
        "plain": (_DE_CHANNEL, rf"(?:letzten |fruheren )?{_DE_TALK} {_DE_LAST}\b"),
        "object": (r"(?:kollegen|kolleginnen|abteilung|gruppe|firma) bei\b",),
    },
    "meinem ": {
        "plain": (_DE_CHANNEL, rf"(?:letzten |fruheren )?{_DE_TALK}\b"),
        "object": (r"(?:team|labor|institut) bei\b",),  # "in meinem Team bei …"
    },
    "meiner ": {"plain": (_DE_CHANNEL,)},
    "meinen ": {
        "plain": (_DE_CHANNEL, rf"(?:letzten|fruheren) {_DE_TALK}\b"),
    },
    "unser ": {"plain": (r"(?:arbeitgeber|unternehmen|startup)\b",), "object": (r"team bei\b",)},
    "unsere ": {"plain": (r"firma\b",), "object": (r"(?:abteilung|gruppe) bei\b",)},
    "unserem ": {"plain": (r"(?:arbeitgeber|unternehmen|startup|team)\b",)},
    "unserer ": {"plain": (r"firma\b",)},
    "bei uns ": {"plain": (r"(?:in der firma|im unternehmen)\b",)},
    "letztes jahr": {
        "plain": (r",? (?:habe ich|hielt ich|sprach ich|war ich)\b",),
        "needs": (r" (?:auf|bei)(?: der| dem)?\b",),
    },
    # French
    "je suis ": {
        "object": (_FR_BE_ROLE, r"(?:employee?|salariee?|embauchee?) (?:chez|de|par)\b"),
        "needs": (r"[a-z -]{3,40}? chez\b",),
    },
    "je travaille ": {
        "object": (
            r"(?:actuellement |aujourd'hui |depuis [a-z0-9 ]{1,20}? )?(?:chez|pour)\b",
            r"en tant que [a-z -]{3,40}? (?:chez|pour)\b",
        ),
        "needs": (r"(?:a|au|dans)\b",),
    },
    "j'ai ": {
        "object": (
            r"(?:co-?)?(?:cree|fonde|invente|lance)\b",
            r"travaille (?:chez|pour)\b",
        ),
        "needs": (
            rf"(?:ecrit|developpe|concu|construit|publie) {_FR_WORK}",
            r"(?:ecrit|developpe|concu|construit|publie)\b",
        ),
    },
    "je maintiens ": {
        "object": (
            r"(?:la |le |les |l')?(?:bibliotheque|librairie|paquet|projet|module|outil)s?\b",
        ),
        "needs": (r"\b",),
    },
    "je developpe ": {"needs": (_FR_WORK, r"\b")},
    "je m'appelle ": {"plain": (r"\b",)},
    "mon ": {
        "plain": (
            r"(?:entreprise|employeur|blog|site(?: web| perso(?:nnel)?)?|podcast|github|twitter"
            r"|mastodon|linkedin|livre|compte (?:github|twitter)|nom est)\b",
            rf"(?:precedent |dernier )?{_FR_TALK} {_FR_LAST}",
            rf"precedent {_FR_TALK}\b",
        ),
        "object": (r"(?:equipe|labo|laboratoire|departement) chez\b",),
        "needs": (rf"{_FR_TALK} (?:a|au)\b", r"(?:projet|equipe|outil)\b"),
    },
    "ma ": {
        "plain": (
            r"(?:societe|startup|boite|chaine(?: youtube)?|these|bibliotheque|librairie)\b",
            rf"(?:precedente |derniere )?{_FR_TALK} {_FR_LAST}",
            rf"precedente {_FR_TALK}\b",
        ),
        "object": (r"(?:societe|boite|startup) \b",),
    },
    "mes ": {
        "plain": (r"(?:precedents exposes|precedentes presentations|anciens exposes)\b",),
        "object": (r"collegues (?:chez|de)\b",),
    },
    "notre ": {
        "plain": (r"(?:entreprise|societe|startup|employeur|boite)\b",),
        "object": (r"(?:equipe|labo|laboratoire) chez\b",),
    },
    "l'an dernier": {
        "plain": (r",? j'ai (?:presente|donne|parle)\b",),
        "needs": (r" (?:a|au)\b",),
    },
    "l'annee derniere": {
        "plain": (r",? j'ai (?:presente|donne|parle)\b",),
        "needs": (r" (?:a|au)\b",),
    },
    "ici ": {"needs": (r"chez\b",)},
    # Portuguese
    "sou ": {
        "object": (_PT_BE_ROLE, r"(?:funcionari[oa]|empregad[oa]|contratad[oa]) (?:da|do|na|no)\b"),
        "needs": (r"[a-z -]{3,40}? (?:na|no|da|do)\b",),
    },
    "eu trabalho ": {
        "object": (
            rf"(?:atualmente |hoje |ha [a-z0-9 ]{{1,20}}? )?{_PT_WHERE}",
            rf"como [a-z -]{{3,40}}? {_PT_WHERE}",
        ),
    },
    "atualmente trabalho ": {"object": (_PT_WHERE,)},
    "trabalho ": {
        "object": (r"(?:numa|em uma|na) (?:empresa|startup|consultoria)\b",),
        "needs": (_PT_WHERE,),
    },
    "trabalhei ": {"needs": (_PT_WHERE,)},
    "criei ": {"object": (r"\b",)},
    "eu criei ": {"object": (r"\b",)},
    "fundei ": {"object": (r"\b",)},
    "desenvolvi ": {"needs": (_PT_WORK, r"\b")},
    "escrevi ": {"needs": (_PT_WORK, r"\b")},
    "desenvolvo ": {"needs": (_PT_WORK,)},
    "mantenho ": {
        "object": (rf"(?:a |o |os |as )?{_PT_PROJECT}",),
        "needs": (r"\b",),
    },
    "meu ": {
        "plain": (
            r"(?:empregador|blog|site(?: pessoal)?|canal(?: no youtube)?|podcast|github|twitter"
            r"|mastodon|linkedin|livro|perfil|nome e)\b",
            rf"{_PT_TALK} (?:anterior|do ano passado)\b",
        ),
        "object": (r"(?:time|grupo|laboratorio|departamento) (?:na|no)\b",),
        "needs": (r"(?:projeto|time|grupo) (?:na|no|da|do)\b",),
    },
    "minha ": {
        "plain": (
            r"(?:empresa|startup|tese|dissertacao|biblioteca|pagina pessoal)\b",
            rf"{_PT_TALK} (?:anterior|do ano passado)\b",
        ),
        "object": (r"equipe (?:na|no)\b",),
        "needs": (rf"{_PT_TALK} (?:na|no)\b",),
    },
    "minhas ": {"plain": (r"(?:palestras|apresentacoes) anteriores\b",)},
    "nossa ": {"plain": (r"(?:empresa|startup)\b",), "object": (r"equipe (?:na|no)\b",)},
    "nosso ": {"plain": (r"(?:empregador|escritorio)\b",), "object": (r"time (?:na|no)\b",)},
    "meu nome ": {"plain": (r"e\b",)},
}
