from django.contrib import admin

from cluster_platform.admin import TenantAdmin

from .models import (
    Adoption,
    ExpertProfile,
    ExpertReview,
    Innovation,
    InnovationAttachment,
    InnovationAuthor,
    InnovationPolicy,
    Pilot,
    PilotMeasure,
    StageTransition,
)


@admin.register(Innovation)
class InnovationAdmin(TenantAdmin):
    list_display = ["title", "kind", "stage", "origin_organization", "review_round", "created_at", "cluster"]
    list_select_related = ["cluster", "origin_organization"]
    list_filter = ["stage", "kind", "education_level"]
    search_fields = ["title"]


@admin.register(InnovationAuthor)
class InnovationAuthorAdmin(TenantAdmin):
    list_display = ["innovation", "person", "position", "cluster"]
    list_select_related = ["cluster", "innovation", "person"]


@admin.register(InnovationAttachment)
class InnovationAttachmentAdmin(TenantAdmin):
    list_display = ["original_name", "innovation", "content_type", "size", "uploaded_at", "cluster"]
    list_select_related = ["cluster", "innovation"]


@admin.register(StageTransition)
class StageTransitionAdmin(TenantAdmin):
    list_display = ["innovation", "from_stage", "to_stage", "actor", "created_at", "cluster"]
    list_select_related = ["cluster", "innovation", "actor"]
    list_filter = ["to_stage"]


@admin.register(ExpertReview)
class ExpertReviewAdmin(TenantAdmin):
    list_display = ["innovation", "expert", "round", "status", "due_date", "recommendation", "cluster"]
    list_select_related = ["cluster", "innovation", "expert"]
    list_filter = ["status", "recommendation"]


@admin.register(Pilot)
class PilotAdmin(TenantAdmin):
    list_display = ["innovation", "organization", "start_date", "end_date", "status", "cluster"]
    list_select_related = ["cluster", "innovation", "organization"]
    list_filter = ["status"]


@admin.register(PilotMeasure)
class PilotMeasureAdmin(TenantAdmin):
    list_display = ["name", "pilot", "baseline", "result", "cluster"]
    list_select_related = ["cluster", "pilot"]


@admin.register(Adoption)
class AdoptionAdmin(TenantAdmin):
    list_display = ["innovation", "organization", "learned_from", "started_on", "status", "cluster"]
    list_select_related = ["cluster", "innovation", "organization", "learned_from"]
    list_filter = ["status"]


@admin.register(InnovationPolicy)
class InnovationPolicyAdmin(TenantAdmin):
    list_display = ["cluster", "reviewers_required", "approval_threshold", "consensus_spread", "blind_review"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(TenantAdmin):
    list_display = ["user", "subject_fields", "cluster"]
    list_select_related = ["cluster", "user"]
