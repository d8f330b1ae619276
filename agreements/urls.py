"""Browser URLs of agreements, included under /c/<slug:cluster_slug>/agreements/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.AgreementListView.as_view(), name="agreement_list"),
    path("new/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("new/signatories/", views.AgreementSignatoriesView.as_view(), name="agreement_signatories"),
    path("<int:pk>/", views.AgreementDetailView.as_view(), name="agreement_detail"),
    path("<int:pk>/transition/", views.AgreementTransitionView.as_view(), name="agreement_transition"),
    path("<int:pk>/parties/<int:party_pk>/sign/", views.AgreementSignView.as_view(), name="agreement_sign"),
    path("<int:pk>/parties/<int:party_pk>/representatives/", views.RepresentativesView.as_view(),
         name="agreement_representatives"),
    path("<int:pk>/renew/", views.AgreementRenewView.as_view(), name="agreement_renew"),
    path("<int:pk>/obligations/new/", views.ObligationCreateView.as_view(), name="agreement_obligation_create"),
    path("<int:pk>/obligations/<int:obligation_pk>/done/", views.ObligationDoneView.as_view(),
         name="agreement_obligation_done"),
    path("<int:pk>/documents/new/", views.DocumentUploadView.as_view(), name="agreement_document_upload"),
    path("<int:pk>/documents/<int:document_pk>/download/", views.DocumentDownloadView.as_view(),
         name="agreement_document_download"),
]
