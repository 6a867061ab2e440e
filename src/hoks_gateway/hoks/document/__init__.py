"""The HOKS document: the eHOKS data model, every validation rule, and the eHOKS JSON codec.

    doc = parse_ehoks(body, mode="create", manual=False, study_right=facts, today=today)
    row.document = to_storage(doc)            # the JSONB value: the eHOKS form itself
    doc = load_stored(row.document)           # read path: trusted, no rules
    to_ehoks(doc)                             # the eHOKS transfer form (as it was sent)
    to_ehoks_get(doc)                         # as eHOKS's GET returns it: every list there

Invalid documents raise DocumentInvalid (BAD_USER_INPUT, 400) whose `extensions["violations"]`
lists every violation as {path, message, rule}. `check_rules(to_ehoks(doc), RuleContext(...))`
re-runs the cross-field rules alone, e.g. on a stored plan with a PATCH merged in.
"""

from hoks_gateway.hoks.document.codec import (
    load_stored,
    load_stored_json,
    parse_ehoks,
    to_ehoks,
    to_ehoks_get,
    to_storage,
    with_module_ids,
)
from hoks_gateway.hoks.document.model import PART_ARRAYS, HoksDocument
from hoks_gateway.hoks.document.rules import RULES, Mode, RuleContext
from hoks_gateway.hoks.document.rules import check as check_rules
from hoks_gateway.hoks.document.status import PartProgress, PartStatus, part_status, progress
from hoks_gateway.hoks.document.study_right import StudyRightFacts, StudyRightKind
from hoks_gateway.hoks.document.violations import DocumentInvalid, Violation

__all__ = [
    "PART_ARRAYS",
    "RULES",
    "DocumentInvalid",
    "HoksDocument",
    "Mode",
    "PartProgress",
    "PartStatus",
    "RuleContext",
    "StudyRightFacts",
    "StudyRightKind",
    "Violation",
    "check_rules",
    "load_stored",
    "load_stored_json",
    "parse_ehoks",
    "part_status",
    "progress",
    "to_ehoks",
    "to_ehoks_get",
    "to_storage",
    "with_module_ids",
]
