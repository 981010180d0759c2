"""When did anything in a ceremony's calendars last change?

Each ceremony keeps one timestamp, ``feeds_changed_at``, that moves whenever
an item, its room, venue or agencies, an invitation or a delegation changes or
is deleted, and an item or delegation moved to another ceremony changes
both ceremonies' calendars. Feeds derive their ETag and Last-Modified from it, so a calendar
app that asks "anything new?" gets its 304 from one cheap query, and a deleted
item or one that leaves a feed still changes the answer.
"""

from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.utils import timezone


def feeds_touch(*, ceremony_ids=None):
    """Mark the calendars of these ceremonies (all when None) as changed now."""
    from .models import Ceremony

    ceremonies = Ceremony.objects.all() if ceremony_ids is None else Ceremony.objects.filter(pk__in=ceremony_ids)
    ceremonies.update(feeds_changed_at=timezone.now())


def _remember_ceremony(sender, instance, **kwargs):
    # The ceremony the row had when loaded: if a save moves it, that ceremony's feeds lose it.
    instance._feeds_ceremony_id = instance.__dict__.get("ceremony_id")


def _touch_ceremonies(sender, instance, **kwargs):
    """After an item or a delegation is saved or deleted: its ceremony, and the one it left."""
    ids = {instance.ceremony_id, getattr(instance, "_feeds_ceremony_id", None)} - {None}
    feeds_touch(ceremony_ids=sorted(ids))
    instance._feeds_ceremony_id = instance.ceremony_id


def _touch_all(sender, instance, **kwargs):
    # Rooms, venues and agencies are shared by every ceremony; there are few ceremonies.
    feeds_touch()


def _touch_m2m(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        from .models import ScheduleItem

        if isinstance(instance, ScheduleItem):
            feeds_touch(ceremony_ids=[instance.ceremony_id])
        else:  # changed from the other side (a delegation's or agency's set of items)
            feeds_touch()


def connect():
    from delegations.models import Delegation

    from .models import Agency, Room, ScheduleItem, Venue

    for model in (ScheduleItem, Delegation):
        post_init.connect(_remember_ceremony, sender=model, dispatch_uid=f"feeds_{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_touch_ceremonies, sender=ScheduleItem, dispatch_uid="feeds_item")
        signal.connect(_touch_ceremonies, sender=Delegation, dispatch_uid="feeds_delegation")
        for model in (Room, Venue, Agency):
            signal.connect(_touch_all, sender=model, dispatch_uid=f"feeds_{model.__name__}")
    for through in (ScheduleItem.invited_delegations.through, ScheduleItem.supporting_agencies.through):
        m2m_changed.connect(_touch_m2m, sender=through, dispatch_uid=f"feeds_{through.__name__}")
