"""Browser pages of programmes: the catalogue, the programme page and its actions, enrolment
management, the attendance sheet, "my programmes", employer needs and the public certificate
check. Objects are loaded through programs.selectors with the cluster (and, for enrolments, the
user's roles), so another cluster's object and one the user may not read answer alike (404);
every write is a service call, whose PermissionDenied answers 403 and whose ValidationError is
shown beside the field it names with 422."""

from .attendance import (
    AttendanceImportConfirmView,
    AttendanceImportView,
    AttendanceTemplateView,
    AttendanceView,
    CompletionEvaluateView,
)
from .enrolments import (
    ApplyView,
    CertificatesZipView,
    ConfirmApplicationView,
    EnrollmentCertificateView,
    EnrollmentsView,
    EnrollView,
    MyProgramsView,
    WithdrawView,
)
from .needs import NeedCloseView, NeedCreateView, NeedDetailView, NeedLinkView, NeedListView, NeedUnlinkView
from .programmes import (
    ProgramCreateView,
    ProgramDetailView,
    ProgramEditView,
    ProgramListView,
    ProgramTransitionView,
    SessionCreateView,
    SessionDeleteView,
    SessionEditView,
)
from .verify import VerifyFormView, VerifyView

__all__ = [
    "ApplyView", "AttendanceImportConfirmView", "AttendanceImportView", "AttendanceTemplateView", "AttendanceView",
    "CertificatesZipView", "CompletionEvaluateView", "ConfirmApplicationView",
    "EnrollView", "EnrollmentCertificateView", "EnrollmentsView", "MyProgramsView", "NeedCloseView",
    "NeedCreateView", "NeedDetailView", "NeedLinkView", "NeedListView", "NeedUnlinkView", "ProgramCreateView",
    "ProgramDetailView", "ProgramEditView", "ProgramListView", "ProgramTransitionView", "SessionCreateView",
    "SessionDeleteView", "SessionEditView", "VerifyFormView", "VerifyView", "WithdrawView",
]
