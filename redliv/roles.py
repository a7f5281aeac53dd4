"""The four staff roles, as Django groups with their model permissions.

Permissions say what a role may do at all; `ScopedQuerySet.for_user` says to which
municipality's rows. The groups are kept in step after every migrate.
"""

from django.utils.translation import gettext_lazy as _

STREET_WORKER = "Gadeplan"
TRAINER = "Træner"
COORDINATOR = "Koordinator"
ADMINISTRATOR = "Administrator"
ALL = [STREET_WORKER, TRAINER, COORDINATOR, ADMINISTRATOR]
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
    "kits.view_reversalreport",
    "kits.add_reversalreport",
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
    f"kits.{action}_{model}" for model in ["kittype", "batch", "stocklocation"] for action in ["view", "add", "change"]
] + [
    # Movements are append-only: no change or delete permission exists for anyone but
    # administrators, and the database refuses them even then.
    "kits.view_stockmovement",
    "kits.add_stockmovement",
    "kits.view_stocklevel",
    "kits.view_handout",
    "kits.add_handout",
    "kits.view_reversalreport",
    "kits.add_reversalreport",
    "kits.change_reversalreport",
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
            ]
        )
    ),
    ADMINISTRATOR: None,  # every permission
}


def role_allows(user, permission: str) -> bool:
    """Whether the user's roles give this permission, from the group names alone.

    The groups are synced from PERMISSIONS, so this answers like `has_perm` for role
    permissions, with the one query for the user's groups that the page makes anyway.
    """
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(PERMISSIONS[name] is None or permission in PERMISSIONS[name] for name in ALL if user.has_role(name))


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
