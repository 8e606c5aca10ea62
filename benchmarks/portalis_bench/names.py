"""Names for the benchmark data: companies and people in several languages and scripts.

Deterministic for a given ``random.Random``; nothing here touches the database. Customer
names come with a registrable domain (ASCII, from the romanised brand) so the deals
plugin's conflict rules see realistic keys: Latin names with accents and legal forms,
Japanese, Chinese, Korean, Cyrillic and Arabic names, and customers registered by several
partners under slightly different spellings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_CONSONANTS = "bcdfgklmnprstvz"
_VOWELS = "aeiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS] + ["ar", "en", "is", "on", "ul", "ex"]


def brand(rng: random.Random) -> str:
    """A pronounceable invented brand word, e.g. ``kalora``."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))


# --- per-locale vocabulary -----------------------------------------------------------------

#: country → (language, top-level domain, weight among customers)
COUNTRIES: dict[str, tuple[str, str, int]] = {
    "US": ("en", "com", 30),
    "GB": ("en", "co.uk", 8),
    "CA": ("en", "ca", 3),
    "AU": ("en", "com.au", 3),
    "IN": ("en", "co.in", 3),
    "DE": ("de", "de", 10),
    "AT": ("de", "at", 2),
    "CH": ("de", "ch", 2),
    "FR": ("fr", "fr", 7),
    "BE": ("fr", "be", 1),
    "ES": ("es", "es", 4),
    "MX": ("es", "com.mx", 3),
    "BR": ("pt", "com.br", 4),
    "IT": ("it", "it", 3),
    "PL": ("pl", "pl", 2),
    "NL": ("nl", "nl", 2),
    "SE": ("sv", "se", 1),
    "JP": ("ja", "co.jp", 6),
    "CN": ("zh", "com.cn", 3),
    "KR": ("ko", "co.kr", 2),
    "RU": ("ru", "ru", 2),
    "AE": ("ar", "ae", 2),
    "SA": ("ar", "com.sa", 1),
}

_LEGAL = {
    "en": ("Inc.", "LLC", "Ltd", "Corp.", "Ltd.", "PLC", "Co.", ""),
    "de": ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K.", "SE"),
    "fr": ("SA", "SARL", "SAS", "S.A.S.", ""),
    "es": ("S.L.", "S.A.", "S.A. de C.V.", ""),
    "pt": ("Ltda.", "S.A.", "ME", ""),
    "it": ("S.r.l.", "S.p.A.", ""),
    "pl": ("Sp. z o.o.", "S.A.", ""),
    "nl": ("B.V.", "N.V.", ""),
    "sv": ("AB", ""),
}

_SECTOR = {
    "en": (
        "Logistics",
        "Health",
        "Manufacturing",
        "Retail Group",
        "Energy",
        "Insurance",
        "Foods",
        "Financial Services",
        "Airlines",
        "Pharmaceuticals",
        "Telecom",
        "Media",
        "Engineering",
        "Hospitality",
        "Bank",
        "Motors",
        "Capital",
        "Labs",
    ),
    "de": (
        "Maschinenbau",
        "Logistik",
        "Versicherungen",
        "Stadtwerke",
        "Bäckerei",
        "Elektrotechnik",
        "Automobil",
        "Handelsgesellschaft",
        "Bank",
        "Klinikum",
        "Brauerei",
    ),
    "fr": (
        "Logistique",
        "Assurances",
        "Transports",
        "Pharmacie",
        "Énergie",
        "Boulangerie",
        "Télécom",
        "Banque",
        "Hôtellerie",
        "Industries",
    ),
    "es": (
        "Logística",
        "Seguros",
        "Telecomunicaciones",
        "Alimentación",
        "Energía",
        "Construcciones",
        "Banco",
        "Farmacéutica",
    ),
    "pt": ("Logística", "Seguros", "Alimentos", "Energia", "Construtora", "Banco"),
    "it": ("Logistica", "Assicurazioni", "Alimentari", "Energia", "Costruzioni", "Banca"),
    "pl": ("Logistyka", "Ubezpieczenia", "Energetyka", "Budownictwo", "Bank"),
    "nl": ("Logistiek", "Verzekeringen", "Energie", "Bouw", "Bank"),
    "sv": ("Logistik", "Försäkring", "Energi", "Bygg", "Bank"),
}

_FR_PREFIX = ("Société", "Groupe", "Compagnie", "Établissements", "")
_ES_PREFIX = ("Grupo", "Corporación", "Industrias", "")

_SURNAMES = {
    "en": (
        "Smith",
        "Johnson",
        "Brown",
        "Taylor",
        "Wilson",
        "Clark",
        "Walker",
        "Wright",
        "Hughes",
        "Patel",
        "O'Brien",
        "Murphy",
        "Nguyen",
        "Kim",
        "Lee",
        "García",
    ),
    "de": (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schäfer",
        "Koch",
        "Großmann",
        "Wölfl",
    ),
    "fr": (
        "Martin",
        "Bernard",
        "Dubois",
        "Lefèvre",
        "Moreau",
        "Laurent",
        "Girard",
        "Rousseau",
        "Beaumont",
        "Chevalier",
    ),
    "es": (
        "García",
        "Fernández",
        "González",
        "Rodríguez",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Núñez",
        "Ibáñez",
    ),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Conceição", "Gonçalves"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser"),
    "sv": ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Lindström"),
    "ja": ("佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤"),
    "zh": ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"),
    "ko": ("김", "이", "박", "최", "정", "강", "조", "윤"),
    "ru": ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов"),
    "ar": ("الحربي", "القحطاني", "الشمري", "العتيبي", "المنصوري", "الهاشمي", "حداد"),
}
_GIVEN = {
    "en": (
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "Michael",
        "Jennifer",
        "David",
        "Linda",
        "Priya",
        "Jordan",
        "Emma",
        "Noah",
        "Olivia",
        "Liam",
    ),
    "de": ("Lukas", "Anna", "Jürgen", "Sabine", "Felix", "Jana", "Matthias", "Käthe"),
    "fr": ("Camille", "Léa", "Hugo", "Chloé", "Théo", "Amélie", "François", "Zoé"),
    "es": ("Sofía", "Mateo", "Lucía", "Martín", "Valentina", "Alejandro", "Begoña"),
    "pt": ("João", "Ana", "Gabriel", "Luíza", "Pedro", "Beatriz"),
    "it": ("Giulia", "Francesco", "Chiara", "Alessandro", "Martina"),
    "pl": ("Zofia", "Jakub", "Małgorzata", "Łukasz", "Agnieszka"),
    "nl": ("Daan", "Emma", "Sem", "Julia", "Lotte"),
    "sv": ("Elsa", "Oskar", "Maja", "Lukas", "Åsa"),
    "ja": ("太郎", "花子", "翔", "陽菜", "蓮", "結衣", "健二", "美咲"),
    "zh": ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"),
    "ko": ("민준", "서연", "도윤", "하은", "지호"),
    "ru": ("Александр", "Мария", "Дмитрий", "Анна", "Сергей", "Елена"),
    "ar": ("محمد", "فاطمة", "أحمد", "مريم", "عمر", "ليلى", "يوسف"),
}
_ROMAN_GIVEN = (
    "taro",
    "hana",
    "wei",
    "fang",
    "minjun",
    "seoyeon",
    "alexander",
    "maria",
    "mohammed",
    "fatima",
    "omar",
    "layla",
    "yusuf",
    "kenji",
    "misaki",
)

_KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
_JA_SUFFIX = (
    "商事",
    "電機",
    "工業",
    "システム",
    "物流",
    "製作所",
    "ホールディングス",
    "銀行",
    "建設",
)
_JA_LEGAL = ("株式会社", "有限会社", "")
_HANZI = "华中国东方长城海天星宇信达恒通盛泰安新鑫隆兴汇金创智联科"
_ZH_SUFFIX = (
    "科技有限公司",
    "集团有限公司",
    "贸易有限公司",
    "股份有限公司",
    "物流有限公司",
    "银行",
)
_HANGUL = "가나다라마바사아자차카타파하한국대성신현우진"
_KO_SUFFIX = ("전자", "물산", "건설", "시스템", "은행", "통신")
_KO_LEGAL = ("주식회사", "(주)", "")
_CYR = {
    "a": "а",
    "b": "б",
    "c": "к",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "x": "кс",
    "z": "з",
}
_RU_LEGAL = ("ООО", "АО", "ПАО", "")
_RU_SECTOR = ("Логистика", "Энерго", "Телеком", "Строй", "Банк", "Страхование")
_AR = {
    "a": "ا",
    "b": "ب",
    "c": "ك",
    "d": "د",
    "e": "ي",
    "f": "ف",
    "g": "ج",
    "i": "ي",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "o": "و",
    "p": "ب",
    "r": "ر",
    "s": "س",
    "t": "ت",
    "u": "و",
    "v": "ف",
    "x": "كس",
    "z": "ز",
}
_AR_PREFIX = ("شركة", "مجموعة", "مؤسسة")
_AR_SECTOR = ("للتجارة", "للمقاولات", "للخدمات اللوجستية", "القابضة", "للاتصالات")

_COUNTRY_CODES = list(COUNTRIES)
_COUNTRY_WEIGHTS = [COUNTRIES[c][2] for c in _COUNTRY_CODES]


def country(rng: random.Random) -> str:
    return rng.choices(_COUNTRY_CODES, weights=_COUNTRY_WEIGHTS)[0]


@dataclass(frozen=True, slots=True)
class Customer:
    name: str  #: canonical spelling
    domain: str  #: registrable domain (lower-case ASCII)
    country: str
    language: str
    variants: tuple[str, ...]  #: other spellings that normalise to the same name


def _latin(word: str) -> str:
    return word.capitalize()


def customer(rng: random.Random, serial: int) -> Customer:
    """A fictional end customer; ``serial`` keeps domains unique across the pool."""
    cc = country(rng)
    lang, tld, _w = COUNTRIES[cc]
    word = brand(rng)
    # a serial suffix in the domain (never in the name) keeps customers' domains distinct
    domain = f"{word}{_base36(serial)}.{tld}"
    if lang == "ja":
        kana = "".join(rng.choice(_KATAKANA) for _ in range(rng.randint(2, 4)))
        core = kana + rng.choice(_JA_SUFFIX)
        legal = rng.choice(_JA_LEGAL)
        name = f"{legal}{core}" if legal else core
        variants = (f"{core}{legal}" if legal else f"株式会社{core}", f"{core}株式会社")
    elif lang == "zh":
        core = "".join(rng.choice(_HANZI) for _ in range(2)) + rng.choice(_ZH_SUFFIX)
        name = core
        variants = (core.replace("有限公司", "公司"),)
    elif lang == "ko":
        core = "".join(rng.choice(_HANGUL) for _ in range(2)) + rng.choice(_KO_SUFFIX)
        legal = rng.choice(_KO_LEGAL)
        name = f"{legal} {core}".strip()
        variants = (core, f"{core} 주식회사")
    elif lang == "ru":
        core = "".join(_CYR.get(ch, ch) for ch in word).capitalize()
        sector = rng.choice(_RU_SECTOR)
        legal = rng.choice(_RU_LEGAL)
        name = f"{legal} «{core}{sector}»".strip() if legal else f"{core}{sector}"
        variants = (f"{core}{sector}", f'{legal} "{core}{sector}"'.strip())
    elif lang == "ar":
        core = "".join(_AR.get(ch, ch) for ch in word)
        name = f"{rng.choice(_AR_PREFIX)} {core} {rng.choice(_AR_SECTOR)}"
        variants = (name.replace("شركة ", ""),)
    else:
        legal = rng.choice(_LEGAL.get(lang, ("",)))
        sectors = _SECTOR.get(lang, _SECTOR["en"])
        roll = rng.random()
        if roll < 0.25:
            # family-name companies: many customers share a surname, the rules must cope
            base = f"{rng.choice(_SURNAMES[lang])} {_latin(word)} {rng.choice(sectors)}"
        elif roll < 0.4 and lang == "fr":
            base = f"{rng.choice(_FR_PREFIX)} {_latin(word)} {rng.choice(sectors)}".strip()
        elif roll < 0.4 and lang == "es":
            base = f"{rng.choice(_ES_PREFIX)} {_latin(word)} {rng.choice(sectors)}".strip()
        else:
            base = f"{_latin(word)} {rng.choice(sectors)}"
        name = f"{base} {legal}".strip()
        other = rng.choice(_LEGAL.get(lang, ("",)))
        variants = (base.upper(), f"{base} {other}".strip(), f"{base}, {legal}".strip(", "))
    return Customer(name=name, domain=domain, country=cc, language=lang, variants=variants)


def website(rng: random.Random, domain: str) -> str:
    """What a partner types for the customer's site: URL, host or bare domain."""
    roll = rng.random()
    if roll < 0.4:
        return f"https://www.{domain}"
    if roll < 0.6:
        return f"www.{domain}"
    if roll < 0.7:
        return f"https://{rng.choice(('it', 'shop', 'de', 'en', 'portal'))}.{domain}/"
    return domain


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def person(rng: random.Random, lang: str) -> tuple[str, str]:
    """(display name, ASCII local part for an e-mail address)."""
    given = rng.choice(_GIVEN.get(lang, _GIVEN["en"]))
    family = rng.choice(_SURNAMES.get(lang, _SURNAMES["en"]))
    if lang in ("ja", "zh", "ko"):
        display = f"{family}{given}" if lang != "ko" else f"{family}{given}"
        local = rng.choice(_ROMAN_GIVEN)
    elif lang in ("ru", "ar"):
        display = f"{given} {family}"
        local = rng.choice(_ROMAN_GIVEN)
    else:
        display = f"{given} {family}"
        local = _ascii(f"{given}.{family}")
    return display, local


def _ascii(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == ".") or "user"


_PARTNER_WORDS = (
    "IT Solutions",
    "Systems",
    "Consulting",
    "Networks",
    "Cloud Services",
    "Digital",
    "Technologies",
    "Integration",
    "Data",
    "Security",
    "Managed Services",
)


def partner_company(rng: random.Random, serial: int) -> tuple[str, str, str, str]:
    """(name, country, language, e-mail domain) of a reseller/MSP/distributor."""
    cc = country(rng)
    lang, tld, _w = COUNTRIES[cc]
    word = brand(rng)
    legal = rng.choice(_LEGAL.get(lang, ("",))) if lang in _LEGAL else ""
    if lang == "ja":
        name = "株式会社" + "".join(rng.choice(_KATAKANA) for _ in range(3)) + "システムズ"
    elif lang == "zh":
        name = "".join(rng.choice(_HANZI) for _ in range(2)) + "信息技术有限公司"
    elif lang == "ko":
        name = "".join(rng.choice(_HANGUL) for _ in range(2)) + "정보통신"
    elif lang == "ru":
        name = "ООО «" + "".join(_CYR.get(ch, ch) for ch in word).capitalize() + " ИТ»"
    elif lang == "ar":
        name = "شركة " + "".join(_AR.get(ch, ch) for ch in word) + " لتقنية المعلومات"
    else:
        name = f"{_latin(word)} {rng.choice(_PARTNER_WORDS)} {legal}".strip()
    return name, cc, lang, f"{word}{_base36(serial)}-partner.{tld}"


PRODUCTS = (
    "Cloud Platform — Enterprise, 250 seats",
    "Cloud Platform — Business, 80 seats",
    "Backup & Recovery, 40 TB",
    "Security Suite Premium",
    "Analytics Add-on, 3-year term",
    "Managed Kubernetes, 12 nodes",
    "Professional services: migration",
    "Endpoint Protection, 1,200 devices",
    "Data Warehouse, reserved capacity",
)
