"""When did anything in a ceremony's calendars last change?

Each ceremony keeps one timestamp, ``feeds_changed_at``, that moves whenever
an item, its room, venue or agencies changes or is deleted, and an item moved to
another ceremony changes both ceremonies' calendars. Other apps whose rows show in
calendars follow them with ``follow_rows`` and ``follow_item_relation`` (the
delegations app: delegations and invitations). Feeds derive their ETag and Last-Modified from it, so a calendar
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
    """After a row of a ceremony is saved or deleted: its ceremony, and the one it left."""
    ids = {instance.ceremony_id, getattr(instance, "_feeds_ceremony_id", None)} - {None}
    feeds_touch(ceremony_ids=sorted(ids))
    instance._feeds_ceremony_id = instance.ceremony_id


def _touch_all(sender, instance, **kwargs):
    # Rooms, venues and agencies are shared by every ceremony; there are few ceremonies.
    feeds_touch()


def _touch_item_relation(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        from .models import ScheduleItem

        if isinstance(instance, ScheduleItem):
            feeds_touch(ceremony_ids=[instance.ceremony_id])
        else:  # changed from the other side (an agency's or a delegation's set of items)
            feeds_touch()


def follow_rows(model):
    """The calendars of a ceremony change with every saved or deleted row of ``model`` (which has a ``ceremony``),
    and both ceremonies' when a row moves from one to the other."""
    uid = f"feeds_{model._meta.label_lower}"
    post_init.connect(_remember_ceremony, sender=model, dispatch_uid=uid)
    for signal in (post_save, post_delete):
        signal.connect(_touch_ceremonies, sender=model, dispatch_uid=uid)


def _touch_item_ceremony(sender, instance, **kwargs):
    from .models import ScheduleItem

    feeds_touch(ceremony_ids=ScheduleItem.objects.filter(pk=instance.item_id).values("ceremony_id"))


def follow_item_rows(model):
    """The calendars of an item's ceremony change with every saved or deleted row of ``model`` (which names the
    item as ``item``): for rows written one by one rather than through a many-to-many manager."""
    for signal in (post_save, post_delete):
        signal.connect(_touch_item_ceremony, sender=model, dispatch_uid=f"feeds_rows_{model._meta.label_lower}")


def follow_item_relation(through):
    """The calendars change with each change of the many-to-many relation ``through`` of schedule items."""
    m2m_changed.connect(_touch_item_relation, sender=through, dispatch_uid=f"feeds_{through._meta.label_lower}")


def connect():
    """The programme's own models; the delegations app follows its own the same way (its AppConfig.ready)."""
    from .models import Agency, Room, ScheduleItem, Venue

    follow_rows(ScheduleItem)
    for model in (Room, Venue, Agency):
        for signal in (post_save, post_delete):
            signal.connect(_touch_all, sender=model, dispatch_uid=f"feeds_{model.__name__}")
    follow_item_relation(ScheduleItem.supporting_agencies.through)
