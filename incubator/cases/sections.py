"""How cases plug into the pages and signals of lower domains: the project page shows the decisions of its cases,
a stopped progress review leaves a draft case (and its page links to it), committee items link to the case.

Why a draft on every stop, rather than a link that opens a prefilled form: the issue makes a stop the origin of a
case, so the record exists at once with the project, its lead and its fundings at stake, is linked from the review,
and waits in the managers' list of drafts until one completes and files it. Nothing depends on someone
remembering to open it.
"""
from incubator.cases import queries
from incubator.cases.permissions import may_see, roles_in
from incubator.core.audit import record_view
from incubator.core.permissions import can
from incubator.notifications.operations import link_to


def case_path(case):
    return link_to('case.show', case_id=case.id)


def record_download(case, attachment):
    """Evidence downloads are written to the audit log like views of the case page."""
    record_view('case', case.id, f'{case.number or ""} {attachment.original_name}'.strip())


def draft_case_from_review(review, user, **_):
    """``review_stopped`` receiver: the review's draft case, in the same transaction as the stop."""
    from incubator.cases.operations import draft_from_review
    if not queries.cases_of_review(review.id):
        draft_from_review(review, user)


def project_section(project, user):
    """The decided cases of ``project`` that ``user`` may see (outcome, amounts waived or reclaimed), and the way
    to file a new one for its startup's owners and the managers."""
    cases = [case for case in queries.decided_cases_of_project(project.id) if may_see(roles_in(user, case), case)]
    may_file = can(user, 'startup.file_case', project.startup)
    return {'cases': cases, 'may_file': may_file} if cases or may_file else None


def review_section(review, user):
    """The cases a stopped review led to, for those who may see them."""
    cases = [case for case in queries.cases_of_review(review.id) if may_see(roles_in(user, case), case)]
    return {'cases': cases} if cases else None
