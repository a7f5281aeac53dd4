"""Steps that several apps' migrations share."""

from django.core.management.base import CommandError

from redliv.idempotency import keyed_digest


def key_stored_digests(*model_names):
    """A RunPython step: turn plain SHA-256 payload digests into keyed ones (HMAC of the old value).

    A retry of an entry sent before the change still matches, because the digest is now
    computed as the HMAC of that same content hash (redliv.idempotency.payload_digest).
    """

    def forwards(apps, schema_editor):
        for name in model_names:
            model = apps.get_model(name)
            table, pk = model._meta.db_table, model._meta.pk.column
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, payload_digest FROM {table} WHERE payload_digest <> ''")  # noqa: S608 (names from _meta)
                rows = [(keyed_digest(digest), row_id) for row_id, digest in cursor.fetchall()]
                cursor.executemany(f"UPDATE {table} SET payload_digest = %s WHERE {pk} = %s", rows)  # noqa: S608 (names from _meta)

    return forwards


LISTED = 20  # rows named in a stopped migration's message; the rest are counted


def stop_before_constraint(constraint, problem, lines, count, what_to_do):
    """Stop `migrate` before it adds `constraint` to rows that break it: a CommandError (its message, no traceback)
    naming the first LISTED of the `count` rows (`lines`) and what to do, where PostgreSQL would say only "check
    constraint ... is violated by some row". Nothing is changed: the rows are for a person to correct."""
    if count > len(lines):
        lines = [*lines, f"  … and {count - len(lines)} more."]
    raise CommandError(
        f"The migration stopped before adding the constraint {constraint}: {problem} Nothing was changed.\n"
        + "\n".join(lines)
        + f"\n{what_to_do} Then run migrate again."
    )
