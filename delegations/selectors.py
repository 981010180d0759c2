"""Reads for a delegation's page and calendar: what the delegation sees, and its own signing slots."""

from django.db.models import Exists, F, OuterRef, Q

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import ScheduleItem

from .models import Invitation, SigningSlot


def _seen_by(delegation_id):
    """The rule, for an item of the delegation's own ceremony: public and all-delegation items are seen, and invited
    ones by the delegations invited. ``delegation_id`` is a pk, or an expression of the query naming one."""
    invited = Invitation.objects.filter(item_id=OuterRef("pk"), delegation_id=delegation_id)
    return Q(visibility__in=[Visibility.PUBLIC, Visibility.DELEGATIONS]) | Q(visibility=Visibility.INVITED) & Exists(
        invited
    )


def items_visible_to(delegation, items=None):
    """Of ``items`` (every item when None): the public and all-delegation items of its ceremony, and the items
    the delegation is invited to."""
    items = ScheduleItem.objects.all() if items is None else items
    return items.filter(ceremony_id=delegation.ceremony_id).filter(_seen_by(delegation.pk))


def delegations_seeing(items):
    """``items_visible_to`` read the other way round, in one query: the pairs (item pk, delegation pk) of each of
    ``items`` and each delegation of its ceremony that sees it."""
    # Each item joined to every delegation of its ceremony; the same rule then keeps the pairs that see.
    pairs = (
        items.annotate(seer=F("ceremony__delegations__pk"))
        .filter(seer__isnull=False)
        .filter(_seen_by(OuterRef("seer")))
    )
    return set(pairs.order_by().values_list("pk", "seer"))


def delegation_schedule(*, delegation):
    """What the delegation sees: public, all-delegation and its invited items, with the cancelled ones, in the
    calendars' order, each with its room and lead agency, and the delegation's ceremony (read once, not per item:
    with every edit each delegation's page reads its schedule again, and building those rows was most of it)."""
    ceremony = delegation.ceremony
    items = list(
        items_visible_to(delegation).select_related("room", "lead_agency").order_by("starts_at", "ends_at", "uid")
    )
    for item in items:
        item.ceremony = ceremony
    return items


def signing_slots(items, delegation):
    """The delegation's own signing items among ``items``, not cancelled: its place at the table
    (its ``SigningSlot``) and any signing item it is invited to."""
    signing = [item for item in items if item.kind == ItemKind.SIGNING and item.status != ItemStatus.CANCELLED]
    invited = set(
        Invitation.objects.filter(
            delegation_id=delegation.pk,
            item__in=[item.pk for item in signing if item.visibility == Visibility.INVITED],
        ).values_list("item_id", flat=True)
    )
    own = set(SigningSlot.objects.filter(delegation_id=delegation.pk).values_list("item_id", flat=True))
    return [item for item in signing if item.pk in own or item.pk in invited]
