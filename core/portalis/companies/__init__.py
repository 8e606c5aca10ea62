"""Partner companies beyond their table: how names and domains are compared.

Several features need to decide whether two records name the same company - deal conflicts,
duplicate partner applications, self-registration by e-mail domain - so the rules live here,
once, and reach plugins through ``portalis.api``.
"""

from .domains import company_domain, is_free_mail_domain, registrable_domain
from .names import (
    SIMILAR_NAME_THRESHOLD,
    company_name_similarity,
    name_block_key,
    normalize_company_name,
    same_company_name,
)

__all__ = [
    "SIMILAR_NAME_THRESHOLD",
    "company_domain",
    "company_name_similarity",
    "is_free_mail_domain",
    "name_block_key",
    "normalize_company_name",
    "registrable_domain",
    "same_company_name",
]
