"""The core's company-matching rules (``portalis.companies``, reached through ``portalis.api``):
registrable domains, free-mail providers, company-name normalisation and similarity."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

from portalis.api import (
    SIMILAR_NAME_THRESHOLD,
    company_name_similarity,
    is_free_mail_domain,
    name_block_key,
    normalize_company_name,
    registrable_domain,
    same_company_name,
)

# --------------------------------------------------------------------------------------------
# registrable_domain
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "acme.com",
        "ACME.COM",
        "www.acme.com",
        "eu.acme.com",
        "sales.eu.acme.com",
        "www.acme.com.",
        "  acme.com  ",
        "acme.com:8080",
        "www.acme.com/contact?x=1",
        "https://www.eu.acme.com/path",
        "http://user:secret@shop.acme.com:8443/x?y=1#z",
        "HTTPS://WWW.ACME.COM",
        "jo@acme.com",
        "jo@sales.acme.com",
        "JO@Sales.ACME.com",
        "mailto:jo@acme.com",
        "Jo Bloggs <jo@www.acme.com>",
        "acme\u3002com",  # ideographic full stop is an IDNA label separator
    ],
)
def test_registrable_domain_collapses_subdomains_urls_and_emails(value: str) -> None:
    assert registrable_domain(value) == "acme.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jo@sales.acme.co.uk", "acme.co.uk"),
        ("https://www.acme.co.uk/about", "acme.co.uk"),
        ("acme.co.uk", "acme.co.uk"),
        ("www.acme.com.au", "acme.com.au"),
        ("shop.acme.co.jp", "acme.co.jp"),
        ("acme.com.br", "acme.com.br"),
        ("acme.co.nz", "acme.co.nz"),
        ("acme.co.za", "acme.co.za"),
        ("acme.com.mx", "acme.com.mx"),
        ("acme.com.cn", "acme.com.cn"),
        ("acme.co.in", "acme.co.in"),
        ("acme.org.uk", "acme.org.uk"),
        ("cs.ox.ac.uk", "ox.ac.uk"),
        ("www.hmrc.gov.uk", "hmrc.gov.uk"),
        ("acme.ne.jp", "acme.ne.jp"),
        ("acme.or.jp", "acme.or.jp"),
        ("acme.com.tr", "acme.com.tr"),
        ("acme.com.sg", "acme.com.sg"),
        ("acme.com.hk", "acme.com.hk"),
        # A plain ccTLD stays two labels.
        ("www.acme.de", "acme.de"),
        ("acme.co", "acme.co"),
        # Hosting platforms hand out sub-domains to unrelated owners.
        ("acme.github.io", "acme.github.io"),
        ("docs.acme.herokuapp.com", "acme.herokuapp.com"),
    ],
)
def test_registrable_domain_knows_multi_label_public_suffixes(value: str, expected: str) -> None:
    assert registrable_domain(value) == expected


def test_registrable_domain_keeps_different_customers_apart() -> None:
    domains = {
        registrable_domain(value)
        for value in ("acme.com", "acme.co.uk", "acme.com.au", "acme.eu", "acme-corp.com")
    }
    assert len(domains) == 5
    # "eu.acme.com" belongs to acme.com, not to acme.eu.
    assert registrable_domain("eu.acme.com") != registrable_domain("acme.eu")
    # Two different companies on the same second-level suffix.
    assert registrable_domain("acme.co.uk") != registrable_domain("apex.co.uk")


def test_registrable_domain_idna_normalises_non_ascii() -> None:
    assert registrable_domain("http://www.münchen.de/") == "xn--mnchen-3ya.de"
    assert registrable_domain("XN--MNCHEN-3YA.DE") == "xn--mnchen-3ya.de"
    assert registrable_domain("info@MÜNCHEN.de") == "xn--mnchen-3ya.de"
    japanese = registrable_domain("例え.テスト")
    assert japanese is not None
    assert japanese.isascii()
    assert japanese.startswith("xn--")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "acme",  # single label
        "localhost",
        "com",
        "co.uk",  # a public suffix itself
        "github.io",
        "192.168.0.1",
        "http://10.0.0.1:8080/x",
        "[::1]",
        "http://[::1]/",
        "http://[::1",  # malformed IPv6 URL
        "not a domain",
        "n/a",
        "acme..com",
        "-acme.com",
        "acme-.com",
        "acme.123",
        "a" * 64 + ".com",  # label longer than 63
        "xn--zz.com",  # invalid punycode
        "jo@",
        "http://",
        "acme_corp.com",
    ],
)
def test_registrable_domain_rejects_invalid_input(value: str) -> None:
    assert registrable_domain(value) is None


def test_registrable_domain_returns_free_mail_domains() -> None:
    # The free-mail decision is separate: the domain itself is still a valid domain.
    assert registrable_domain("jo@gmail.com") == "gmail.com"


# --------------------------------------------------------------------------------------------
# is_free_mail_domain
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "gmx.de",
        "web.de",
        "icloud.com",
        "proton.me",
        "jo@GMAIL.com",
        "https://mail.yahoo.co.uk",
        "someone@yahoo.co.jp",
        "x@hotmail.fr",
        "x@mail.ru",
        "x@qq.com",
    ],
)
def test_free_mail_domains_are_recognised(value: str) -> None:
    assert is_free_mail_domain(value) is True


@pytest.mark.parametrize(
    "value",
    ["acme.com", "gmail.acme.com", "notgmail.com", "gmail.co", "jo@acme.co.uk", "", "garbage"],
)
def test_company_domains_are_not_free_mail(value: str) -> None:
    assert is_free_mail_domain(value) is False


# --------------------------------------------------------------------------------------------
# normalize_company_name
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ACME, Inc.",
        "acme",
        "Acme GmbH",
        "Ácmé S.A.",
        "  Acme   Corp  ",
        "Acme Corporation",
        "Acme Incorporated",
        "Acme LLC",
        "Acme Ltd.",
        "Acme Limited",
        "Acme plc",
        "Acme AG",
        "Acme SE",
        "Acme SAS",
        "Acme S.à r.l.",
        "Acme SARL",
        "Acme S.r.l.",
        "Acme S.p.A.",
        "Acme B.V.",
        "Acme N.V.",
        "Acme Oy",
        "Acme AB (publ)",
        "Acme A/S",
        "Acme AS",
        "Acme K.K.",
        "Acme Kabushiki Kaisha",
        "Acme Pty Ltd",
        "Acme Pty. Ltd.",
        "Acme Pvt. Ltd.",
        "Acme Private Limited",
        "Acme S.L.",
        "Acme, S.A. de C.V.",
        "Acme S. A. de C. V.",
        "Acme Co., Ltd.",
        "Acme & Co.",
        "Acme Sp. z o.o.",
        "Acme s.r.o.",
        "Acme Kft.",
        "Acme Ltda.",
        "Acme Ltée",
        "Acme Sdn. Bhd.",
        "Acme Ltd. Şti.",
        "PT Acme Tbk",
        "The Acme Company",
        "ＡＣＭＥ",  # full-width
        "Acme™",
        "Acme®",
        "acme.",
    ],
)
def test_normalize_equivalent_spellings(name: str) -> None:
    assert normalize_company_name(name) == "acme"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme Holdings GmbH & Co. KG", "acme holdings"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Acme Ltd & Co KG", "acme"),
        ("Grupo Bimbo, S.A.B. de C.V.", "grupo bimbo"),
        ("Toyota Jidosha Kabushiki Kaisha", "toyota jidosha"),
        ("Nestlé S.A.", "nestle"),
        ("L'Oréal S.A.", "loreal"),
        ("L’Oréal", "loreal"),
        ("Ørsted A/S", "orsted"),
        ("Straße GmbH", "strasse"),
        ("Œuvre Æther SAS", "oeuvre aether"),
        ("Łódź Sp. z o.o.", "lodz"),
        ("Procter & Gamble Co.", "procter and gamble"),
        ("AT&T Inc.", "at and t"),
        ("Smith & Co.", "smith"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("Hewlett-Packard", "hewlett packard"),
        ("Sales/Marketing Partners Ltd", "sales marketing partners"),
        ("3M Company", "3m"),
        # Legal-form words that are not at the end are part of the name.
        ("Limited Brands, Inc.", "limited brands"),
        ("The Company of Biologists Ltd", "company of biologists"),
        # A legal form that is the whole name is the name: never normalise to "".
        ("Company Ltd", "company"),
        ("Ltd", "ltd"),
        ("The", "the"),
    ],
)
def test_normalize_specific_results(name: str, expected: str) -> None:
    assert normalize_company_name(name) == expected


@pytest.mark.parametrize("name", ["", "   ", " ,.;- ", "™", "()", "«»"])
def test_normalize_empty_or_punctuation_only(name: str) -> None:
    assert normalize_company_name(name) == ""
    assert name_block_key(name) == ""


def test_normalize_ampersand_alone_is_spelled_out() -> None:
    assert normalize_company_name(" & ") == "and"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 株式会社 (kabushiki kaisha) is treated as a legal form, before or after the name.
        ("トヨタ自動車株式会社", "トヨタ自動車"),
        ("トヨタ自動車", "トヨタ自動車"),
        ("トヨタ自動車 株式会社", "トヨタ自動車"),
        ("株式会社トヨタ自動車", "トヨタ自動車"),
        ("(株)トヨタ自動車", "トヨタ自動車"),
        ("トヨタ自動車（株）", "トヨタ自動車"),
        ("㈱トヨタ自動車", "トヨタ自動車"),
        ("ﾄﾖﾀ自動車株式会社", "トヨタ自動車"),  # half-width katakana
        ("有限会社やまだ", "やまだ"),
        ("阿里巴巴集团控股有限公司", "阿里巴巴集团控股"),
        ("삼성전자 주식회사", "삼성전자"),
        ("(주)삼성전자", "삼성전자"),
        ("ООО «Ромашка»", "ромашка"),
        ("Ромашка ООО", "ромашка"),
        ("Газпром ПАО", "газпром"),
        ('Teva בע"מ', "teva"),
    ],
)
def test_normalize_non_latin_scripts(name: str, expected: str) -> None:
    assert normalize_company_name(name) == expected


def test_normalize_keeps_marks_that_are_part_of_non_latin_letters() -> None:
    # The Japanese voicing mark turns ト into ド: it must survive (and stay composed).
    bridgestone = normalize_company_name("ブリヂストン株式会社")
    assert bridgestone == "ブリヂストン"
    assert unicodedata.is_normalized("NFC", bridgestone)
    # Devanagari vowel signs are vowels, not accents.
    reliance = normalize_company_name("रिलायंस इंडस्ट्रीज़")
    assert reliance.startswith("रिलायंस ")
    assert "\u093f" in reliance  # the vowel sign "ि"
    # Hangul stays as syllables, not decomposed jamo.
    assert normalize_company_name("삼성") == "삼성"


def test_normalize_arabic_keeps_letters_and_folds_optional_marks() -> None:
    result = normalize_company_name("شركة أرامكو السعودية")
    assert result == "ارامكو السعودية"
    # Vowel marks (harakat) and tatweel are optional in Arabic writing.
    assert normalize_company_name("أرَامـكو") == normalize_company_name("أرامكو")


def test_normalize_cyrillic_accents_fold_like_latin() -> None:
    assert normalize_company_name("Ёлка") == normalize_company_name("Елка")


SAMPLE_NAMES = [
    "ACME, Inc.",
    "Ácmé S.A.",
    "Acme Holdings GmbH & Co. KG",
    "The Acme Company",
    "Company Ltd",
    "Grupo Bimbo, S.A.B. de C.V.",
    "トヨタ自動車株式会社",
    "(株)トヨタ自動車",
    "ООО «Ромашка»",
    "شركة أرامكو السعودية",
    "삼성전자 주식회사",
    "AT&T Inc.",
    "L'Oréal",
    "Ørsted A/S",
    "Micro Soft",
    "Global Solutions",
    "",
    "Ltd",
]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_normalize_is_idempotent(name: str) -> None:
    once = normalize_company_name(name)
    assert normalize_company_name(once) == once
    assert once == once.strip()
    assert "  " not in once


# --------------------------------------------------------------------------------------------
# company_name_similarity
# --------------------------------------------------------------------------------------------

THRESHOLD = SIMILAR_NAME_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME, Inc.", "acme"),
        ("Acme GmbH", "Ácmé S.A."),
        ("Micro Soft", "Microsoft"),
        ("トヨタ自動車株式会社", "トヨタ自動車"),
    ],
)
def test_similarity_is_one_for_equal_normalised_names(a: str, b: str) -> None:
    assert company_name_similarity(a, b) == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme", "Apex"),
        ("Acme Technologies", "Apex Technologies"),  # a shared generic word must not help
        ("Acme International", "Apex International"),
        ("Global Solutions", "Acme Global Solutions"),  # extra distinctive word
        ("Global Solutions", "Global Systems"),
        ("Deutsche Bank", "Deutsche Telekom"),
        ("First National Bank of Omaha", "First National Bank of Texas"),
        ("Siemens", "Siemens Healthineers"),
        ("トヨタ自動車", "日産自動車"),
        ("삼성전자", "삼성물산"),
        ("IBM", "HP"),
    ],
)
def test_similarity_keeps_unrelated_names_below_threshold(a: str, b: str) -> None:
    assert company_name_similarity(a, b) < THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Widgets", "Acme Widgts"),  # typo
        ("Acme Widgets Inc", "Widgets Acme"),  # word order
        ("Acme Holdings GmbH & Co. KG", "Acme Ltd"),  # descriptor word
        ("Hewlett Packard Enterprise", "Hewlett-Packard"),
        ("Acme Widgets International", "Acme Widget Intl"),
        ("Salesforce", "Salesforce.com"),
        ("Smith and Jones", "Smith & Jones Ltd"),
    ],
)
def test_similarity_accepts_close_variants(a: str, b: str) -> None:
    score = company_name_similarity(a, b)
    assert THRESHOLD <= score <= 1.0


def test_similarity_descriptor_difference_ranks_below_exact() -> None:
    assert company_name_similarity("Acme Holdings", "Acme") == pytest.approx(0.9)
    assert company_name_similarity("Acme Group", "Acme Holdings") == pytest.approx(0.9)
    # The same descriptor on both sides costs nothing.
    assert company_name_similarity("Acme Holdings", "Acme Holding AG") == 1.0


def test_similarity_empty_names_score_zero() -> None:
    assert company_name_similarity("", "Acme") == 0.0
    assert company_name_similarity("Acme", "") == 0.0
    assert company_name_similarity("", "") == 0.0
    assert company_name_similarity("Inc.", "") == 0.0


SIMILARITY_NAMES = [
    "Acme",
    "Apex",
    "Acme Widgets",
    "Acme Holdings GmbH & Co. KG",
    "Global Solutions",
    "トヨタ自動車株式会社",
    "日産自動車",
    "ООО «Ромашка»",
    "",
    "a",
    "AT&T",
    "The Company of Biologists Ltd",
]


@pytest.mark.parametrize(("a", "b"), list(itertools.product(SIMILARITY_NAMES, repeat=2)))
def test_similarity_bounds_and_symmetry(a: str, b: str) -> None:
    score = company_name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == company_name_similarity(b, a)
    if normalize_company_name(a) and normalize_company_name(a) == normalize_company_name(b):
        assert score == 1.0


# --------------------------------------------------------------------------------------------
# name_block_key
# --------------------------------------------------------------------------------------------


def test_block_key_is_shared_by_equivalent_spellings() -> None:
    names = [
        "ACME, Inc.",
        "acme",
        "Acme GmbH",
        "Ácmé S.A.",
        "The Acme Company",
        "Acme Holdings GmbH & Co. KG",
        "Global Acme Group",
        "ＡＣＭＥ",
    ]
    assert {name_block_key(name) for name in names} == {"acme"}


def test_block_key_shape() -> None:
    assert name_block_key("Acme Widgets") == "acme"
    assert name_block_key("Micro Soft") == name_block_key("Microsoft") == "micr"
    assert name_block_key("HP Inc.") == "hp"  # shorter names give shorter keys
    assert name_block_key("トヨタ自動車株式会社") == "トヨタ自"
    # Generic-only names fall back to the whole normalised name.
    assert name_block_key("Global Solutions") == "glob"
    assert name_block_key("") == ""
    for name in SAMPLE_NAMES:
        key = name_block_key(name)
        assert len(key) <= 4
        assert " " not in key


def test_block_key_differs_for_unrelated_names() -> None:
    assert name_block_key("Acme") != name_block_key("Apex")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME, Inc.", "Acme GmbH"),
        ("Acme Widgets", "Acme Widgts"),
        ("Acme Holdings GmbH & Co. KG", "Acme Ltd"),
        ("Hewlett Packard Enterprise", "Hewlett-Packard"),
        ("Salesforce", "Salesforce.com"),
        ("トヨタ自動車株式会社", "㈱トヨタ自動車"),
        ("ООО «Ромашка»", "Ромашки"),
    ],
)
def test_names_that_match_share_a_block_key(a: str, b: str) -> None:
    assert company_name_similarity(a, b) >= THRESHOLD, "precondition: these names match"
    assert name_block_key(a) == name_block_key(b)


def test_block_key_documented_miss_typo_in_prefix() -> None:
    # The documented trade-off: a typo inside the first four characters changes the key even
    # though the names are similar.  Such pairs are only found through the domain rule.
    assert company_name_similarity("Microsoft", "Mircosoft") >= THRESHOLD
    assert name_block_key("Microsoft") != name_block_key("Mircosoft")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("ACME, Inc.", "Acme", True),
        ("Micro Soft GmbH", "Microsoft", True),
        ("The Acme Company", "Ácmé S.A.", True),
        ("Acme Holdings", "Acme", False),  # similar, not the same
        ("Acme", "Apex", False),
        ("Inc.", "Ltd", False),  # nothing name-like left: never "the same"
    ],
)
def test_same_company_name_compares_normalised_names(a, b, same):
    assert same_company_name(a, b) is same
    assert same_company_name(b, a) is same
