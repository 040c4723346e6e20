"""A static mirror of ishr.ch as a WordPress site in three languages, for crawler and cleaner tests.

    build_ishr_site(folder) -> ground-truth rows

The shared mirrors (`../shared/data/sites`) carry one language and one template. ishr.ch publishes in
English, French and Spanish (WPML: `/latest-updates/<slug>/`, `/fr/actualites/<slug>/`,
`/es/noticias/<slug>/`), and its real markup was never seen here, so this mirror varies the theme
the way WordPress sites do: classic theme posts (`div.entry-content`), block-editor posts
(`main.wp-block-group`, `div.wp-block-post-content`) and page-builder posts (Elementor), where no
profile selector finds the body and the generic extractor must. Dates are written in each
language ("27 septembre 2013", "27 de septiembre de 2013"), with `<time datetime>` on some pages
only. Articles are found through `robots.txt` -> `/wp-sitemap.xml` (WordPress core's index of post,
page, category and user sitemaps) and through the listings, 10 posts a page.

The texts are short releases written for this mirror in ISHR's manner (some French and Spanish ones
translate English ones, linked by `hreflang` alternates and the header's language switcher), plus
the seed release of `../shared/data/seed/`, read at build time when it is there.

Rows have the shared mirrors' fields (path, canonical_path, id, title, date, tags, body, expected,
note) plus `lang` (ISO 639-1) and `layout` ("classic", "block", "builder"; "" for rows that are
not posts). Tricky pages, as in the shared mirrors: a `?utm_source=` duplicate, a robots-disallowed
post, a dead link, a PDF link and a `noindex` post; and WordPress pages, category archives and an
author archive that the sitemaps list and that must not become documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from tests.sites import SHARED

SEED = SHARED / "data" / "seed" / "000_44bc49f1fcb1a498.txt"
PER_PAGE = 10
SECTIONS = {"en": "/latest-updates/", "fr": "/fr/actualites/", "es": "/es/noticias/"}
LOCALES = {"en": "en_GB", "fr": "fr_FR", "es": "es_ES"}
DISALLOWED = "/latest-updates/embargoed-"  # robots.txt keeps crawlers out of embargoed posts
MARKER = "ROBOTS-DISALLOWED-PAGE"


@dataclass(frozen=True)
class Release:
    """One post: `key` groups translations of the same release."""

    key: str
    lang: str
    slug: str
    title: str
    date: str
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]
    layout: str = "classic"  # classic | block | builder
    machine_date: bool = False  # <time datetime> and article:published_time on the page
    html_lang: bool = True  # False: only og:locale says which language the page is in
    noindex: bool = False
    expected: str = "document"
    note: str = ""

    @property
    def path(self) -> str:
        """The post's url path."""
        return f"{SECTIONS[self.lang]}{self.slug}/"


def _r(key: str, lang: str, slug: str, title: str, day: str, tags: str, *paragraphs: str,
       **options: Any) -> Release:
    """A release, its tags written "A; B"."""
    labels = tuple(t.strip() for t in tags.split(";"))
    return Release(key, lang, slug, title, day, labels, paragraphs, **options)


RELEASES: tuple[Release, ...] = (
    _r("reprisals", "en", "hrc57-states-must-end-reprisals-against-those-who-cooperate-with-the-un",
       "Human Rights Council: States must end reprisals against those who cooperate with the UN",
       "2024-10-11", "Reprisals; UN Human Rights Council",
       "(Geneva, 11 October 2024) – States at the UN Human Rights Council have renewed their commitment to "
       "ending intimidation and reprisals against people who cooperate with the United Nations, but they "
       "must now match words with action, ISHR said as the Council’s 57th session closed today.",
       "The resolution adopted by consensus asks the Secretary-General to keep reporting every year on "
       "cases of reprisals, and encourages all UN bodies to appoint focal points who can receive "
       "allegations and follow up with the States concerned.",
       "Defenders who travel to Geneva or engage online with UN mechanisms continue to face travel bans, "
       "surveillance, smear campaigns and arbitrary detention. In many cases, the people targeted are "
       "lawyers, journalists and community leaders whose testimony the UN depends on.",
       "‘Reprisals are an attack on the UN itself: when defenders are punished for speaking to the "
       "Council, every State loses access to the information it needs to protect human rights,’ said "
       "ISHR’s advocacy director.",
       "ISHR calls on all members of the Council to respond publicly to the Secretary-General’s findings, "
       "to investigate every alleged case and to ensure that those responsible are held to account.",
       machine_date=True),
    _r("reprisals", "fr", "cdh57-les-etats-doivent-mettre-fin-aux-represailles",
       "Conseil des droits de l’homme : les États doivent mettre fin aux représailles contre celles et "
       "ceux qui coopèrent avec l’ONU",
       "2024-10-11", "Représailles; Conseil des droits de l’homme",
       "(Genève, 11 octobre 2024) – Les États membres du Conseil des droits de l’homme de l’ONU ont "
       "renouvelé leur engagement à mettre fin aux actes d’intimidation et de représailles contre les "
       "personnes qui coopèrent avec les Nations Unies, mais ils doivent désormais joindre les actes à la "
       "parole, a déclaré ISHR à la clôture de la 57e session du Conseil.",
       "La résolution adoptée par consensus demande au Secrétaire général de continuer à rendre compte "
       "chaque année des cas de représailles et encourage tous les organes de l’ONU à désigner des points "
       "focaux capables de recevoir les allégations et d’assurer un suivi auprès des États concernés.",
       "Les défenseur·e·s qui se rendent à Genève ou qui collaborent en ligne avec les mécanismes de l’ONU "
       "continuent de subir des interdictions de voyager, une surveillance, des campagnes de dénigrement "
       "et des détentions arbitraires. Souvent, les personnes visées sont des avocat·e·s, des journalistes "
       "et des responsables communautaires dont les témoignages sont indispensables à l’ONU.",
       "« Les représailles sont une attaque contre l’ONU elle-même : lorsque des défenseur·e·s sont punis "
       "pour s’être adressés au Conseil, tous les États perdent l’accès aux informations dont ils ont "
       "besoin pour protéger les droits humains », a déclaré la directrice du plaidoyer d’ISHR.",
       "ISHR appelle tous les membres du Conseil à répondre publiquement aux conclusions du Secrétaire "
       "général, à enquêter sur chaque cas allégué et à veiller à ce que les responsables rendent des "
       "comptes.",
       layout="block", machine_date=True),
    _r("reprisals", "es", "cdh57-los-estados-deben-poner-fin-a-las-represalias",
       "Consejo de Derechos Humanos: los Estados deben poner fin a las represalias contra quienes cooperan "
       "con la ONU",
       "2024-10-11", "Represalias; Consejo de Derechos Humanos",
       "(Ginebra, 11 de octubre de 2024) – Los Estados del Consejo de Derechos Humanos de la ONU renovaron "
       "su compromiso de poner fin a la intimidación y las represalias contra las personas que cooperan "
       "con las Naciones Unidas, pero ahora deben pasar de las palabras a los hechos, afirmó ISHR al "
       "cierre del 57.º período de sesiones del Consejo.",
       "La resolución, aprobada por consenso, pide al Secretario General que siga informando cada año "
       "sobre los casos de represalias y alienta a todos los órganos de la ONU a designar puntos focales "
       "que puedan recibir denuncias y dar seguimiento con los Estados implicados.",
       "Las personas defensoras que viajan a Ginebra o colaboran en línea con los mecanismos de la ONU "
       "siguen enfrentando prohibiciones de viaje, vigilancia, campañas de desprestigio y detenciones "
       "arbitrarias. Con frecuencia, las personas afectadas son abogadas, periodistas y líderes "
       "comunitarios cuyo testimonio es imprescindible para la ONU.",
       "«Las represalias son un ataque contra la propia ONU: cuando se castiga a las personas defensoras "
       "por hablar ante el Consejo, todos los Estados pierden el acceso a la información que necesitan "
       "para proteger los derechos humanos», declaró la directora de incidencia de ISHR.",
       "ISHR pide a todos los miembros del Consejo que respondan públicamente a las conclusiones del "
       "Secretario General, que investiguen cada caso denunciado y que garanticen que los responsables "
       "rindan cuentas."),
    _r("lamu", "en", "kenya-authorities-must-drop-charges-against-land-rights-defenders-in-lamu",
       "Kenya: Authorities must drop charges against land rights defenders in Lamu",
       "2024-09-03", "Kenya; Land rights; Human rights defenders",
       "(Nairobi, 3 September 2024) – Kenyan authorities must immediately drop the charges brought against "
       "five community land rights defenders in Lamu County, who were arrested after a peaceful meeting "
       "about a planned port expansion, ISHR and partner organisations said today.",
       "The defenders, members of a local fishers’ association, had gathered residents to discuss the "
       "impact of the project on fishing grounds and mangrove forests. They were charged with unlawful "
       "assembly and incitement, offences that carry prison sentences of up to seven years.",
       "The arrests follow a pattern of harassment against communities who question large infrastructure "
       "projects on the Kenyan coast. Community members told ISHR that police officers photographed "
       "participants and warned them not to speak to journalists.",
       "Kenya has committed, including during its last Universal Periodic Review, to protect human rights "
       "defenders and to guarantee freedom of peaceful assembly. Prosecuting people for holding a "
       "community meeting contradicts those commitments.",
       "The organisations call on the Director of Public Prosecutions to withdraw the case and on the "
       "National Land Commission to ensure that affected communities are meaningfully consulted before any "
       "further work begins.",
       layout="block"),
    _r("lamu", "fr", "kenya-abandonner-les-poursuites-contre-des-defenseurs-des-droits-fonciers-a-lamu",
       "Kenya : les autorités doivent abandonner les poursuites contre des défenseurs des droits fonciers "
       "à Lamu",
       "2024-09-03", "Kenya; Droits fonciers; Défenseur·e·s des droits humains",
       "(Nairobi, 3 septembre 2024) – Les autorités kényanes doivent immédiatement abandonner les "
       "poursuites engagées contre cinq défenseurs communautaires des droits fonciers du comté de Lamu, "
       "arrêtés après une réunion pacifique consacrée à un projet d’agrandissement portuaire, ont déclaré "
       "aujourd’hui ISHR et des organisations partenaires.",
       "Ces défenseurs, membres d’une association locale de pêcheurs, avaient réuni des habitant·e·s pour "
       "discuter des effets du projet sur les zones de pêche et les mangroves. Ils sont accusés de "
       "rassemblement illégal et d’incitation, des infractions passibles de peines pouvant aller jusqu’à "
       "sept ans d’emprisonnement.",
       "Ces arrestations s’inscrivent dans une série de harcèlements visant les communautés qui remettent "
       "en question les grands projets d’infrastructure sur la côte kényane. Des membres de la communauté "
       "ont indiqué à ISHR que des policiers avaient photographié les participant·e·s et les avaient mis "
       "en garde contre tout contact avec des journalistes.",
       "Le Kenya s’est engagé, notamment lors de son dernier Examen périodique universel, à protéger les "
       "défenseur·e·s des droits humains et à garantir la liberté de réunion pacifique. Poursuivre des "
       "personnes pour avoir tenu une réunion communautaire contredit ces engagements.",
       "Les organisations demandent au Directeur des poursuites pénales de retirer l’affaire et à la "
       "Commission nationale des terres de veiller à ce que les communautés concernées soient "
       "véritablement consultées avant toute poursuite des travaux.",
       layout="builder"),
    _r("treaty-bodies", "en", "treaty-bodies-funding-crisis-threatens-review-of-states-records",
       "UN treaty bodies: Funding crisis threatens review of States’ human rights records",
       "2024-06-20", "Treaty bodies; UN reform",
       "(Geneva, 20 June 2024) – A shortfall in the UN’s regular budget has forced several treaty bodies "
       "to cancel or shorten their sessions this year, leaving reviews of States’ human rights records "
       "postponed and victims waiting longer for decisions on their complaints, ISHR warned today.",
       "The ten treaty bodies are committees of independent experts who monitor how States implement the "
       "core human rights treaties. Civil society organisations rely on their reviews to raise issues that "
       "are ignored at home, from torture in detention to discrimination against women and girls.",
       "Because of liquidity measures, at least two committees have had to cut a week from their sessions, "
       "and the backlog of individual complaints now exceeds two thousand cases. Some people who submitted "
       "complaints years ago are still waiting for a decision.",
       "ISHR urges States to pay their assessed contributions in full and on time, and calls on the "
       "General Assembly to protect the treaty body system from cuts that would undermine the UN’s ability "
       "to hold States to their obligations."),
    _r("treaty-bodies", "es", "organos-de-tratados-la-crisis-de-financiacion-amenaza-los-examenes",
       "Órganos de tratados de la ONU: la crisis de financiación amenaza el examen de los historiales de "
       "derechos humanos de los Estados",
       "2024-06-20", "Órganos de tratados; Reforma de la ONU",
       "(Ginebra, 20 de junio de 2024) – La falta de fondos en el presupuesto ordinario de la ONU ha "
       "obligado a varios órganos de tratados a cancelar o acortar sus períodos de sesiones este año, lo "
       "que aplaza los exámenes de los Estados y prolonga la espera de las víctimas que aguardan "
       "decisiones sobre sus denuncias, advirtió hoy ISHR.",
       "Los diez órganos de tratados son comités de expertas y expertos independientes que supervisan cómo "
       "aplican los Estados los principales tratados de derechos humanos. Las organizaciones de la "
       "sociedad civil recurren a sus exámenes para plantear problemas que se ignoran en sus países, desde "
       "la tortura en detención hasta la discriminación contra mujeres y niñas.",
       "Debido a las medidas de liquidez, al menos dos comités han tenido que recortar una semana de "
       "sesiones, y el retraso de las comunicaciones individuales supera ya los dos mil casos. Algunas "
       "personas que presentaron denuncias hace años siguen esperando una decisión.",
       "ISHR insta a los Estados a pagar sus cuotas íntegramente y a tiempo, y pide a la Asamblea General "
       "que proteja el sistema de órganos de tratados de recortes que debilitarían la capacidad de la ONU "
       "para exigir a los Estados el cumplimiento de sus obligaciones.",
       layout="block"),
    _r("nicaragua", "en", "nicaragua-dissolution-of-civil-society-organisations-must-stop",
       "Nicaragua: Dissolution of civil society organisations must stop",
       "2024-08-15", "Nicaragua; Civic space; Freedom of association",
       "(Geneva, 15 August 2024) – The Nicaraguan government must end the arbitrary dissolution of civil "
       "society organisations, which has now stripped more than three thousand associations, foundations "
       "and religious groups of their legal status since 2018, ISHR said today.",
       "In a single decree published this week, the Ministry of the Interior cancelled the registration of "
       "another fifteen hundred organisations, including groups providing health care, education and "
       "disaster relief in rural areas. Their assets are transferred to the State.",
       "The closures are part of a wider campaign against independent voices that has forced journalists, "
       "human rights defenders and members of the clergy into exile, and has stripped hundreds of critics "
       "of their nationality.",
       "‘Closing an organisation that runs a rural clinic or a school programme does not make the country "
       "safer; it leaves communities without services and silences those who could speak for them,’ said "
       "ISHR’s Latin America programme manager.",
       "ISHR calls on the Human Rights Council to renew and strengthen the mandate of its Group of Experts "
       "on Nicaragua, and on States to support Nicaraguan defenders in exile.",
       layout="builder"),
    _r("nicaragua", "es", "nicaragua-debe-cesar-la-disolucion-de-organizaciones-de-la-sociedad-civil",
       "Nicaragua: debe cesar la disolución de organizaciones de la sociedad civil",
       "2024-08-15", "Nicaragua; Espacio cívico; Libertad de asociación",
       "(Ginebra, 15 de agosto de 2024) – El Gobierno de Nicaragua debe poner fin a la disolución "
       "arbitraria de organizaciones de la sociedad civil, que desde 2018 ha privado de personalidad "
       "jurídica a más de tres mil asociaciones, fundaciones y grupos religiosos, afirmó hoy ISHR.",
       "En un solo decreto publicado esta semana, el Ministerio del Interior canceló el registro de otras "
       "mil quinientas organizaciones, entre ellas grupos que prestan atención sanitaria, educación y "
       "ayuda ante desastres en zonas rurales. Sus bienes pasan a manos del Estado.",
       "Los cierres forman parte de una campaña más amplia contra las voces independientes que ha empujado "
       "al exilio a periodistas, personas defensoras de derechos humanos y miembros del clero, y ha "
       "despojado de su nacionalidad a cientos de personas críticas.",
       "«Cerrar una organización que gestiona una clínica rural o un programa escolar no hace más seguro "
       "al país; deja a las comunidades sin servicios y silencia a quienes podrían hablar por ellas», "
       "declaró la responsable del programa de América Latina de ISHR.",
       "ISHR pide al Consejo de Derechos Humanos que renueve y refuerce el mandato de su Grupo de Expertos "
       "sobre Nicaragua, y a los Estados que apoyen a las personas defensoras nicaragüenses en el exilio.",
       machine_date=True),
    _r("sahel", "en", "women-human-rights-defenders-in-the-sahel-face-rising-threats",
       "Women human rights defenders in the Sahel face rising threats, new briefing finds",
       "2024-03-08", "Women human rights defenders; Burkina Faso; Mali; Niger",
       "(Geneva, 8 March 2024) – Women human rights defenders in Burkina Faso, Mali and Niger are facing "
       "rising threats from armed groups and from the authorities alike, according to a briefing published "
       "by ISHR on International Women’s Day.",
       "The briefing draws on interviews with thirty-two defenders who document abuses against civilians, "
       "support survivors of sexual violence or campaign for girls’ education. Many described being "
       "threatened online and in person, and several had to leave their towns.",
       "Defenders also reported that emergency laws adopted since the military takeovers are being used to "
       "restrict meetings and to summon activists for questioning, making it harder to carry out even "
       "routine community work.",
       "ISHR recommends that the African Commission on Human and Peoples’ Rights and UN Special Procedures "
       "raise these cases with the authorities, and that donors provide flexible funding for protection "
       "measures, including temporary relocation."),
    _r("sahel", "fr", "sahel-les-defenseures-des-droits-humains-face-a-des-menaces-croissantes",
       "Les défenseures des droits humains au Sahel font face à des menaces croissantes, selon une "
       "nouvelle note d’information",
       "2024-03-08", "Défenseures des droits humains; Burkina Faso; Mali; Niger",
       "(Genève, 8 mars 2024) – Au Burkina Faso, au Mali et au Niger, les défenseures des droits humains "
       "sont de plus en plus menacées, tant par des groupes armés que par les autorités, selon une note "
       "d’information publiée par ISHR à l’occasion de la Journée internationale des droits des femmes.",
       "La note s’appuie sur des entretiens avec trente-deux défenseures qui documentent les exactions "
       "contre les civils, accompagnent les survivantes de violences sexuelles ou militent pour la "
       "scolarisation des filles. Beaucoup ont décrit des menaces en ligne et en personne, et plusieurs "
       "ont dû quitter leur ville.",
       "Les défenseures ont également signalé que les lois d’exception adoptées depuis les prises de "
       "pouvoir militaires servent à restreindre les réunions et à convoquer des militant·e·s pour des "
       "interrogatoires, ce qui complique même le travail communautaire le plus ordinaire.",
       "ISHR recommande que la Commission africaine des droits de l’homme et des peuples et les procédures "
       "spéciales de l’ONU soulèvent ces cas auprès des autorités, et que les bailleurs de fonds offrent "
       "des financements souples pour les mesures de protection, y compris la relocalisation temporaire.",
       machine_date=True),
    _r("academy", "en", "academy-2024-defenders-from-eighteen-countries-trained-on-the-un-system",
       "Academy 2024: Defenders from eighteen countries trained on the UN human rights system",
       "2024-07-02", "Training; Human rights defenders",
       "(Geneva, 2 July 2024) – Twenty-four human rights defenders from eighteen countries completed "
       "ISHR’s annual Human Rights Defender Advocacy Programme in Geneva last week, after three weeks of "
       "training on how to use the UN human rights system to support their work at home.",
       "Participants included lawyers, journalists, trade unionists and community organisers working on "
       "issues ranging from indigenous peoples’ land rights to the rights of LGBTI persons and migrant "
       "workers.",
       "During the programme, they met with diplomats, UN staff and independent experts, briefed States "
       "ahead of Universal Periodic Reviews and took part in sessions of the Human Rights Council.",
       "Alongside the training, ISHR works with each participant on a security plan, recognising that "
       "engaging with the UN can expose defenders to reprisals when they return home."),
    _r("business", "en", "joint-statement-protect-defenders-working-on-business-and-human-rights",
       "Joint statement: Protect defenders working on business and human rights",
       "2024-05-14", "Business and human rights; Corporate accountability",
       "(Geneva, 14 May 2024) – More than sixty organisations have called on States negotiating a legally "
       "binding instrument on business and human rights to include strong provisions on the protection of "
       "human rights defenders.",
       "Defenders who raise concerns about the impact of mining, agribusiness and energy projects are "
       "among those most at risk worldwide. Many face lawsuits designed to silence them, as well as "
       "physical attacks and stigmatisation.",
       "The joint statement asks that the treaty require companies to respect the rights of defenders, to "
       "refrain from strategic lawsuits against public participation, and to consult affected communities "
       "before and during their operations.",
       "‘A treaty that is silent on defenders would ignore the people who most often bring corporate "
       "abuses to light,’ said ISHR’s business and human rights lead.",
       "The statement was delivered during the intergovernmental working group’s informal consultations "
       "and remains open for further endorsement.",
       layout="block"),
    _r("upr", "en", "upr-47-civil-society-briefings-ahead-of-the-session",
       "Universal Periodic Review: Civil society briefings ahead of the 47th session",
       "2024-10-28", "Universal Periodic Review",
       "(Geneva, 28 October 2024) – Ahead of the 47th session of the Universal Periodic Review, ISHR and "
       "partners are holding a series of briefings for diplomats on the situation of human rights "
       "defenders in the States under review.",
       "The Universal Periodic Review is the only UN mechanism in which every State’s human rights record "
       "is examined by its peers. Recommendations on the protection of defenders have increased over the "
       "past cycles, but many remain unimplemented.",
       "At the briefings, defenders from the countries concerned will present their priorities and suggest "
       "concrete, measurable recommendations, such as repealing restrictive laws on non-governmental "
       "organisations or establishing national protection mechanisms.",
       "ISHR encourages States to consult civil society when preparing their recommendations and to follow "
       "up on the commitments they accept.",
       layout="block"),
    _r("model-law", "en", "model-law-national-coalitions-push-for-laws-protecting-defenders",
       "Model Law: National coalitions push for laws protecting defenders",
       "2024-04-22", "Model Law; National protection mechanisms",
       "(Geneva, 22 April 2024) – Coalitions of human rights defenders in eleven countries are using the "
       "Model Law for the Recognition and Protection of Human Rights Defenders to draft national "
       "legislation, according to a review published by ISHR today.",
       "The Model Law, developed with more than five hundred defenders from across the world, sets out how "
       "States can recognise the legitimacy of defenders’ work, prevent attacks and respond when they "
       "occur.",
       "In several countries, draft laws inspired by the Model Law have been submitted to parliament. "
       "Elsewhere, coalitions are working with national human rights institutions to include its "
       "provisions in regulations and policies.",
       "The review also highlights lessons learned: protection laws work best when defenders help design "
       "them, when they come with adequate funding and when they address the risks faced by women and "
       "rural defenders.",
       layout="builder"),
    _r("special-procedures", "en", "china-un-experts-must-be-able-to-visit-without-restrictions",
       "China: UN experts must be able to visit without restrictions",
       "2024-02-12", "China; Special procedures",
       "(Geneva, 12 February 2024) – Ahead of China’s review by the Human Rights Council, ISHR calls on "
       "the Chinese government to extend a standing invitation to UN Special Procedures and to allow "
       "independent experts to visit the country without restrictions.",
       "Dozens of requests to visit by UN experts remain pending, some for more than a decade. Visits that "
       "did take place were tightly managed, with limited access to people in detention and to civil "
       "society.",
       "‘Country visits are how UN experts see for themselves what States are doing. A visit in which "
       "experts cannot meet whom they want is a visit in name only,’ said ISHR’s China advocate.",
       "ISHR also urges States to raise individual cases of defenders in detention during the review, and "
       "to ask the government to guarantee that no one who engages with the UN faces reprisals.",
       layout="block", machine_date=True),
    _r("environment", "en", "environmental-defenders-council-resolution-must-recognise-their-role",
       "Environmental defenders: Human Rights Council resolution must recognise their role",
       "2024-03-28", "Environmental defenders; Climate justice",
       "(Geneva, 28 March 2024) – As the Human Rights Council negotiates its resolution on human rights "
       "and the environment, ISHR urges States to recognise the vital role of environmental human rights "
       "defenders and the specific risks they face.",
       "Environmental defenders, many of them indigenous, are among the defenders most often killed for "
       "their work. In the past year alone, civil society groups recorded attacks in more than forty "
       "countries, often linked to extractive projects and land disputes.",
       "A strong resolution would call on States to protect environmental defenders, to investigate "
       "attacks against them and to guarantee access to information, public participation and justice in "
       "environmental matters.",
       "ISHR welcomes the support of a cross-regional group of States for language on defenders and "
       "encourages all Council members to join them.",
       layout="block"),
    _r("environment", "es", "personas-defensoras-del-medio-ambiente-la-resolucion-debe-reconocer-su-papel",
       "Personas defensoras del medio ambiente: la resolución del Consejo de Derechos Humanos debe "
       "reconocer su papel",
       "2024-03-28", "Personas defensoras del medio ambiente; Justicia climática",
       "(Ginebra, 28 de marzo de 2024) – Mientras el Consejo de Derechos Humanos negocia su resolución "
       "sobre derechos humanos y medio ambiente, ISHR insta a los Estados a reconocer el papel fundamental "
       "de las personas defensoras del medio ambiente y los riesgos específicos que enfrentan.",
       "Las personas defensoras del medio ambiente, muchas de ellas indígenas, están entre las más "
       "asesinadas por su labor. Solo en el último año, organizaciones de la sociedad civil registraron "
       "ataques en más de cuarenta países, a menudo vinculados a proyectos extractivos y conflictos por la "
       "tierra.",
       "Una resolución firme pediría a los Estados que protejan a las personas defensoras del medio "
       "ambiente, que investiguen los ataques en su contra y que garanticen el acceso a la información, la "
       "participación pública y la justicia en asuntos ambientales.",
       "ISHR celebra el apoyo de un grupo interregional de Estados a un lenguaje sobre personas defensoras "
       "y alienta a todos los miembros del Consejo a sumarse.",
       layout="builder"),
    _r("achpr80", "en", "african-commission-80th-session-closes-with-focus-on-civic-space",
       "African Commission: 80th ordinary session closes with focus on civic space",
       "2024-08-05", "African Commission; Civic space",
       "(Banjul, 5 August 2024) – The 80th ordinary session of the African Commission on Human and "
       "Peoples’ Rights closed today after three weeks of public hearings in which civic space and the "
       "situation of human rights defenders featured prominently.",
       "Non-governmental organisations raised concerns about new laws restricting foreign funding, "
       "internet shutdowns during elections and the use of counter-terrorism legislation against "
       "journalists and activists.",
       "ISHR delivered a statement welcoming the work of the Special Rapporteur on Human Rights Defenders "
       "and calling on the Commission to follow up on its resolutions with country-specific "
       "recommendations.",
       "The session also saw the presentation of State reports, and the Commission adopted resolutions on "
       "the protection of defenders working on land and environmental rights."),
    _r("achpr80", "fr", "commission-africaine-la-80e-session-se-clot-sur-l-espace-civique",
       "Commission africaine : la 80e session ordinaire se clôt sur la question de l’espace civique",
       "2024-08-05", "Commission africaine; Espace civique",
       "(Banjul, 5 août 2024) – La 80e session ordinaire de la Commission africaine des droits de l’homme "
       "et des peuples s’est achevée aujourd’hui après trois semaines d’audiences publiques au cours "
       "desquelles l’espace civique et la situation des défenseur·e·s des droits humains ont occupé une "
       "place centrale.",
       "Des organisations non gouvernementales ont exprimé leurs préoccupations concernant de nouvelles "
       "lois restreignant les financements étrangers, les coupures d’internet en période électorale et le "
       "recours à la législation antiterroriste contre des journalistes et des militant·e·s.",
       "ISHR a prononcé une déclaration saluant le travail du Rapporteur spécial sur les défenseurs des "
       "droits de l’homme et appelant la Commission à assurer le suivi de ses résolutions par des "
       "recommandations propres à chaque pays.",
       "La session a également été marquée par la présentation de rapports étatiques, et la Commission a "
       "adopté des résolutions sur la protection des défenseur·e·s œuvrant pour les droits fonciers et "
       "environnementaux."),
    _r("tunisie", "fr", "tunisie-la-societe-civile-sous-pression-a-l-approche-de-l-election-presidentielle",
       "Tunisie : la société civile sous pression à l’approche de l’élection présidentielle",
       "2024-09-19", "Tunisie; Espace civique",
       "(Genève, 19 septembre 2024) – À quelques semaines de l’élection présidentielle, les autorités "
       "tunisiennes multiplient les poursuites contre des avocat·e·s, des journalistes et des membres "
       "d’associations, a dénoncé ISHR aujourd’hui.",
       "Plusieurs personnes ont été placées en détention sur la base du décret-loi 54 relatif aux "
       "infractions liées aux systèmes d’information et de communication, un texte vague qui permet de "
       "sanctionner la diffusion de « fausses nouvelles ».",
       "Des associations de défense des droits des personnes migrantes font par ailleurs l’objet "
       "d’enquêtes sur leurs sources de financement, et certaines ont dû suspendre leurs activités "
       "d’assistance.",
       "ISHR appelle les autorités tunisiennes à libérer toutes les personnes détenues pour avoir exercé "
       "leur liberté d’expression, à abroger le décret-loi 54 et à garantir un environnement sûr pour la "
       "société civile pendant la période électorale.",
       layout="block"),
    _r("burundi", "fr",
       "burundi-les-defenseur-e-s-des-droits-humains-doivent-pouvoir-travailler-sans-crainte",
       "Burundi : les défenseur·e·s des droits humains doivent pouvoir travailler sans crainte",
       "2024-05-27", "Burundi; Défenseur·e·s des droits humains",
       "(Genève, 27 mai 2024) – À l’occasion de l’examen du Burundi par le Comité des droits de l’homme, "
       "ISHR et ses partenaires demandent aux autorités de mettre fin au harcèlement des défenseur·e·s des "
       "droits humains et des journalistes.",
       "Depuis 2015, de nombreuses organisations burundaises de défense des droits humains ont été "
       "suspendues ou radiées, et leurs responsables poursuivent leur travail depuis l’exil. Celles et "
       "ceux qui sont restés au pays s’exposent à des arrestations et à de lourdes peines.",
       "Les organisations saluent la libération récente de plusieurs défenseurs, mais rappellent que "
       "d’autres restent détenus à l’issue de procès qui n’ont pas respecté les garanties d’un procès "
       "équitable.",
       "ISHR invite le Comité à recommander la réouverture de l’espace civique, la révision de la loi sur "
       "les organisations non gouvernementales et la mise en place de garanties contre les représailles "
       "visant les personnes qui coopèrent avec l’ONU."),
    _r("colombia", "es", "colombia-el-estado-debe-proteger-a-los-lideres-y-lideresas-sociales",
       "Colombia: el Estado debe proteger a los líderes y lideresas sociales",
       "2024-07-23", "Colombia; Personas defensoras",
       "(Ginebra, 23 de julio de 2024) – El Estado colombiano debe reforzar con urgencia la protección de "
       "los líderes y lideresas sociales, después de que organizaciones de la sociedad civil registraran "
       "más de ochenta asesinatos en el primer semestre del año, afirmó hoy ISHR.",
       "La mayoría de las víctimas defendían derechos territoriales, participaban en programas de "
       "sustitución de cultivos o denunciaban la presencia de grupos armados en sus comunidades. Muchas "
       "habían solicitado medidas de protección que nunca llegaron o resultaron insuficientes.",
       "ISHR reconoce los esfuerzos del Gobierno para actualizar la política pública de garantías para la "
       "defensa de los derechos humanos, pero subraya que su aplicación en las regiones más afectadas "
       "sigue siendo limitada.",
       "«La protección no puede depender solo de escoltas y chalecos antibalas; requiere presencia "
       "integral del Estado, investigaciones eficaces y el reconocimiento público de la labor de las "
       "personas defensoras», declaró la responsable del programa de América Latina de ISHR.",
       "La organización pide que se asignen recursos suficientes a la Unidad Nacional de Protección y que "
       "se avance en el esclarecimiento de los crímenes cometidos contra personas defensoras.",
       layout="block"),
    _r("mexico", "es", "mexico-periodistas-y-defensoras-enfrentan-una-violencia-creciente",
       "México: periodistas y defensoras enfrentan una violencia creciente",
       "2024-04-09", "México; Periodistas",
       "(Ginebra, 9 de abril de 2024) – Periodistas y defensoras de derechos humanos en México enfrentan "
       "una violencia creciente, advirtió hoy ISHR antes del diálogo del Comité contra la Desaparición "
       "Forzada con el Estado mexicano.",
       "Las madres buscadoras, que rastrean a sus familiares desaparecidos, han sido amenazadas y atacadas "
       "mientras realizan búsquedas en fosas clandestinas. Varias de ellas han sido asesinadas en los "
       "últimos años sin que los responsables hayan sido juzgados.",
       "El Mecanismo de Protección para Personas Defensoras de Derechos Humanos y Periodistas atiende a "
       "más de dos mil personas, pero sus beneficiarias denuncian demoras en la implementación de medidas "
       "y una coordinación insuficiente con las autoridades estatales.",
       "ISHR insta al Estado mexicano a fortalecer el mecanismo, a investigar con diligencia los ataques "
       "contra personas buscadoras y a garantizar que las familias participen en las políticas de "
       "búsqueda.",
       html_lang=False, note="no <html lang>: the language is declared only by og:locale (es_ES)"),
    _r("digest", "en", "media-monitoring-digest-week-41",
       "Media monitoring digest: week 41",
       "2024-10-14", "Media monitoring",
       "This digest collects press coverage of ISHR’s work during the past week, for staff and board "
       "members. It is published on the website for convenience but is not meant to be indexed by search "
       "engines.",
       "Coverage this week focused on the closing of the Human Rights Council session and on the adoption "
       "of the resolution on reprisals, with articles in English, French and Spanish language outlets.",
       "Several partner organisations shared our statement on the treaty body funding crisis, and two "
       "radio interviews on the situation of defenders in the Sahel were broadcast in West Africa.",
       noindex=True, expected="skip",
       note='<meta name="robots" content="noindex, follow">: must not be stored'),
    _r("embargoed", "en", "embargoed-annual-reprisals-report-briefing",
       "EMBARGOED: briefing on the Secretary-General’s annual report on reprisals",
       "2024-11-04", "Reprisals",
       f"{MARKER} This briefing is under embargo until the report is presented to the Human "
       "Rights Council. It summarises the cases that the report is expected to document and the "
       "recommendations ISHR will make.",
       "The cases include travel bans imposed on defenders travelling to Geneva, the detention of "
       "activists after they briefed treaty bodies, and online smear campaigns against people who met UN "
       "experts.",
       "ISHR will ask States to respond to each case publicly and to report back on the measures they have "
       "taken to investigate and provide remedies.",
       expected="skip",
       note=f"robots.txt disallows {DISALLOWED}: must never be fetched (the page exists; its "
            f"body carries the marker {MARKER})"),
)

TEXT = {
    "en": {
        "news": "Latest updates", "about": "About us", "work": "Our work", "resources": "Resources",
        "involved": "Get involved", "donate": "Donate", "read": "Read more", "next": "Next",
        "previous": "Previous", "related": "Related articles", "share": "Share this:", "email": "Email",
        "newsletter": "Stay in the loop!",
        "call": "Would you like to be informed of future events, news, updates on our work, invitations "
                "and appeals? Please enter your email address below!",
        "subscribe": "Subscribe", "address": "Email address",
        "rights": "© 2024 International Service for Human Rights. All rights reserved.",
        "tagline": "Supporting human rights defenders to achieve change",
        "category": "Latest updates", "about_text": (
            "The International Service for Human Rights is an independent, non-governmental organisation "
            "dedicated to promoting and protecting human rights. We support human rights defenders, "
            "strengthen human rights systems, and lead and participate in coalitions for change.",
            "We work at the UN Human Rights Council, the treaty bodies and the regional human rights "
            "systems, and we train defenders from every region to use them.")},
    "fr": {
        "news": "Actualités", "about": "Qui sommes-nous", "work": "Notre travail", "resources": "Ressources",
        "involved": "S’engager", "donate": "Faire un don", "read": "Lire la suite", "next": "Suivant",
        "previous": "Précédent", "related": "Articles liés", "share": "Partager :", "email": "E-mail",
        "newsletter": "Restez informé·e·s !",
        "call": "Souhaitez-vous être informé·e de nos prochains événements, de nos actualités et de nos "
                "appels ? Saisissez votre adresse e-mail ci-dessous !",
        "subscribe": "S’abonner", "address": "Adresse e-mail",
        "rights": "© 2024 Service international pour les droits de l’homme. Tous droits réservés.",
        "tagline": "Soutenir les défenseur·e·s des droits humains pour faire avancer le changement",
        "category": "Actualités", "about_text": (
            "Le Service international pour les droits de l’homme est une organisation non gouvernementale "
            "indépendante qui se consacre à la promotion et à la protection des droits humains. Nous "
            "soutenons les défenseur·e·s des droits humains et renforçons les systèmes de protection.",
            "Nous travaillons auprès du Conseil des droits de l’homme, des organes de traités et des "
            "systèmes régionaux, et nous formons des défenseur·e·s de toutes les régions à les utiliser.")},
    "es": {
        "news": "Noticias", "about": "Quiénes somos", "work": "Nuestro trabajo", "resources": "Recursos",
        "involved": "Participa", "donate": "Dona", "read": "Leer más", "next": "Siguiente",
        "previous": "Anterior", "related": "Artículos relacionados", "share": "Compartir:",
        "email": "Correo electrónico", "newsletter": "¡Mantente al día!",
        "call": "¿Quieres recibir información sobre nuestros próximos eventos, noticias, novedades de "
                "nuestro trabajo, invitaciones y llamamientos? ¡Introduce tu dirección de correo "
                "electrónico a continuación!",
        "subscribe": "Suscríbete", "address": "Dirección de correo electrónico",
        "rights": "© 2024 Servicio Internacional para los Derechos Humanos. Todos los derechos reservados.",
        "tagline": "Apoyamos a las personas defensoras de derechos humanos para lograr cambios",
        "category": "Noticias", "about_text": (
            "El Servicio Internacional para los Derechos Humanos es una organización no gubernamental "
            "independiente dedicada a promover y proteger los derechos humanos. Apoyamos a las personas "
            "defensoras y fortalecemos los sistemas de derechos humanos.",
            "Trabajamos ante el Consejo de Derechos Humanos, los órganos de tratados y los sistemas "
            "regionales, y formamos a personas defensoras de todas las regiones para utilizarlos.")},
}
MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
}
# WordPress pages and archives that the sitemaps list beside the posts: never documents.
PAGES = {"en": "/about-us/", "fr": "/fr/qui-sommes-nous/", "es": "/es/quienes-somos/"}
CATEGORIES = {
    "en": "/category/latest-updates/", "fr": "/fr/categorie/actualites/", "es": "/es/categoria/noticias/"
}
AUTHOR = "/author/ishr-communications/"
DEAD = "/latest-updates/joint-letter-on-civic-space-in-the-sahel/"
PDF = "/wp-content/uploads/2024/06/informe-anual-2023.pdf"
SHARE_LINKS = {  # network -> sharing address, before the page's url-encoded address
    "twitter": "https://twitter.com/share?url=",
    "facebook": "https://www.facebook.com/sharer.php?u=",
    "linkedin": "https://www.linkedin.com/shareArticle?url=",
}


def build_ishr_site(folder: Path) -> list[dict]:
    """Write the mirror into `folder` (pages as `<path>/index.html`) and return its ground-truth rows."""
    folder = Path(folder)
    releases = _with_seed(RELEASES)
    ids = {r: 2100 + 7 * n for n, r in enumerate(releases)}
    for release in releases:
        _write(folder, release.path, _post(release, releases, ids[release]))
    for lang, section in SECTIONS.items():
        posts = sorted((r for r in releases if r.lang == lang), key=lambda r: r.date, reverse=True)
        pages = [posts[i:i + PER_PAGE] for i in range(0, len(posts), PER_PAGE)]
        for number, items in enumerate(pages, 1):
            path = section if number == 1 else f"{section}page/{number}/"
            _write(folder, path, _listing(lang, path, items, number, len(pages), ids))
        _write(folder, PAGES[lang], _page(lang, PAGES[lang], TEXT[lang]["about"], TEXT[lang]["about_text"]))
        archive = tuple(f"{r.title} – {_written(r.date, lang)}" for r in posts if r.expected == "document")
        _write(folder, CATEGORIES[lang], _page(lang, CATEGORIES[lang], TEXT[lang]["category"], archive))
    english = tuple(r.title for r in releases if r.lang == "en")
    _write(folder, AUTHOR, _page("en", AUTHOR, "ISHR Communications", english[:PER_PAGE]))
    _write(folder, "/", _page("en", "/", "ISHR", (TEXT["en"]["tagline"],)))
    (folder / "robots.txt").write_text(
        "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        f"Disallow: {DISALLOWED}\n\nSitemap: /wp-sitemap.xml\n", encoding="utf-8")
    _sitemaps(folder, releases)
    return _ground_truth(releases, ids)


def _with_seed(releases: tuple[Release, ...]) -> tuple[Release, ...]:
    """The seed release (tag labels, title, dateline, paragraphs, then teasers) as one more English post."""
    if not SEED.is_file():
        return releases
    blocks = [b.strip() for b in SEED.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    tags = [t.strip() for t in blocks[0].replace("\n", ",").split(",") if t.strip()]
    body = blocks[2:blocks.index("Related articles")]
    seed = Release("seed", "en", "un-passes-strongest-resolution-yet-on-ending-reprisals-against-defenders",
                   blocks[1], "2013-09-27", tuple(tags), tuple(body))
    return (*releases, seed)


def _ground_truth(releases: tuple[Release, ...], ids: dict[Release, int]) -> list[dict]:
    rows = [_row(r.path, r.title, r.date, list(r.tags), "\n\n".join(r.paragraphs), r.expected, r.note,
                 r.lang, r.layout, post_id=str(ids[r])) for r in releases]
    copy = next(r for r in releases if r.key == "reprisals" and r.lang == "fr")
    rows.append(_row(f"{copy.path}?utm_source=newsletter", copy.title, copy.date, list(copy.tags),
                     "\n\n".join(copy.paragraphs), "skip", "duplicate: the same page as canonical_path, "
                     "linked from the French listing with a tracking query (the server ignores queries)",
                     "fr", copy.layout, post_id=str(ids[copy]), canonical=copy.path))
    rows.append(_row(DEAD, "", None, [], "", "skip", "404: the English listing's page 2 links to a page that "
                     "does not exist", "en", ""))
    rows.append(_row(PDF, "", None, [], "", "skip", "a PDF linked from the Spanish listing: recorded as a "
                     "file, never fetched or stored", "es", ""))
    for lang in SECTIONS:
        for path, what in ((PAGES[lang], "a WordPress page"), (CATEGORIES[lang], "a category archive")):
            rows.append(_row(path, "", None, [], "", "skip", f"not an article: {what} that the sitemaps list",
                             lang, ""))
    rows.append(_row(AUTHOR, "", None, [], "", "skip",
                     "not an article: an author archive that wp-sitemap-users-1.xml lists", "en", ""))
    return rows


def _row(path: str, title: str, day: str | None, tags: list[str], body: str, expected: str, note: str,
         lang: str, layout: str, post_id: str = "", canonical: str = "") -> dict:
    """A ground-truth row in the shared mirrors' shape, plus `lang` and `layout`."""
    return {"path": path, "canonical_path": canonical or path, "id": post_id, "title": title, "date": day,
            "tags": tags, "body": body, "expected": expected, "note": note, "lang": lang, "layout": layout}


def _write(folder: Path, path: str, html: str) -> None:
    target = folder / path.strip("/") / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def _written(day: str, lang: str) -> str:
    """A date as the theme prints it: "27 September 2013", "27 septembre 2013", "27 de septiembre de 2013"."""
    d = date.fromisoformat(day)
    month = MONTHS[lang][d.month - 1]
    return f"{d.day} de {month} de {d.year}" if lang == "es" else f"{d.day} {month} {d.year}"


def _excerpt(release: Release, words: int = 28) -> str:
    return " ".join(release.paragraphs[0].split()[:words]) + " […]"


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


# Page parts


def _head(lang: str, title: str, path: str, *, alternates: dict[str, str] | None = None,
          extra: str = "", declare_lang: bool = True) -> str:
    """<!doctype>, <html lang> and a WordPress + Yoast + WPML <head>."""
    locale = LOCALES[lang]
    links = "".join(f'<link rel="alternate" hreflang="{code}" href="{href}" />\n'
                    for code, href in (alternates or {}).items())
    if alternates and "en" in alternates:
        links += f'<link rel="alternate" hreflang="x-default" href="{alternates["en"]}" />\n'
    others = "".join(f'<meta property="og:locale:alternate" content="{LOCALES[code]}" />\n'
                     for code in (alternates or {}) if code != lang)
    html_lang = f' lang="{locale.replace("_", "-")}"' if declare_lang else ""
    return f"""<!doctype html>
<html{html_lang}>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
<title>{escape(title)} - ISHR</title>
<link rel="canonical" href="{path}" />
{links}<meta property="og:locale" content="{locale}" />
{others}<meta property="og:type" content="article" />
<meta property="og:title" content="{escape(title)} - ISHR" />
<meta property="og:url" content="{path}" />
<meta property="og:site_name" content="ISHR" />
{extra}<meta name="generator" content="WordPress 6.6.2" />
<meta name="generator" content="WPML ver:4.6.13 stt:1,4,2;" />
<link rel='stylesheet' id='wp-block-library-css'
 href='/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2' media='all' />
<link rel='stylesheet' id='ishr-style-css' href='/wp-content/themes/ishr/style.css?ver=4.1.0' media='all' />
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<link rel="https://api.w.org/" href="/wp-json/" />
</head>
"""


def _switcher(lang: str, targets: dict[str, str]) -> str:
    """WPML's language switcher: the page in each language, else that language's news listing."""
    names = {"en": "English", "fr": "Français", "es": "Español"}
    items = "".join(
        f'<li class="wpml-ls-slot-shortcode_actions wpml-ls-item wpml-ls-item-{code}'
        f'{" wpml-ls-current-language" if code == lang else ""}">'
        f'<a href="{targets.get(code, SECTIONS[code])}" class="wpml-ls-link">'
        f'<span class="wpml-ls-native" lang="{code}">{name}</span></a></li>'
        for code, name in names.items()
    )
    return ('<div class="wpml-ls-statics-shortcode_actions wpml-ls wpml-ls-legacy-list-horizontal">'
            f"<ul>{items}</ul></div>")


def _menu(lang: str) -> str:
    t, prefix = TEXT[lang], "" if lang == "en" else f"/{lang}"
    items = [(PAGES[lang], t["about"]), (f"{prefix}/our-work/", t["work"]), (SECTIONS[lang], t["news"]),
             (f"{prefix}/resources/", t["resources"]), (f"{prefix}/get-involved/", t["involved"]),
             (f"{prefix}/donate/", t["donate"])]
    return "".join(f'<li class="menu-item"><a href="{href}">{label}</a></li>' for href, label in items)


def _header(lang: str, targets: dict[str, str]) -> str:
    home = "/" if lang == "en" else f"/{lang}/"
    return f"""<header id="masthead" class="site-header">
<div class="site-branding"><a href="{home}" class="custom-logo-link" rel="home">
<img width="180" height="64" src="/wp-content/uploads/2020/11/ishr-logo.svg" class="custom-logo"
 alt="ISHR" /></a>
<p class="site-description">{TEXT[lang]["tagline"]}</p></div>
<nav id="site-navigation" class="main-navigation" aria-label="Primary menu">
<button class="menu-toggle" aria-expanded="false">Menu</button>
<ul id="primary-menu" class="menu">{_menu(lang)}</ul></nav>
{_switcher(lang, targets)}
</header>
"""


def _footer(lang: str) -> str:
    return f"""<footer id="colophon" class="site-footer">
<div class="footer-widgets">
<section class="widget widget_text"><div class="textwidget">
<p>ISHR<br>Geneva, Switzerland<br>New York, United States</p></div></section>
<section class="widget widget_nav_menu"><ul class="menu">{_menu(lang)}</ul></section></div>
<div class="site-info"><p>{TEXT[lang]["rights"]}</p>
<p><a href="/privacy-policy/">Privacy policy</a> | <a href="/wp-sitemap.xml">Sitemap</a></p></div>
</footer>
<script src="/wp-content/themes/ishr/js/navigation.js?ver=4.1.0" id="ishr-navigation-js"></script>
</body>
</html>
"""


def _share(lang: str, path: str) -> str:
    """Jetpack's sharing buttons, which it puts inside the post content."""
    t, address = TEXT[lang], f"https%3A%2F%2Fishr.ch{path}"
    buttons = "".join(
        f'<li><a class="share-{network} sd-button" href="{link}{address}" rel="nofollow noopener" '
        f'target="_blank"><span>{"X" if network == "twitter" else network.capitalize()}</span></a></li>'
        for network, link in SHARE_LINKS.items()
    )
    email = (f'<li><a class="share-email sd-button" href="mailto:?body={address}">'
             f'<span>{t["email"]}</span></a></li>')
    return ('<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">\n'
            f'<h3 class="sd-title">{t["share"]}</h3><div class="sd-content"><ul>{buttons}{email}</ul></div>'
            "</div></div>\n")


def _newsletter(lang: str, tag: str = "section", css: str = "newsletter-block") -> str:
    """The Mailchimp for WordPress sign-up box."""
    t = TEXT[lang]
    return (f'<{tag} class="{css}" id="newsletter">\n'
            f'<h2 class="newsletter-block__title">{t["newsletter"]}</h2>\n'
            f'<p class="newsletter-block__text">{t["call"]}</p>\n'
            '<form class="mc4wp-form" method="post" action="/newsletter-signup/">'
            f'<p><label for="mc4wp-email">{t["address"]}</label> '
            '<input type="email" id="mc4wp-email" name="EMAIL" required /></p>\n'
            f'<p><input type="submit" value="{t["subscribe"]}" /></p></form></{tag}>\n')


def _related(release: Release, releases: tuple[Release, ...]) -> list[Release]:
    """Two other posts in the same language, as the related-posts block shows them."""
    same = [r for r in releases if r.lang == release.lang and r.expected == "document"]
    after = same.index(release) + 1 if release in same else 0
    return [r for r in same[after:] + same[:after] if r != release][:2]


def _tag_links(tags: tuple[str, ...], css: str = "post-label") -> list[str]:
    return [f'<a href="/tag/{_slug(t)}/" rel="tag" class="{css}">{escape(t)}</a>' for t in tags]


def _paragraph_html(text: str, block: bool) -> str:
    """A body paragraph; the block editor sets quotations in a quote block."""
    paragraph = f"<p>{escape(text, quote=False)}</p>"
    if block and text.startswith(("‘", "«", "“")):
        return f'<blockquote class="wp-block-quote is-layout-flow">{paragraph}</blockquote>\n'
    return paragraph + "\n"


def _date_html(release: Release, css: str) -> str:
    written = _written(release.date, release.lang)
    if release.machine_date:
        return f'<time class="{css}" datetime="{release.date}T09:00:00+00:00">{written}</time>'
    return f'<span class="{css}">{written}</span>'


# Posts


def _post(release: Release, releases: tuple[Release, ...], post_id: int) -> str:
    translations = {r.lang: r.path for r in releases if r.key == release.key}
    extra = ""
    if release.machine_date:
        extra += f'<meta property="article:published_time" content="{release.date}T09:00:00+00:00" />\n'
    if release.noindex:
        extra += "<meta name='robots' content='noindex, follow' />\n"
    else:
        extra += "<meta name='robots' content='index, follow, max-image-preview:large' />\n"
    head = _head(release.lang, release.title, release.path, extra=extra, declare_lang=release.html_lang,
                 alternates=translations if len(translations) > 1 else None)
    body = {"classic": _classic, "block": _block, "builder": _builder}[release.layout]
    return head + body(release, _related(release, releases), post_id, translations)


def _classic(release: Release, related: list[Release], post_id: int, translations: dict[str, str]) -> str:
    """A classic theme: tag labels above the title, `div.entry-content` with Jetpack's boxes inside it."""
    lang, t = release.lang, TEXT[release.lang]
    paragraphs = "".join(_paragraph_html(p, False) for p in release.paragraphs)
    teasers = "".join(
        f'<article class="related-post card"><h3 class="related-post__title"><a href="{r.path}">'
        f'{escape(r.title)}</a></h3><p class="related-post__date">{_written(r.date, lang)}</p>'
        f'<p class="related-post__excerpt">{escape(_excerpt(r))}</p>'
        f'<a class="related-post__more" href="{r.path}">{t["read"]}</a></article>\n'
        for r in related)
    return f"""<body class="post-template-default single single-post postid-{post_id} single-format-standard">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>
{_header(lang, translations)}<div id="content" class="site-content">
<main id="primary" class="site-main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard hentry">
<div class="entry-tags post-labels">{", ".join(_tag_links(release.tags))}</div>
<header class="entry-header">
<h1 class="entry-title">{escape(release.title)}</h1>
<div class="entry-meta"><span class="posted-on">{_date_html(release, "entry-date published")}</span></div>
</header>
<div class="entry-content">
{paragraphs}{_share(lang, release.path)}<div id="jp-relatedposts" class="jp-relatedposts">
<h3 class="jp-relatedposts-headline"><em>{t["related"]}</em></h3></div>
</div>
</article>
<section class="related-articles"><h2 class="related-articles__title">{t["related"]}</h2>
<div class="related-articles__grid">{teasers}</div></section>
{_newsletter(lang)}</main>
</div>
{_footer(lang)}"""


def _block(release: Release, related: list[Release], post_id: int, translations: dict[str, str]) -> str:
    """A block theme: template parts, `main.wp-block-group`, `div.wp-block-post-content`, quote blocks,
    and reusable blocks at the end of the content that no class marks as clutter."""
    lang, t = release.lang, TEXT[release.lang]
    separator = '<span class="wp-block-post-terms__separator">, </span>'
    paragraphs = "".join(_paragraph_html(p, True) for p in release.paragraphs)
    # Editors end each post with the same blocks (teaser links, a sign-up call): inside the post content.
    links = "".join(f'<li><a href="{r.path}">{escape(r.title)}</a></li>' for r in related)
    teasers = "".join(
        f'<li><a class="wp-block-latest-posts__post-title" href="{r.path}">{escape(r.title)}</a>'
        f'<div class="wp-block-latest-posts__post-excerpt">{escape(_excerpt(r))}</div></li>' for r in related)
    button = ('<div class="wp-block-buttons is-layout-flex"><div class="wp-block-button">'
              '<a class="wp-block-button__link" href="{}">{}</a></div></div>')
    return f"""<body class="post-template-default single single-post postid-{post_id} wp-embed-responsive">
<div class="wp-site-blocks">
<header class="wp-block-template-part">
{_header(lang, translations)}</header>
<main class="wp-block-group is-layout-constrained">
<div class="wp-block-group alignwide is-layout-flow">
<div class="taxonomy-post_tag wp-block-post-terms">{separator.join(_tag_links(release.tags, "term"))}</div>
<h1 class="wp-block-post-title">{escape(release.title)}</h1>
<div class="wp-block-post-date">{_date_html(release, "wp-block-post-date__time")}</div>
</div>
<div class="wp-block-post-content is-layout-constrained">
<figure class="wp-block-image size-large"><img src="/wp-content/uploads/2024/{post_id}-header.jpg" alt="" />
<figcaption class="wp-element-caption">© ISHR</figcaption></figure>
{paragraphs}{button.format(f"/wp-content/uploads/2024/{post_id}.pdf", "PDF")}
<h3 class="wp-block-heading">{t["related"]}</h3>
<ul class="wp-block-list">{links}</ul>
<div class="wp-block-group has-background is-layout-flow"><h3 class="wp-block-heading">{t["newsletter"]}</h3>
<p>{t["call"]}</p>
{button.format("#subscribe", t["subscribe"])}</div>
</div>
{_share(lang, release.path)}<div class="wp-block-group related-posts is-layout-flow">
<h2 class="wp-block-heading">{t["related"]}</h2>
<ul class="wp-block-latest-posts__list wp-block-latest-posts">{teasers}</ul></div>
{_newsletter(lang, "div", "wp-block-group newsletter-signup")}</main>
<footer class="wp-block-template-part">
{_footer(lang)}"""


def _widget(kind: str, inner: str) -> str:
    """One Elementor widget."""
    return (f'<div class="elementor-element elementor-widget elementor-widget-{kind}">'
            f'<div class="elementor-widget-container">{inner}</div></div>\n')


def _builder(release: Release, related: list[Release], post_id: int, translations: dict[str, str]) -> str:
    """A page builder (Elementor) layout: widgets in one column; no class a profile selector would name.

    The related posts and the sign-up box sit in the same column as the post's text.
    """
    lang, t = release.lang, TEXT[release.lang]
    terms = ", ".join(_tag_links(release.tags, "elementor-post-info__terms-list-item"))
    item = ('<li class="elementor-icon-list-item elementor-inline-item">'
            '<span class="elementor-icon-list-text elementor-post-info__item '
            'elementor-post-info__item--type-{}">{}</span></li>\n')
    info = (f'<ul class="elementor-inline-items elementor-icon-list-items elementor-post-info">\n'
            f'{item.format("date", _written(release.date, lang))}'
            f'{item.format("terms", f"<span class=elementor-post-info__terms-list>{terms}</span>")}</ul>')
    heading = '<{0} class="elementor-heading-title elementor-size-default">{1}</{0}>'
    shares = "".join(
        f'<div class="elementor-grid-item"><a class="elementor-share-btn elementor-share-btn_{network}" '
        f'href="{link}https%3A%2F%2Fishr.ch{release.path}"><span class="elementor-share-btn__text">'
        f'{network.capitalize()}</span></a></div>' for network, link in SHARE_LINKS.items())
    teasers = "".join(
        f'<article class="elementor-post elementor-grid-item"><div class="elementor-post__text">'
        f'<h3 class="elementor-post__title"><a href="{r.path}">{escape(r.title)}</a></h3>'
        f'<div class="elementor-post__excerpt"><p>{escape(_excerpt(r))}</p></div></div></article>'
        for r in related)
    form = (f'<form class="elementor-form" method="post"><input type="email" name="form_fields[email]" '
            f'placeholder="{t["address"]}" /><button type="submit" class="elementor-button">'
            f'<span class="elementor-button-text">{t["subscribe"]}</span></button></form>')
    widgets = "".join((
        _widget("post-info", info),
        _widget("theme-post-title elementor-page-title", heading.format("h1", escape(release.title))),
        _widget("theme-post-content", "\n" + "".join(_paragraph_html(p, False) for p in release.paragraphs)),
        _widget("share-buttons", f'<div class="elementor-grid">{shares}</div>'),
        _widget("heading", heading.format("h2", t["related"])),
        _widget("posts", f'<div class="elementor-posts-container elementor-grid">{teasers}</div>'),
        _widget("heading", heading.format("h2", t["newsletter"])),
        _widget("text-editor", f"<p>{t['call']}</p>"),
        _widget("form", form),
    ))
    return f"""<body class="post-template post-template-elementor_header_footer single single-post
 postid-{post_id} elementor-default elementor-template-full-width elementor-page elementor-page-{post_id}">
<div data-elementor-type="header" class="elementor elementor-location-header">
{_header(lang, translations)}</div>
<div data-elementor-type="wp-post" data-elementor-id="{post_id}" class="elementor elementor-{post_id}">
<section class="elementor-section elementor-top-section elementor-section-boxed">
<div class="elementor-container elementor-column-gap-default">
<div class="elementor-column elementor-col-100 elementor-top-column">
<div class="elementor-widget-wrap elementor-element-populated">
{widgets}</div></div></div></section>
</div>
<div data-elementor-type="footer" class="elementor elementor-location-footer">
{_footer(lang)}"""


# Listings, pages, sitemaps


def _listing(lang: str, path: str, items: list[Release], number: int, count: int,
             ids: dict[Release, int]) -> str:
    """One page of a language's news listing, with the tricky extra links on some pages."""
    t, section = TEXT[lang], SECTIONS[lang]
    entries = [(r.path, r.title, r.date, _excerpt(r), ids[r]) for r in items]
    if lang == "en" and number == count:
        entries.append((DEAD, "Joint letter on civic space in the Sahel", "2024-02-20", "", 0))
    if lang == "fr":
        copy = next(r for r in items if r.key == "reprisals")
        entries.append((f"{copy.path}?utm_source=newsletter", copy.title, copy.date, "", 0))
    if lang == "es":
        entries.append((PDF, "Informe anual 2023 (PDF)", "2024-06-03", "", 0))
    cards = "".join(
        f'<article class="post-{pid} post type-post status-publish hentry"><header class="entry-header">'
        f'<h2 class="entry-title"><a href="{href}" rel="bookmark">{escape(title)}</a></h2>'
        f'<div class="entry-meta"><span class="posted-on">{_written(day, lang)}</span></div></header>'
        f'<div class="entry-summary"><p>{escape(excerpt)}</p></div>'
        f'<a class="more-link" href="{href}">{t["read"]}</a></article>\n'
        for href, title, day, excerpt, pid in entries)
    pages = {n: section if n == 1 else f"{section}page/{n}/" for n in (number - 1, number + 1)}
    nav = f'<a class="prev page-numbers" href="{pages[number - 1]}">{t["previous"]}</a>' if number > 1 else ""
    if number < count:
        nav += f'<a class="next page-numbers" href="{pages[number + 1]}">{t["next"]}</a>'
    title = t["news"] if number == 1 else f"{t['news']} – {number}"
    return (_head(lang, title, path) + f"""<body class="blog archive paged-{number} wp-embed-responsive">
<div id="page" class="site">
{_header(lang, dict(SECTIONS))}<div id="content" class="site-content"><main id="primary" class="site-main">
<header class="page-header"><h1 class="page-title">{t["news"]}</h1></header>
{cards}<nav class="navigation pagination" aria-label="Posts"><div class="nav-links">{nav}</div></nav>
</main></div>
{_footer(lang)}""")


def _page(lang: str, path: str, title: str, paragraphs: tuple[str, ...]) -> str:
    """A WordPress page or archive (about us, a category, an author): real pages, never articles."""
    text = "".join(f"<p>{escape(p, quote=False)}</p>\n" for p in paragraphs)
    return (_head(lang, title, path) + f"""<body class="page-template-default page wp-embed-responsive">
<div id="page" class="site">
{_header(lang, {})}<div id="content" class="site-content"><main id="primary" class="site-main">
<article class="page type-page status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{escape(title)}</h1></header>
<div class="entry-content">
{text}</div></article>
</main></div>
{_footer(lang)}""")


def _sitemaps(folder: Path, releases: tuple[Release, ...]) -> None:
    """WordPress core's sitemaps: an index, then posts (all languages, with <lastmod>), pages, categories
    and users."""
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    parts = {
        "wp-sitemap-posts-post-1.xml": [(r.path, f"{r.date}T09:00:00+00:00") for r in releases],
        "wp-sitemap-posts-page-1.xml": [(p, "") for p in PAGES.values()],
        "wp-sitemap-taxonomies-category-1.xml": [(p, "") for p in CATEGORIES.values()],
        "wp-sitemap-users-1.xml": [(AUTHOR, "")],
    }
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="/{}" ?>\n'
    for name, entries in parts.items():
        urls = "".join(f"<url><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</url>\n"
                       for loc, mod in entries)
        (folder / name).write_text(f"{prolog.format('wp-sitemap.xsl')}<urlset {ns}>\n{urls}</urlset>\n",
                                   encoding="utf-8")
    index = "".join(f"<sitemap><loc>/{name}</loc></sitemap>\n" for name in parts)
    (folder / "wp-sitemap.xml").write_text(
        f"{prolog.format('wp-sitemap-index.xsl')}<sitemapindex {ns}>\n{index}</sitemapindex>\n",
        encoding="utf-8")
