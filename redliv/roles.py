"""The four staff roles and what each may do: the one source of permissions.

`PERMISSIONS` says what a role may do at all; `redliv.backends.RolePermissionBackend`
answers every `user.has_perm(...)` from it, and `ScopedQuerySet.for_user` says to which
municipality's rows. Users get their roles as groups; the groups' permissions are
kept in step after every migrate so the (read-only) Group admin shows the same thing.
"""

from django.utils.translation import gettext_lazy as _

STREET_WORKER = "Gadeplan"
TRAINER = "Træner"
COORDINATOR = "Koordinator"
ADMINISTRATOR = "Administrator"
ALL = [STREET_WORKER, TRAINER, COORDINATOR, ADMINISTRATOR]

# Log any day back, and correct or withdraw other people's entries (in an approved
# month with a reason); see the month report of the municipality.
OVERSEE_ENTRIES = "redliv.oversee_entries"
# See and work with every municipality's rows (`ScopedQuerySet.for_user`), not only one's own.
SEE_EVERY_MUNICIPALITY = "redliv.see_every_municipality"
# A lot is national (one manufacturer lot held by many municipalities): its recall stops its handouts in
# every one of them, and the public "Check your kit" page shows it. Starting one is urgent: any coordinator
# whose municipality has held the lot may (`Batch.objects.for_user` says which lots), and the lot keeps who.
# Changing or ending it puts kits back in people's hands everywhere: see `may_change_recall`.
RECALL_LOTS = "kits.recall_batch"
# Change or end the recall of any lot, whoever started it: administrators.
CHANGE_EVERY_RECALL = "kits.change_every_recall"
# Take kits out of a location for return or destruction (the return box) back into an ordinary one, where they
# may be handed out: after a recall has ended, or kits put there by mistake. With a written reason, kept in the
# ledger with who did it (kits.services.transfer_kits): coordinators and administrators.
TAKE_BACK_INTO_USE = "kits.take_back_into_use"
LABELS = {
    STREET_WORKER: _("Street worker"),
    TRAINER: _("Trainer"),
    COORDINATOR: _("Coordinator"),
    ADMINISTRATOR: _("Administrator"),
}

_LOGGING = [
    "redliv.view_district",
    "courses.view_venue",
    "courses.view_course",
    "courses.add_course",
    "courses.view_dropinschedule",
    "courses.view_attendance",
    "courses.add_attendance",
    "courses.change_attendance",
    "kits.view_kittype",
    "kits.view_batch",
    "kits.view_stocklocation",
    "kits.view_stocklevel",
    "kits.view_handout",
    "kits.add_handout",
    "reversals.view_reversalreport",
    "reversals.add_reversalreport",
]
_PLANNING = [
    f"courses.{action}_{model}"
    for model in [
        "venue",
        "trainer",
        "certification",
        "course",
        "dropinschedule",
        "dropinexception",
        "attendance",
        "courserequest",
    ]
    for action in ["view", "add", "change"]
] + ["courses.delete_certification", "courses.delete_dropinexception"]
_STOCK = [
    f"kits.{action}_{model}"
    for model in ["kittype", "batch", "stocklocation"]
    for action in ["view", "add", "change"]
    # A lot is national: a coordinator changes one only by recalling it (RECALL_LOTS).
    if (model, action) != ("batch", "change")
] + [
    RECALL_LOTS,
    TAKE_BACK_INTO_USE,
    # Movements are append-only: no change or delete permission exists for anyone but
    # administrators, and the database refuses them even then.
    "kits.view_stockmovement",
    "kits.add_stockmovement",
    "kits.view_stocklevel",
    "kits.view_handout",
    "kits.add_handout",
    "reversals.view_reversalreport",
    "reversals.add_reversalreport",
    "reversals.change_reversalreport",
]

PERMISSIONS = {
    STREET_WORKER: _LOGGING,
    TRAINER: _LOGGING + ["courses.view_trainer", "courses.view_certification"],
    COORDINATOR: sorted(
        set(
            _LOGGING
            + _PLANNING
            + _STOCK
            + [
                "redliv.view_organisation",
                "redliv.view_user",
                "redliv.view_municipality",
                # The information pages are national: administrators edit them (finder.models.InfoPage).
                "finder.view_infopage",
                OVERSEE_ENTRIES,
            ]
        )
    ),
    ADMINISTRATOR: None,  # every permission
}


def may_change_recall(user, batch) -> bool:
    """Whether `user` may change or end the active recall of `batch` (its date, reason and instructions, or
    its end). The coordinators of the municipality whose coordinator started it (`Batch.recalled_in`, as it was
    then: not where that coordinator works today) may (a mistake of their own,
    or the all-clear they were sent), and administrators (`CHANGE_EVERY_RECALL`); a coordinator of another
    municipality that holds the lot asks them. A recall nobody is recorded for is the administrators'.

    Only for a lot the user may see (`Batch.objects.for_user`, which `access.get_for_user` checks)."""
    if user.has_perm(CHANGE_EVERY_RECALL):
        return True
    if not user.has_perm(RECALL_LOTS):
        return False
    return batch.recalled_in_id is not None and batch.recalled_in_id == user.municipality_id


def permissions_of(user):
    """The names of the permissions the user's roles give, or None for every permission.

    Reads the user's group names (one query, cached on the user object for the request).
    """
    if not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    granted = set()
    for role in ALL:
        if user.has_role(role):
            if PERMISSIONS[role] is None:
                return None
            granted.update(PERMISSIONS[role])
    return frozenset(granted)


def has_a_role(user) -> bool:
    """Whether the user's roles give them any permission: staff of the programme, not only an account.

    `ScopedQuerySet.for_user` shows no row to a user without one, so a role taken away ends the
    access it gave at the next request, also to the user's own entries (redliv.models).
    """
    return permissions_of(user) != frozenset()


def every_permission():
    """The names of every permission in the database (what an administrator has)."""
    from django.contrib.auth.models import Permission

    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }


def sync_role_groups(sender, **kwargs):
    """Create the role groups and give each exactly its permissions (idempotent).

    Runs once per migrate, after the last app's post_migrate: only then do the
    permissions of every app exist.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    last_app = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label != last_app.label:
        return
    create_permissions(sender, verbosity=0, using=kwargs.get("using", "default"))

    all_permissions = Permission.objects.select_related("content_type")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in all_permissions}
    for role in ALL:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = PERMISSIONS[role]
        permissions = list(by_name.values()) if wanted is None else [by_name[n] for n in wanted if n in by_name]
        if set(group.permissions.all()) != set(permissions):
            group.permissions.set(permissions)
