"""Word lists. Kept small on purpose: they only decide whether a lone name part is evidence."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Ordinary words (English first, a few from the other languages of Python conferences) that are
# also given names or surnames. Lone matches of these would mostly hit the word, not the person.
_COMMON_WORDS = _words(
    """
    a an and are as at be but by for from has have he her his how i if in is it its me my no not
    of on or our she so than that the their them then there these they this to up us we what
    when where which who why will with you your all any can may might must one two new old
    about above after again against also always am among back been before being below best
    better big both bring call came case chance change close come cost could day days dear did
    do does done down each early end even ever every face fact fair far few field find fine first
    free full gave get give go going good got great had half hand hard head hear help here high
    hold home hope just keep kind king know land large last late lead left less let life light
    like line little long look lot love made main make man many mark mean meet men mind miss
    more most move much name near need never next nice night none now number off often only
    open other out over own page part past pay people place plan play point post power press
    price put rather read real rest rich right run said same saw say see seem set shall short
    should show side since small some soon sort sound start state still stop such sure take
    talk tell test text thing think those though time today together too top true try turn under
    until upon use very view walk want was way well went were while whole why wide wish word work
    world would year yes yet young

    ash bay bell berry bird black blue bond brown bush cash chase cook cross crow dale dash
    dawn dean doll drew duke earl fay fisher ford forest fox frank frost gale glass gold golden
    gray green grey guy hall ham hart heath hill holly house hunter iris ivy jade jay joy june
    april august summer winter autumn spring lamb lane law lee lily lord major march marsh mason
    may miles mill mills moon moore moss noble north park parker pearl pepper pierce pike pine
    porter prince rain ray reed rice ridge rivers robin rock rose ruby rush sage salt sharp
    shepherd silver smith snow south sparks spencer stark steel stone storm strong sun swan
    taylor thorn tower turner wall ward warren waters weaver wells west white wolf wood woods
    wren york baker banks barber bishop brooks bull butler carpenter carter chance cliff
    cooper crane day dawson dove drake eagle gardener glen grant hay heart hope hopper joiner
    keys knight lake lance lark law little love mayer miller nash page palmer piper pound
    pratt price rich ross shaw short sky slater small spear stewart sterling street sweet
    temple tucker wise wing young faith grace hope patience honor chip grant penny lucky sunny
    will bill art pat rob sam sue max rex sol van

    data code python django flask test class type model node graph tree stack queue cloud
    server client query table index array vector matrix tensor function method object string
    list dict set map key value file path shell bash rust ruby julia go swift java scala spark
    kafka ray dask arrow click rich black poetry hypothesis celery pyramid twisted tornado bottle
    falcon sphinx jupyter docker linux apple amazon google oracle sage hugo nikola pelican

    de la le les du des da di del della dos das do van von der den ten ter zu y e el al bin ibn
    ben st mac dr prof mr mrs ms mx sir phd jr sr ii iii iv md msc bsc mba eng ing

    blanco blanc bueno campos cruz flores leon luna paz ramos rosa santos vega petit grand roux
    klein lang lange koch fuchs vogel jung alt berg stein hahn braun schwarz weiss
    """
)

# Given names common enough that a lone mention is more likely someone else (or an example user).
_COMMON_GIVEN_NAMES = _words(
    """
    aaron adam adrian alan albert alex alexander alice alicia amanda amy andrea andreas andrew
    andy angela ann anna anne anthony antonio ashley barbara ben benjamin bob brian carlos carol
    catherine charles charlie chris christian christina christine christopher claire daniel
    david diana donna dan dave edward elizabeth emily emma eric erik frank gary george hannah
    helen henry jack james jane jason jeff jeffrey jennifer jessica jim joe john jonathan jose
    joseph josh juan julia julie karen kate katie kevin laura lisa luis maria mario mark martin
    mary matt matthew michael michelle mike nancy nick nicole olivia paul peter rachel richard
    robert ryan sara sarah scott sophie stephen steve steven susan thomas tim tom tony victor
    william ali mohamed mohammed muhammad ahmed wei jun li ming kim anton jan marco pedro pablo
    miguel manuel javier jorge francisco pierre jean michel marie sebastian stefan thomas alessandro
    giuseppe francesco luca andrea
    """
)

_HONORIFICS = _words("dr dra prof mr mrs ms mx sir phd jr sr ii iii iv md msc bsc mba eng ing")
_PARTICLES = _words(
    "de la le les du des da di del della dos das do van von der den ten ter zu y e el al bin ibn "
    "st mac"
)

# Affiliation values that say nothing about who the speaker is.
_NON_IDENTIFYING_AFFILIATIONS = _words(
    """
    none n/a na independent freelance freelancer self self-employed selfemployed student
    retired unemployed unaffiliated personal private individual consultant contractor
    university company startup home
    """
)

_LEGAL_SUFFIXES = _words(
    """
    inc incorporated ltd limited llc llp plc gmbh ag kg ug sa sas sarl srl spa bv nv ab oy as
    aps asa kk corp corporation co company pty pvt sl sro
    ltda eireli gbr ohg ev
    """
)
# The suffixes also taken along after an affiliation in the text: not ordinary words ("as").
_TEXT_LEGAL_SUFFIXES = _LEGAL_SUFFIXES - {"as", "co", "company", "ab", "sl", "sa", "ag", "ug"}
