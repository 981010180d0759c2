"""Driving the admin as an organizer would: reading its pages and posting its forms."""

import html
import re
from html.parser import HTMLParser

from django.urls import reverse


def admin_url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def page_text(response):
    return response.content.decode()


def plain(fragment):
    """The text of an HTML fragment, as a reader sees it."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br>", "\n", fragment))).strip()


def shown_messages(response):
    """The messages at the top of the page, as (level, text)."""
    listed = re.search(r'<ul class="messagelist">(.*?)</ul>', page_text(response), re.S)
    if listed is None:
        return []
    return [(level, plain(text)) for level, text in re.findall(r'<li class="(\w+)">(.*?)</li>', listed[1], re.S)]


def changelist_rows(response):
    """The rows of a changelist, each as {column: text}."""
    body = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', page_text(response), re.S)[1]
    cell = re.compile(r'<t[dh] class="field-(\w+)[^"]*">(.*?)</t[dh]>', re.S)
    return [
        {name: plain(text) for name, text in cell.findall(row)} for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def formset_errors(response):
    """The errors shown above an inline table (those of no single row)."""
    lists = re.findall(r'<ul class="errorlist nonform"[^>]*>(.*?)</ul>', page_text(response), re.S)
    return [plain(item) for found in lists for item in re.findall(r"<li>(.*?)</li>", found, re.S)]


class FormValues(HTMLParser):
    """What a browser would submit from a page's fields, by name (the empty inline template included).

    The language switcher in the header is a form of its own, posted elsewhere: its fields are left out.
    """

    def __init__(self, markup):
        super().__init__()
        self.values = {}
        self._select = self._textarea = None
        self._elsewhere = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self._elsewhere = attrs.get("id") == "admin-language"
        if self._elsewhere:
            return
        if tag == "input" and name and attrs.get("type") not in {"submit", "checkbox"}:
            self.values[name] = attrs.get("value") or ""
        elif tag == "input" and name and "checked" in attrs:
            self.values[name] = attrs.get("value") or "on"
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and (self._select not in self.values or "selected" in attrs):
            self.values[self._select] = attrs.get("value") or ""  # the first option unless one is selected
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._elsewhere = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.removeprefix("\n") if not self.values[self._textarea] else data


def form_values(response):
    return FormValues(page_text(response)).values


def add_inline_row(values, prefix, **fields):
    """What "Add another" does: copy the empty row under the next index, then fill it in."""
    index = int(values[f"{prefix}-TOTAL_FORMS"])
    template = f"{prefix}-__prefix__-"
    values.update(
        {name.replace("__prefix__", str(index)): v for name, v in values.items() if name.startswith(template)}
    )
    values.update({f"{prefix}-{index}-{field}": value for field, value in fields.items()})
    values[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def run_action(client, model, action, objects, **extra):
    """Tick the objects on the changelist, choose the action and press "Go"."""
    data = {"action": action, "_selected_action": [obj.pk for obj in objects], **extra}
    return client.post(admin_url(model, "changelist"), data, follow=True)
