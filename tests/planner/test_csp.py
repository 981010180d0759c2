"""The Content-Security-Policy header worked out once (planner/csp.py) is the header django-csp gives each response."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp, csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory, override_settings

from planner.csp import SharedPolicyCSPMiddleware


def _plain(request):
    return HttpResponse("page")


def _nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


VIEWS = {
    "a plain page": _plain,
    "a page that is not found": lambda request: HttpResponseNotFound("gone"),
    "a page with a nonce": _nonce,
    "a view that adds a source": csp_update({"img-src": ["https://maps.example.org"]})(_plain),
    "a view that replaces a directive": csp_replace({"script-src": ["'self'", "https://cdn.example.org"]})(_plain),
    "a view with a policy of its own": csp({"default-src": ["'none'"]})(_plain),
    "an exempt view": csp_exempt()(_plain),
    "a report-only view": csp_update({"img-src": ["data:"]}, REPORT_ONLY=True)(_plain),
}

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}}


def _headers(middleware_class, view, path="/"):
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    return {name: response.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}


def _directives(header):
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("report_only", [False, True])
@pytest.mark.parametrize("kind", list(VIEWS))
def test_every_response_gets_the_header_django_csp_gives_it(settings, kind, report_only, debug):
    settings.DEBUG = debug
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY
    view = VIEWS[kind]
    kept = _headers(SharedPolicyCSPMiddleware, view)
    assert kept == _headers(CSPMiddleware, view)
    if kind == "a plain page":
        assert "script-src 'self'" in kept[HEADER]
        assert (kept[HEADER_REPORT_ONLY] is not None) is report_only


def test_a_changed_policy_is_sent_at_once():
    assert "object-src 'none'" in _headers(SharedPolicyCSPMiddleware, _plain)[HEADER]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["*"]}}):
        assert _directives(_headers(SharedPolicyCSPMiddleware, _plain)[HEADER]) == {
            "default-src": "'self'",
            "img-src": "*",
        }
    assert "object-src 'none'" in _headers(SharedPolicyCSPMiddleware, _plain)[HEADER]


def test_a_page_that_uses_a_nonce_gets_a_header_with_its_own():
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}):
        nonces = set()
        for _ in range(2):
            request = RequestFactory().get("/")
            middleware = SharedPolicyCSPMiddleware(_nonce)
            middleware.process_request(request)
            response = middleware.process_response(request, _nonce(request))
            nonce = response.content.decode().split("'")[1]
            assert _directives(response[HEADER])["script-src"] == f"'self' 'nonce-{nonce}'"
            nonces.add(nonce)
        assert len(nonces) == 2


def test_excluded_paths_get_no_header():
    policy = {"EXCLUDE_URL_PREFIXES": ["/legacy/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert _headers(SharedPolicyCSPMiddleware, _plain, "/legacy/page")[HEADER] is None
        assert _directives(_headers(SharedPolicyCSPMiddleware, _plain, "/page")[HEADER]) == {"default-src": "'self'"}


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    request = RequestFactory().get("/")
    middleware = SharedPolicyCSPMiddleware(_plain)
    middleware.process_request(request)
    middleware.process_response(request, _plain(request))
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
