"""Addresses no page can answer: a NUL character in the path or the query.

No field accepts a NUL (see ``ceremony.text``) and PostgreSQL cannot even compare one, so a lookup by a
path or query value that holds one would fail deep inside a view. The request is refused at the door
instead, as a bad request. Form fields refuse NUL with their own error, so posted forms are left to them.
"""

from django.core.exceptions import BadRequest


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key + value for key, value in request.GET.items()):
            raise BadRequest("A NUL character in the address.")
        return self.get_response(request)
