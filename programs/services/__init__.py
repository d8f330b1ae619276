"""Every state change of the programs app: one function per use case.

Each loads the rows with the cluster in the query (another cluster's id is DoesNotExist, like
one that does not exist; an id given as a choice in the input, a person, a partner, is refused
as unknown), checks permission (permissions.py), validates (a ValidationError that names the
field and says which rule refused), writes in one transaction and leaves the audit trail
(pghistory events carry the acting user and the service; status moves of a programme are also
rows of its timeline, ProgramTransition).

Places: every enrolment, confirmation, withdrawal and move of one programme first locks the
programme row (SELECT ... FOR UPDATE), then counts the places taken; so concurrent requests
queue for the programme and its places are never over-given. The partial unique constraint
"enrollment_one_active_per_person" keeps a person from holding two active enrolments in one
programme even if that lock were ever skipped. See enrolments.py for the waiting-list order.
"""

from .enrolments import apply, confirm_application, enroll, fill_places, withdraw
from .needs import need_close, need_create, need_link, need_unlink
from .programmes import (
    program_create,
    program_transition,
    program_update,
    programs_daily,
    session_add,
    session_remove,
    session_update,
)
from .records import (
    assessment_record,
    attendance_import,
    attendance_record,
    certificate_issue,
    completion_evaluate,
)

__all__ = [
    "apply",
    "assessment_record",
    "attendance_import",
    "attendance_record",
    "certificate_issue",
    "completion_evaluate",
    "confirm_application",
    "enroll",
    "fill_places",
    "need_close",
    "need_create",
    "need_link",
    "need_unlink",
    "program_create",
    "program_transition",
    "program_update",
    "programs_daily",
    "session_add",
    "session_remove",
    "session_update",
    "withdraw",
]
