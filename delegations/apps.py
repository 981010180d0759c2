from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationsConfig(AppConfig):
    name = "delegations"
    verbose_name = _("Delegations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ceremony import conflicts, feeds, feeds_state, signals

        from . import conflicts as delegation_conflicts
        from . import digests, invitations, mail, roles  # noqa: F401 - roles adds the delegations rules to the role table
        from .feeds import delegation_reads_item
        from .models import Delegation, Invitation

        invitations.connect()
        mail.connect()  # Protocol hears at once of a delegation that stops signing or changes who signs
        # A moved item's change digest is written in the transaction that moves it.
        signals.items_moved.connect(digests.record_moves, dispatch_uid="change_digests")
        if delegation_reads_item not in feeds.item_readers:
            feeds.item_readers.append(delegation_reads_item)
        # A delegation's calendar shows its name and its invited items: both move the ceremony's feeds.
        feeds_state.follow_rows(Delegation)
        feeds_state.follow_item_relation(Invitation)
        feeds_state.follow_item_rows(Invitation)  # one by one: an item's inline of invitations in the admin
        # The delegation rules run with the programme's, sharing one read of the delegations' data per check.
        for rule, label, check in delegation_conflicts.RULES:
            conflicts.register(rule, label, check, load=delegation_conflicts.delegation_data)
