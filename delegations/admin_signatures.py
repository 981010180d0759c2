"""The signing, recorded, in the admin: the "Signed" and "Deferred" buttons of the next-up page, the correction of a
mistaken mark (with its reason), and the list in the order signed for the depositary (CSV, XLSX).

Thin: the rules live in ``delegations.signatures``. Anyone who may see the ceremony reads; only Protocol (who may
add and change signature records) marks and corrects; Protocol and Viewer export.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ceremony.cells import write_csv, write_xlsx
from ceremony.times import in_zone

from .enums import SignatureOutcome
from .models import Delegation, Signature
from .signatures import (
    UNMARKED,
    SignatureError,
    seconds,
    signatories_of,
    signatory_title,
    signature_correct,
    signature_defer,
    signature_record,
    signed_so_far,
)

MARK_PERMISSIONS = ("delegations.add_signature", "delegations.change_signature")
EXPORT_PERMISSION = "delegations.export_signatures"
NEXT_UP = "admin:ceremony_ceremony_next_up"

# What the desk may type: a full date and time, or a time today (on the ceremony's clocks); seconds optional.
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%H:%M:%S", "%H:%M")


def desk_time(instant, zone):
    """'2025-10-25 10:31:05': a signature's time as the desk types it, on the ceremony's clocks."""
    return in_zone(instant, zone).strftime("%Y-%m-%d %H:%M:%S")


class SignedAtField(forms.CharField):
    """A moment on the ceremony's clocks, to the second: '2025-10-25 10:31:05' or '10:31:05' (today)."""

    def __init__(self, *, zone, **kwargs):
        self.zone = zone
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return None
        for pattern in TIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, pattern).replace(tzinfo=self.zone)
            except ValueError:
                continue
            if "%Y" not in pattern:  # a time alone: today on the ceremony's clocks
                parsed = dt.datetime.combine(in_zone(timezone.now(), self.zone).date(), parsed.timetz())
            return parsed
        raise forms.ValidationError(
            _("Write the time as 2025-10-25 10:31:05, or 10:31:05 for today (%(zone)s)."),
            params={"zone": self.zone.key},
        )


class SignatureForm(forms.Form):
    """The time, the signatory and notes of a mark; the signatory's full powers follow from who they are."""

    signed_at = forms.CharField()  # replaced in __init__ by a field that knows the ceremony's zone
    signatory = forms.ModelChoiceField(queryset=None, label=_("signatory"), required=False)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, delegation, **kwargs):
        super().__init__(*args, **kwargs)
        zone = delegation.ceremony.zone
        self.fields["signed_at"] = SignedAtField(
            zone=zone,
            required=False,
            label=_("signed at (%(zone)s)") % {"zone": zone.key},
            help_text=_("To the second; now when it opened. A time alone is today's."),
        )
        self.fields["signatory"].queryset = signatories_of(delegation)
        self.fields["signatory"].label_from_instance = lambda person: f"{person.name} · {person.get_rank_display()}"


class CorrectionForm(SignatureForm):
    outcome = forms.ChoiceField(
        label=_("what happened"),
        choices=[*SignatureOutcome.choices, (UNMARKED, _("not yet called (take the mark back)"))],
    )
    reason = forms.CharField(
        label=_("reason for the correction"),
        max_length=100,
        help_text=_("Kept in the record's history, with your name."),
    )

    field_order = ["outcome", "signed_at", "signatory", "notes", "reason"]


def may_mark(user):
    return user.has_perms(MARK_PERMISSIONS)


def _message_of(error):
    return " ".join(error.messages)


def depositary_rows(*, ceremony):
    """The header and rows of the list in the order signed, for the depositary (the UN Secretary-General)."""
    zone = ceremony.zone
    header = [
        "order", "state or organization", "kind", "signatory", "title", "signed at (UTC)",
        f"signed at ({zone.key})", "authority", "full powers issued by", "full powers issued on",
        "full powers verified by",
    ]  # fmt: skip
    rows = []
    for order, mark in enumerate(signed_so_far(ceremony=ceremony).all, start=1):
        powers = mark.full_powers
        rows.append(
            [
                order,
                mark.delegation.name,
                mark.delegation.get_kind_display(),
                mark.signatory.name,
                signatory_title(mark.signatory),
                mark.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                desk_time(mark.signed_at, zone),
                mark.get_powers_basis_display(),
                powers.issuing_authority if powers else "",
                powers.issued_on.isoformat() if powers and powers.issued_on else "",
                powers.verified_by.get_username() if powers and powers.verified_by else "",
            ]
        )
    return header, rows


class SignaturesAdminMixin:
    """For the Ceremony admin (with ``SigningAdminMixin``'s ``_ceremony``, ``_page`` and ``_rows``)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/next-up/mark/", view(require_POST(self.mark_view)), name="ceremony_ceremony_mark"),
            path(
                "<path:object_id>/signatures/<int:signature_id>/correct/",
                view(self.correct_view),
                name="ceremony_ceremony_signature_correct",
            ),
            path("<path:object_id>/signatures.csv", view(self.signatures_csv), name="ceremony_ceremony_signatures_csv"),
            path(
                "<path:object_id>/signatures.xlsx", view(self.signatures_xlsx), name="ceremony_ceremony_signatures_xlsx"
            ),
            *super().get_urls(),
        ]

    def mark_view(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        if not may_mark(request.user):
            raise PermissionDenied
        delegation = Delegation.objects.filter(ceremony=ceremony, pk=_int(request.POST.get("delegation"))).first()
        if delegation is None:
            self.message_user(request, gettext("Choose a delegation of this ceremony."), messages.ERROR)
            return redirect(NEXT_UP, ceremony.pk)
        back = f"{reverse(NEXT_UP, args=[ceremony.pk])}?at={delegation.signing_order or 1}"
        form = SignatureForm(request.POST, delegation=delegation)
        if not form.is_valid():
            problems = [f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()]
            self.message_user(request, " ".join(problems), messages.ERROR)
            return redirect(back)
        data = form.cleaned_data
        try:
            if request.POST.get("outcome") == SignatureOutcome.DEFERRED:
                signature_defer(delegation=delegation, user=request.user, notes=data["notes"])
                text = gettext("%(delegation)s deferred: it is called again after the others.") % {
                    "delegation": delegation.name
                }
            else:
                mark = signature_record(
                    delegation=delegation,
                    user=request.user,
                    signed_at=data["signed_at"],
                    signatory=data["signatory"],
                    notes=data["notes"],
                )
                text = gettext("%(delegation)s signed at %(time)s (%(zone)s), by %(person)s.") % {
                    "delegation": delegation.name,
                    "time": seconds(mark.signed_at, ceremony.zone),
                    "zone": ceremony.time_zone,
                    "person": mark.signatory.name,
                }
        except SignatureError as exc:
            self.message_user(request, f"{delegation}: {_message_of(exc)}", messages.ERROR)
            return redirect(back)
        self.message_user(request, text, messages.SUCCESS)
        return redirect(NEXT_UP, ceremony.pk)  # the next delegation is called

    def correct_view(self, request, object_id, signature_id):
        ceremony = self._ceremony(request, object_id)
        mark = (
            Signature.objects.filter(ceremony=ceremony, pk=signature_id)
            .select_related("delegation__ceremony", "signatory")
            .first()
        )
        if mark is None:
            raise Http404
        can_correct = may_mark(request.user)
        if request.method == "POST" and not can_correct:
            raise PermissionDenied
        initial = {
            "outcome": mark.outcome,
            "signed_at": desk_time(mark.signed_at or timezone.now(), ceremony.zone),
            "signatory": mark.signatory_id,
            "notes": mark.notes,
        }
        form = CorrectionForm(request.POST or None, delegation=mark.delegation, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                signature_correct(
                    signature=mark,
                    user=request.user,
                    reason=data["reason"],
                    outcome=data["outcome"],
                    signed_at=data["signed_at"],
                    signatory=data["signatory"],
                    notes=data["notes"],
                )
            except SignatureError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    gettext("The record of %(delegation)s was corrected.") % {"delegation": mark.delegation.name},
                    messages.SUCCESS,
                )
                return redirect("admin:ceremony_ceremony_run_sheet", ceremony.pk)
        return self._page(
            request,
            ceremony,
            "admin/delegations/signature_correct.html",
            gettext("Correct the record of %(delegation)s") % {"delegation": mark.delegation.name},
            mark=mark,
            form=form,
            can_correct=can_correct,
            history=mark.history.select_related("history_user").order_by("-history_date", "-history_id"),
        )

    def _export(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        return ceremony, *depositary_rows(ceremony=ceremony)

    def signatures_csv(self, request, object_id):
        ceremony, header, rows = self._export(request, object_id)
        response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="signatures-{ceremony.slug}.csv"'
        return response

    def signatures_xlsx(self, request, object_id):
        ceremony, header, rows = self._export(request, object_id)
        response = HttpResponse(
            write_xlsx(header, rows, title="Signatures"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="signatures-{ceremony.slug}.xlsx"'
        return response


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
