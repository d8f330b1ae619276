from django.contrib import admin

from cluster_platform.admin import TenantAdmin

from .models import Agreement, AgreementNumberSequence, AgreementParty, AgreementTransition, Obligation


@admin.register(Agreement)
class AgreementAdmin(TenantAdmin):
    list_display = ["number", "title", "kind", "status", "start_date", "end_date", "cluster"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "title"]


@admin.register(AgreementParty)
class AgreementPartyAdmin(TenantAdmin):
    list_display = ["agreement", "organization", "role", "signed_on", "cluster"]
    list_select_related = ["cluster", "agreement", "organization"]


@admin.register(AgreementTransition)
class AgreementTransitionAdmin(TenantAdmin):
    list_display = ["agreement", "from_status", "to_status", "actor", "created_at", "cluster"]
    list_select_related = ["cluster", "agreement", "actor"]


@admin.register(Obligation)
class ObligationAdmin(TenantAdmin):
    list_display = ["description", "agreement", "party", "due_date", "status", "cluster"]
    list_select_related = ["cluster", "agreement", "party__organization"]
    list_filter = ["status"]


@admin.register(AgreementNumberSequence)
class AgreementNumberSequenceAdmin(TenantAdmin):
    list_display = ["cluster", "year", "last_number"]
