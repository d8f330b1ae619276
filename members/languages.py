"""The language an email is written in: its recipient's, always one of settings.LANGUAGES.

A user's is the one remembered on their profile (members.Profile.language). Someone without an
account yet (an invitee, an applicant) has the one stored on the invitation or application when
it was made. A blank or unknown choice means the platform's default, LANGUAGE_CODE.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


def supported(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES ("ru-RU" -> "ru", "uz-Cyrl" -> "uz-cyrl"), or "" when
    the platform does not speak it."""
    try:
        return translation.get_supported_language_variant((code or "").lower())
    except LookupError:
        return ""


def language_for(choice: str | None) -> str:
    """The language to write in for a stored choice: that one when the platform speaks it, else
    the platform's default."""
    return choice if choice in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def cluster_language(cluster) -> str:
    """The cluster's first language (Cluster.languages) that the platform speaks, or ""."""
    available = dict(settings.LANGUAGES)
    return next((code for code in cluster.languages or [] if code in available), "")


def remembered_language(user) -> str:
    """The language the user's profile remembers when the platform speaks it, else "" (also for
    no user, or no profile). Load the user with select_related("profile") when there are many."""
    profile = getattr(user, "profile", None)  # RelatedObjectDoesNotExist is an AttributeError
    choice = getattr(profile, "language", "")
    return choice if choice in dict(settings.LANGUAGES) else ""


def language_of(user) -> str:
    """The user's remembered language, else the platform's default."""
    return remembered_language(user) or settings.LANGUAGE_CODE


def render_email(language: str, template: str, context: dict) -> tuple[str, str]:
    """The subject (`<template>_subject.txt`, on one line: a header holds no line break) and the
    body (`<template>.txt`) of an email, in `language`."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return " ".join(subject.split()), body


def email_recipients(users) -> list[tuple[str, str]]:
    """(email address, language) of each active user of the queryset `users` with an address,
    each address once (in the order of the users' ids); the language as language_of gives it,
    read in the same query."""
    seen, recipients = set(), []
    rows = users.filter(is_active=True).exclude(email="").order_by("pk").values_list("email", "profile__language")
    for email, language in rows:
        if email.lower() not in seen:
            seen.add(email.lower())
            recipients.append((email, language_for(language)))
    return recipients


def messages_for(recipients, template: str, context: dict, *, sender: str) -> list[EmailMessage]:
    """One message per recipient of `recipients` ((email address, language) pairs), so none sees
    the others' addresses, each in its recipient's language: the email is rendered once per
    language, not once per recipient."""
    rendered = {language: render_email(language, template, context) for language in {lang for _, lang in recipients}}
    return [EmailMessage(*rendered[language], sender, [email]) for email, language in recipients]
