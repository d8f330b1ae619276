"""Browser URLs of programmes, included under /c/<slug:cluster_slug>/programs/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.ProgramListView.as_view(), name="program_list"),
    path("new/", views.ProgramCreateView.as_view(), name="program_create"),
    path("mine/", views.MyProgramsView.as_view(), name="program_mine"),
    path("<int:pk>/", views.ProgramDetailView.as_view(), name="program_detail"),
    path("<int:pk>/edit/", views.ProgramEditView.as_view(), name="program_edit"),
    path("<int:pk>/transition/", views.ProgramTransitionView.as_view(), name="program_transition"),
    path("<int:pk>/sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("sessions/<int:session_pk>/edit/", views.SessionEditView.as_view(), name="session_edit"),
    path("sessions/<int:session_pk>/delete/", views.SessionDeleteView.as_view(), name="session_delete"),
    path("<int:pk>/enroll/", views.EnrollView.as_view(), name="program_enroll"),
    path("<int:pk>/apply/", views.ApplyView.as_view(), name="program_apply"),
    path("<int:pk>/enrollments/", views.EnrollmentsView.as_view(), name="program_enrollments"),
    path("<int:pk>/attendance/", views.AttendanceView.as_view(), name="program_attendance"),
    path("<int:pk>/attendance/import/", views.AttendanceImportView.as_view(), name="program_attendance_import"),
    path("<int:pk>/attendance/import/confirm/", views.AttendanceImportConfirmView.as_view(),
         name="program_attendance_import_confirm"),
    path("<int:pk>/attendance/template.csv", views.AttendanceTemplateView.as_view(),
         name="program_attendance_template"),
    path("<int:pk>/evaluate/", views.CompletionEvaluateView.as_view(), name="program_evaluate"),
    path("<int:pk>/certificates.zip", views.CertificatesZipView.as_view(), name="program_certificates_zip"),
    path("enrollments/<int:pk>/confirm/", views.ConfirmApplicationView.as_view(), name="enrollment_confirm"),
    path("enrollments/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="enrollment_withdraw"),
    path("enrollments/<int:pk>/certificate.pdf", views.EnrollmentCertificateView.as_view(),
         name="enrollment_certificate"),
    path("needs/", views.NeedListView.as_view(), name="need_list"),
    path("needs/new/", views.NeedCreateView.as_view(), name="need_create"),
    path("needs/<int:pk>/", views.NeedDetailView.as_view(), name="need_detail"),
    path("needs/<int:pk>/link/", views.NeedLinkView.as_view(), name="need_link"),
    path("needs/<int:pk>/unlink/", views.NeedUnlinkView.as_view(), name="need_unlink"),
    path("needs/<int:pk>/close/", views.NeedCloseView.as_view(), name="need_close"),
]
