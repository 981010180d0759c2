"""The admin's pages for two-factor sign-in, and the middleware that keeps the admin shut until it is done.

After Django's admin login (the password, throttled by django-axes), a staff session that must give a
second factor (ceremony/two_factor.py says when) reaches no admin page but the login, the logout, the
set-up and the verification: it is sent to set up a phone if it has none, to type a code otherwise, and
comes back to the page it asked for. The verified state lasts as long as the session.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.signals import user_logged_in
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import login as otp_login

from . import two_factor
from .qr import qr_svg

# Set at sign-in when the second factor is not required but the user has set it up: then it is asked too.
ASK_SESSION_KEY = "planner_ask_second_factor"
# The admin pages an unverified session may open.
OPEN_PAGES = {"login", "logout", "two_factor_setup", "two_factor_verify"}


class SecondFactorMiddleware:
    """Sends a staff session that has not yet given its second factor from any admin page to set-up or
    verification, with ``?next=`` the page it asked for. Other pages (delegation links, feeds) are untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces or match.url_name in OPEN_PAGES:
            return None
        if not (two_factor.is_required() or request.session.get(ASK_SESSION_KEY)):
            return None
        user = request.user
        if not (user.is_active and user.is_staff) or user.is_verified():
            return None
        page = "admin:two_factor_verify" if two_factor.has_authenticator(user) else "admin:two_factor_setup"
        return redirect(_with_next(reverse(page), request.get_full_path()))


def ask_after_sign_in(sender, request, user, **kwargs):
    """Where the second factor is optional (development), those who set it up are asked for it all the same."""
    if request is not None and not two_factor.is_required() and two_factor.has_authenticator(user):
        request.session[ASK_SESSION_KEY] = True


def connect():
    user_logged_in.connect(ask_after_sign_in, dispatch_uid="planner_ask_second_factor")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "size": 12}),
    )

    def refuse(self, check):
        """Puts the reason a code was not accepted on the form."""
        if check.wait_seconds:
            message = ngettext(
                "Too many wrong codes. Wait %(seconds)d second and try again.",
                "Too many wrong codes. Wait %(seconds)d seconds and try again.",
                check.wait_seconds,
            ) % {"seconds": check.wait_seconds}
        else:
            message = _(
                "That code is not right. Type the code your authenticator app shows now (the phone's clock must "
                "be on time), or one of your recovery codes."
            )
        self.add_error("code", message)


class SetupCodeForm(CodeForm):
    code = forms.CharField(
        label=_("The 6-digit code the app shows"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 12}
        ),
    )

    def refuse(self, check):
        if check.wait_seconds:
            super().refuse(check)
        else:
            self.add_error(
                "code",
                _(
                    "That code is not right. Scan the QR code again or check the key you typed, make sure the "
                    "phone's clock is on time, and type the code the app shows now."
                ),
            )


class TwoFactorAdmin:
    """The pages under /admin/two-factor/, added to the admin site's URLs (ceremony/admin_site.py)."""

    def __init__(self, site):
        self.site = site

    def get_urls(self):
        view = self.site.admin_view
        return [
            path("two-factor/", view(self.overview), name="two_factor"),
            path("two-factor/setup/", view(self.setup), name="two_factor_setup"),
            path("two-factor/verify/", view(self.verify), name="two_factor_verify"),
            path("two-factor/recovery-codes/", view(self.recovery_codes), name="two_factor_recovery_codes"),
        ]

    def overview(self, request):
        """Whether the user's phone is set up, how many recovery codes are left, and the ways to change both."""
        user = request.user
        if two_factor.has_authenticator(user) and not user.is_verified():
            return redirect(_with_next(reverse("admin:two_factor_verify"), request.get_full_path()))
        context = {
            "has_authenticator": two_factor.has_authenticator(user),
            "codes_left": two_factor.recovery_codes_left(user=user),
            "required": two_factor.is_required(),
        }
        return self._render(request, "admin/two_factor/overview.html", _("Two-factor sign-in"), context)

    def setup(self, request):
        """The QR code and key of a new phone, and the first code that confirms it."""
        user = request.user
        next_url = _next_url(request)
        if two_factor.has_authenticator(user) and not user.is_verified():
            # Replacing a phone takes the current one: otherwise a stolen password would be enough.
            return redirect(_with_next(reverse("admin:two_factor_verify"), next_url))
        device = two_factor.authenticator_pending(user=user)
        form = SetupCodeForm(request.POST or None)
        if form.is_valid():
            check = two_factor.code_check_device(device=device, code=form.cleaned_data["code"])
            if check.accepted:
                codes = two_factor.authenticator_activate(device=check.device)
                _sign_in(request, check.device)
                _log(request, _("Set up two-factor sign-in with a new phone."))
                return self._recovery_codes_page(request, codes, next_url)
            form.refuse(check)
        context = {
            "form": form,
            "next": next_url,
            "qr_svg": qr_svg(device.config_url, label=_("QR code for your authenticator app"), light="white"),
            "secret": two_factor.authenticator_secret(device),
            "replacing": two_factor.has_authenticator(user),
            "is_nav_sidebar_enabled": False,
        }
        return self._render(request, "admin/two_factor/setup.html", _("Set up two-factor sign-in"), context)

    def verify(self, request):
        """The second step of signing in: a code from the phone, or a recovery code."""
        user = request.user
        next_url = _next_url(request)
        if user.is_verified():
            return redirect(next_url)
        if not two_factor.has_authenticator(user):
            return redirect(_with_next(reverse("admin:two_factor_setup"), next_url))
        form = CodeForm(request.POST or None)
        if form.is_valid():
            check = two_factor.code_check(user=user, code=form.cleaned_data["code"])
            if check.accepted:
                _sign_in(request, check.device)
                if check.by_recovery_code:
                    self._warn_recovery_code_used(request)
                return redirect(next_url)
            form.refuse(check)
        context = {"form": form, "next": next_url, "is_nav_sidebar_enabled": False}
        return self._render(request, "admin/two_factor/verify.html", _("Confirm your sign-in"), context)

    def recovery_codes(self, request):
        """POST: ten new recovery codes, shown once; the old ones stop working."""
        user = request.user
        if not two_factor.has_authenticator(user):
            return redirect(reverse("admin:two_factor_setup"))
        if not user.is_verified():
            return redirect(_with_next(reverse("admin:two_factor_verify"), reverse("admin:two_factor")))
        if request.method != "POST":
            return redirect(reverse("admin:two_factor"))
        codes = two_factor.recovery_codes_issue(user=user)
        _log(request, _("Made new recovery codes for two-factor sign-in."))
        return self._recovery_codes_page(request, codes, reverse("admin:two_factor"))

    def _recovery_codes_page(self, request, codes, next_url):
        context = {"codes": codes, "next": next_url}
        return self._render(request, "admin/two_factor/recovery_codes.html", _("Your recovery codes"), context)

    def _warn_recovery_code_used(self, request):
        left = two_factor.recovery_codes_left(user=request.user)
        messages.warning(
            request,
            ngettext(
                "You signed in with a recovery code; it cannot be used again. %(left)d code is left: if your "
                "phone is lost, set up a new one under “Two-factor sign-in”.",
                "You signed in with a recovery code; it cannot be used again. %(left)d codes are left: if your "
                "phone is lost, set up a new one under “Two-factor sign-in”.",
                left,
            )
            % {"left": left},
        )

    def _render(self, request, template, title, context):
        return TemplateResponse(request, template, {**self.site.each_context(request), "title": title, **context})


def _sign_in(request, device):
    """Marks the session as verified by ``device``, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


def _log(request, message):
    """Keeps the change in the user's own history in the admin (who, when), beside an administrator's reset."""
    LogEntry.objects.log_actions(request.user.pk, [request.user], CHANGE, str(message), single_object=True)


def _next_url(request):
    """Where to go once done: ``next`` if it is a page of this site, else the admin's front page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _with_next(url, next_url):
    return f"{url}?{urlencode({'next': next_url})}"
