"""Writes for overdose-reversal reports. Every way in comes through here: the public
form, the staff form, the tablet's offline queue, the admin and the demo seed.
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kits.models import HandoutReason, StockLocation
from kits.services import record_handout
from redliv.closing import check_change_allowed
from redliv.idempotency import create_once
from redliv.models import District, name_of
from reversals.models import MAX_DOSES, ReversalReport

OLDEST_REPORT_DAYS = 365
# A report's time a few minutes ahead of the server's clock (a phone's clock a little fast) is not in the future.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
# The public form: posts per address per hour, and the largest body it reads.
PUBLIC_POSTS_PER_HOUR = 10
PUBLIC_MAX_BODY_BYTES = 16 * 1024


def report_days(now=None):
    """The first and the last day (Copenhagen's) a report written at `now` may be dated: a year back, and today
    (tomorrow only within FUTURE_TOLERANCE of midnight). `check_report` refuses a day before the first; the forms'
    date pickers offer these days (redliv.inputs.limit_dates)."""
    now = now or timezone.now()
    return timezone.localdate(now) - dt.timedelta(days=OLDEST_REPORT_DAYS), timezone.localdate(now + FUTURE_TOLERANCE)


def check_report(*, occurred_at, naloxone_doses, called_112, ambulance_arrived, note, now=None, written_at=None):
    """The rules a report must follow however it arrives. Raises a ValidationError by field.

    The year a report is taken for is counted back from `written_at`, when it was written, which the street
    tablet's offline queue tells (street.forms.StreetForm: the tablet's clock held between two times the server
    trusts); a report written offline within the year is taken however late it arrives. Without it (the public
    and staff forms, sent as written), from now. A date in the future is judged against now, when it arrives.
    """
    now = now or timezone.now()
    written_at = min(written_at, now) if written_at is not None else now
    errors = {}
    if occurred_at is not None:
        if occurred_at > now + FUTURE_TOLERANCE:
            errors["occurred_at"] = _("The date and time are in the future.")
        elif timezone.localdate(occurred_at) < report_days(written_at)[0]:
            errors["occurred_at"] = _("The date is more than a year ago; reports are taken for the last year only.")
    if naloxone_doses is not None and not 0 <= naloxone_doses <= MAX_DOSES:
        errors["naloxone_doses"] = _("Give a number of doses from 0 to %(max)d.") % {"max": MAX_DOSES}
    if ambulance_arrived and called_112 is False and not (note or "").strip():
        errors["ambulance_arrived"] = _(
            "An ambulance came, but 112 was not called. Correct one of the answers, or explain in the note "
            "(for example, someone else called)."
        )
    if errors:
        raise ValidationError(errors)


def create_reversal_report(
    *,
    district: District,
    occurred_at,
    substances,
    naloxone_doses: int,
    called_112: bool,
    ambulance_arrived: bool,
    first_aid_given: bool,
    stayed_until_help: bool,
    outcome: str,
    responder_trained: str,
    kit_replaced: bool,
    note: str = "",
    responder_course=None,
    user=None,
    key: uuid.UUID | None = None,
    change_reason: str = "",
    written_at=None,
):
    """Store a report once per key. Returns (report, created).

    With a `user` it is a staff report: it counts at once (stored verified) and may
    name the responder's course. Without one it is a public report, pending review.
    `written_at`: when it was written, if it waited on a tablet (`check_report`).
    """
    key = key or uuid.uuid4()
    check_report(
        occurred_at=occurred_at,
        naloxone_doses=naloxone_doses,
        called_112=called_112,
        ambulance_arrived=ambulance_arrived,
        note=note,
        written_at=written_at,
    )
    if not substances:
        raise ValidationError({"substances": _("Choose at least one substance, or “Unknown”.")})
    if user is not None and not District.objects.for_user(user).filter(pk=district.pk).exists():
        raise ValidationError({"district": _("Choose a district in your municipality.")})
    if responder_course is not None and (user is None or responder_course.municipality_id != district.municipality_id):
        raise ValidationError({"responder_course": _("Choose a course in the district's municipality.")})

    payload = {
        "district": district.pk,
        "occurred_at": occurred_at.isoformat(),
        "substances": sorted(substances),
        "naloxone_doses": naloxone_doses,
        "called_112": called_112,
        "ambulance_arrived": ambulance_arrived,
        "first_aid_given": first_aid_given,
        "stayed_until_help": stayed_until_help,
        "outcome": outcome,
        "responder_trained": responder_trained,
        "kit_replaced": kit_replaced,
        "note": note,
        "responder_course": getattr(responder_course, "pk", None),
        "user": getattr(user, "pk", None),
    }
    staff = user is not None

    def create(digest):
        if staff:  # a public report counts only once a coordinator verifies it, which the rule covers
            check_change_allowed(user, district.municipality_id, occurred_at, change_reason, adding=True)
        report = ReversalReport(
            idempotency_key=key,
            payload_digest=digest,
            district=district,
            occurred_at=occurred_at,
            substances=sorted(substances),
            naloxone_doses=naloxone_doses,
            called_112=called_112,
            ambulance_arrived=ambulance_arrived,
            first_aid_given=first_aid_given,
            stayed_until_help=stayed_until_help,
            outcome=outcome,
            responder_trained=responder_trained,
            responder_course=responder_course,
            kit_replaced=kit_replaced,
            note=note,
            source=ReversalReport.Source.STAFF if staff else ReversalReport.Source.PUBLIC,
            reported_by=user,
            review_status=ReversalReport.ReviewStatus.VERIFIED if staff else ReversalReport.ReviewStatus.PENDING,
        )
        report._history_user = user
        if change_reason:
            report._change_reason = change_reason
        report.save()
        return report

    return create_once(ReversalReport, key, payload, create, author=user)


def review_report(
    *, report: ReversalReport, user, verified: bool, reason: str = "", shown_status: str | None = None
) -> ReversalReport:
    """A coordinator verifies or rejects a public report. A rejection needs a reason.

    `shown_status` is the review the coordinator's page showed: when another review was saved since (another tab,
    another coordinator), a ValidationError says by whom, and nothing is saved."""
    reason = (reason or "").strip()
    if report.source != ReversalReport.Source.PUBLIC:
        raise ValidationError(_("Staff reports count at once and are not reviewed."))
    if not verified and not reason:
        raise ValidationError({"reason": _("Give a reason for rejecting the report.")})
    with transaction.atomic():
        check_change_allowed(user, report.district.municipality_id, report.occurred_at, reason)
        report = ReversalReport.objects.select_for_update(no_key=True).get(pk=report.pk)
        status = ReversalReport.ReviewStatus.VERIFIED if verified else ReversalReport.ReviewStatus.REJECTED
        if shown_status is not None and report.review_status != shown_status:
            if (report.reviewed_by_id, report.review_status, report.review_reason) == (user.pk, status, reason):
                return report  # this review, sent again (a double click): saved once
            raise ValidationError(
                _(
                    "%(user)s reviewed the report after you opened this page: %(status)s. Your review is not "
                    "saved. Read the review above, and save yours again if it should replace it."
                )
                % {
                    "user": name_of(report.reviewed_by) if report.reviewed_by else "?",
                    "status": report.get_review_status_display().lower(),
                },
                code="reviewed_meanwhile",
            )
        return _set_review(report, user, status, reason, change_reason=reason)


def withdraw_reversal_report(*, user, report: ReversalReport, reason: str = "") -> ReversalReport:
    """A staff report logged by mistake stops counting (it is rejected); the row and its history stay."""
    with transaction.atomic():
        check_change_allowed(user, report.district.municipality_id, report.occurred_at, reason)
        report = ReversalReport.objects.select_for_update(no_key=True).get(pk=report.pk)
        if report.review_status == ReversalReport.ReviewStatus.REJECTED:
            raise ValidationError(_("This entry has been withdrawn."), code="withdrawn")
        return _set_review(
            report, user, ReversalReport.ReviewStatus.REJECTED, _("Withdrawn: logged by mistake"), change_reason=reason
        )


def _set_review(report, user, status, review_reason, change_reason) -> ReversalReport:
    """Save a review on a locked report; its history says who, and why when a closed month needed a reason."""
    report.review_status, report.review_reason = status, review_reason
    report.reviewed_by, report.reviewed_at = user, timezone.now()
    report._history_user = user
    report._change_reason = change_reason or None
    report.save()
    return report


def replace_kit(*, report: ReversalReport, user, location: StockLocation, audience: str, key: uuid.UUID | None = None):
    """Hand out one kit that replaces the one used, and link it to the report. Returns (handout, created).

    Only a report in `needing_kit` (verified, kit not replaced) gets one. One
    transaction: the handout, the link and "kit replaced" are stored together or
    not at all. A retry with the same key answers with the handout already made.
    """
    key = key or uuid.uuid4()
    if location.municipality_id != report.district.municipality_id:
        raise ValidationError({"location": _("Choose a stock location in the report's municipality.")})
    with transaction.atomic():
        report = ReversalReport.objects.select_for_update(no_key=True).get(pk=report.pk)
        if report.replacement_handout is not None and report.replacement_handout.idempotency_key == key:
            return report.replacement_handout, False
        if report.kit_replaced:
            raise ValidationError(_("The kit for this report has already been replaced."))
        if not ReversalReport.objects.needing_kit().filter(pk=report.pk).exists():
            raise ValidationError(_("Only a verified report gets a replacement kit. Review the report first."))
        handout, created = record_handout(
            user=user, location=location, quantity=1, reason=HandoutReason.REPLACES_USED, audience=audience, key=key
        )
        report.replacement_handout = handout
        report.kit_replaced = True
        report._history_user = user
        report.save(update_fields=["replacement_handout", "kit_replaced"])
    return handout, created
