"""The Content-Security-Policy header, worked out once for the responses that all share it.

django-csp builds the header again for every response: it copies a dataclass to a dict and joins every directive,
which was a sixth of the time of a calendar app's "anything new?" (a 304). The planner's pages neither use a nonce
nor change the policy per view, so every response gets the same header; this middleware keeps it until the setting
changes. A response whose view changed the policy (django-csp's ``csp_update``, ``csp_replace``, ``csp`` and their
report-only forms) or whose page used ``request.csp_nonce`` still gets its own from django-csp.
"""

import functools
import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view or decorator sets on a response to give it a policy of its own.
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@functools.cache
def _shared():
    """Each header the settings give every response, with the response attribute that exempts one from it and the
    path prefixes it skips."""
    shared = []
    for header, report_only, exempt, setting in (
        (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
        (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
    ):
        value = build_policy(**vars(PolicyParts()), report_only=report_only)  # no view's changes, no nonce
        if value:
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            shared.append((header, value, exempt, prefixes))
    return tuple(shared)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _shared.cache_clear()


class SharedPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header every response shares built once (the module says why)."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, name) for name in _OWN_POLICY):
            return super().process_response(request, response)
        # As django-csp does: Django's debug pages for 404 and 500 carry inline scripts and styles.
        if settings.DEBUG and response.status_code in (http.client.NOT_FOUND, http.client.INTERNAL_SERVER_ERROR):
            return response
        for header, value, exempt, prefixes in _shared():
            excluded = prefixes and request.path_info.startswith(prefixes)
            if header not in response and not getattr(response, exempt, False) and not excluded:
                response[header] = value
        # As django-csp does: a nonce asked for once the header is written could not be in it, so that is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
