"""Reversal reports: the public form, and the staff list, report page, review and kit replacement."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from redliv import language_switch
from redliv.access import add_service_errors, get_for_user, permission_required, require_get_or_post
from redliv.contact import with_contact
from redliv.history import history_entries
from redliv.idempotency import IdempotencyConflict, sent_before
from redliv.pagination import paginate
from redliv.ratelimit import allow_post, with_retry_after, would_allow_post
from redliv.security import typed_answers_not_kept
from reversals import services
from reversals.forms import PublicReportForm, ReplaceKitForm, ReportFilterForm, ReviewForm, StaffReportForm
from reversals.models import ReversalReport, Substance

REPORTS_PER_PAGE = 50


def refuse(request, message: str, status: int):
    return render(request, "reversals/public_refused.html", {"message": message}, status=status)


def body_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > services.PUBLIC_MAX_BODY_BYTES
    except ValueError:
        return True


@require_get_or_post
@csrf_exempt  # The CSRF check runs in `_public_form`, after the size check below.
@typed_answers_not_kept
def public_report(request):
    """The anonymous public form. An oversized body gets a polite refusal of its own; too many posts, the form
    again with the reason (`_public_form`).

    Django's own CSRF check would read the body before any view code, so it runs
    here after the size check; a body Django refuses to parse is answered the same way.
    """
    if request.method == "POST" and body_too_large(request):
        return refuse(request, _("Your report was too long to receive. Please shorten the note and try again."), 413)
    try:
        return _public_form(request)
    except (RequestDataTooBig, TooManyFieldsSent):
        return refuse(request, _("Your report was too long to receive. Please shorten the note and try again."), 413)


def _too_many_reports():
    return with_contact(
        _("We have received many reports from your connection in the last hour. Please try again later.")
    )


def _received_already(form) -> bool:
    """Whether the report this form was shown for is stored already (a double tap, Back and send again)."""
    key = form.cleaned_data.get("key")
    return key is not None and ReversalReport.objects.filter(idempotency_key=key).exists()


def _public_form_page(request, form, status):
    return with_retry_after(
        render(
            request, "reversals/public_form.html", {"form": form, "language_switch_form": "report-form"}, status=status
        )
    )


@csrf_protect
def _public_form(request):
    """The form; refused, it is shown again holding everything typed, with the reason at the top: 200 for what was
    typed (as every public form and the login answer a form to correct: CONTRIBUTING.md), 429 with Retry-After
    for too many reports this hour. Its language switch (redliv.language_switch) shows it again
    in the other language, refused again with the same reason and status if it was refused; it stores
    nothing and counts no post (the hour's count is read)."""
    if language_switch.switching(request):
        form = language_switch.form_again(PublicReportForm, request)
        status = 200
        if (
            form.is_bound
            and form.is_valid()
            and not _received_already(form)
            and not would_allow_post(request, "naloxone-report", services.PUBLIC_POSTS_PER_HOUR)
        ):
            form.add_error(None, _too_many_reports())
            status = 429
        return _public_form_page(request, form, status)
    form = PublicReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            return redirect("report-naloxone-use-thanks")
        # Only a post that passed CSRF and validation counts: token-less posts from another
        # site must not use up the hour's reports of a shelter's or carrier's shared address.
        # A report sent again (stored already: nothing new is stored) is not counted either.
        if not _received_already(form) and not allow_post(request, "naloxone-report", services.PUBLIC_POSTS_PER_HOUR):
            form.add_error(None, _too_many_reports())
            return _public_form_page(request, form, 429)
        try:
            services.create_reversal_report(**form.report_fields())
        except IdempotencyConflict:
            form = _received_with_other_answers(request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("report-naloxone-use-thanks")
    return _public_form_page(request, form, 200)


def _received_with_other_answers(request):
    """The form sent again with answers changed since it was received (Back and send again, a copied tab): the
    staff's "check your recent entries" means nothing here, and the same key would refuse every further send.
    It says the report was received and nothing more is needed, and holds a new key: sent once more (another
    overdose), it is received as a new report, pending review like every public report."""
    data = request.POST.copy()
    data["key"] = str(uuid.uuid4())
    form = PublicReportForm(data)
    form.is_valid()
    form.add_error(
        None,
        _(
            "We have received this report already, with other answers. You need not send it again. If it is "
            "about another overdose, send it once more: it will be received as a new report."
        ),
    )
    return form


@require_safe
def public_thanks(request):
    """The confirmation: thanks, and where to get a new kit. It repeats nothing that was sent."""
    return render(request, "reversals/public_thanks.html")


def get_report_for_user(request, pk, *permissions):
    """The report if the user may see it: 404 outside their municipality, 403 without the permission."""
    reports = ReversalReport.objects.select_related(
        "district__municipality", "reported_by", "reviewed_by", "responder_course", "replacement_handout"
    )
    return get_for_user(request, reports, *permissions, pk=pk)


@require_safe
@permission_required("reversals.change_reversalreport")
def report_list(request):
    """Coordinators: every report of the municipality, with filters."""
    filters = ReportFilterForm(request.GET or None, user=request.user)
    reports = filters.filter(ReversalReport.objects.for_user(request.user).select_related("district"))
    page, query = paginate(request, reports.order_by("-occurred_at", "-pk"), REPORTS_PER_PAGE)
    return render(
        request,
        "reversals/report_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query,
            "pending": ReversalReport.objects.for_user(request.user)
            .filter(review_status=ReversalReport.ReviewStatus.PENDING)
            .count(),
        },
    )


@require_safe
@login_required
def report_detail(request, pk):
    """One report, its review and its history (read-only)."""
    report = get_report_for_user(request, pk, "reversals.change_reversalreport")
    return render_detail(request, report, ReviewForm(initial={"shown_status": report.review_status}))


def render_detail(request, report, review_form):
    substances = [Substance(value).label for value in report.substances]
    return render(
        request,
        "reversals/report_detail.html",
        {
            "report": report,
            "substances": substances,
            "review_form": review_form,
            "history": history_entries(report.history),
            "needs_kit": ReversalReport.objects.needing_kit().filter(pk=report.pk).exists(),
        },
    )


@require_POST
@login_required
def review(request, pk):
    report = get_report_for_user(request, pk, "reversals.change_reversalreport")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_report(
                report=report,
                user=request.user,
                verified=form.cleaned_data["decision"] == "verify",
                reason=form.cleaned_data["reason"],
                shown_status=form.cleaned_data["shown_status"] or None,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "month_closed_reason_needed":  # beside the field it asks for
                error = ValidationError({"reason": error.error_list})
            add_service_errors(form, error)
            if getattr(error, "code", None) == "reviewed_meanwhile":
                # The page shows the review now stored; sent again from it, this review replaces that one.
                report.refresh_from_db()
                form.data = form.data.copy()
                form.data["shown_status"] = report.review_status
        else:
            messages.success(request, _("The review is saved."))
            return redirect("reversals:detail", pk=report.pk)
    return render_detail(request, report, form)


@require_get_or_post
@permission_required("reversals.add_reversalreport")
def record(request):
    """Staff at the desk: a report told to them. It counts at once."""
    form = StaffReportForm(request.POST or None, user=request.user)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            report, created = services.create_reversal_report(user=request.user, **form.report_fields())
        except IdempotencyConflict as error:
            # Kept refused (a typo fixed while the first send was under way would count twice under a new key);
            # the page shows the report saved from this form, and offers to save what was typed as a new one.
            add_service_errors(form, error)
            context["sent_before"] = report_sent_before(request, form.cleaned_data["key"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(request, _("The report is saved and counts in the figures."))
            else:  # the same form again: a double click, a second tab, a resend
                messages.info(request, _("This report was already saved from this form; it is stored once."))
            if request.user.has_perm("reversals.change_reversalreport"):
                return redirect("reversals:detail", pk=report.pk)
            return redirect("reversals:record")
    return render(request, "reversals/record.html", context)


def report_sent_before(request, key):
    """The report the user saved with `key` (none of another user's), linked where they may open it."""
    stored = ReversalReport.objects.filter(idempotency_key=key, reported_by=request.user).select_related("district")
    stored = stored.first()
    may_open = stored is not None and request.user.has_perm("reversals.change_reversalreport")
    return sent_before(
        request,
        stored,
        template="reversals/_stored_report.html",
        url=reverse("reversals:detail", args=[stored.pk]) if may_open else "",
        link_text=_("Open the saved report"),
    )


REPLACE_PERMISSIONS = ["reversals.view_reversalreport", "kits.add_handout"]


@require_safe
@permission_required(*REPLACE_PERMISSIONS)
def kits_to_replace(request):
    """Counting reports whose kit has not been replaced yet (`needing_kit`)."""
    reports = (
        ReversalReport.objects.for_user(request.user)
        .needing_kit()
        .select_related("district")
        .order_by("occurred_at", "pk")
    )
    return render(request, "reversals/kits_to_replace.html", {"reports": reports})


@require_get_or_post
@login_required
def replace_kit(request, pk):
    """Record the handout that replaces the used kit, and link it to the report."""
    report = get_report_for_user(request, pk, *REPLACE_PERMISSIONS)
    if request.method == "GET" and not ReversalReport.objects.needing_kit().filter(pk=report.pk).exists():
        messages.info(
            request,
            _("The kit for this report has already been replaced.")
            if report.kit_replaced
            else _("Only a verified report gets a replacement kit. Review the report first."),
        )
        return redirect("reversals:kits-to-replace")
    form = ReplaceKitForm(request.POST or None, user=request.user, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.replace_kit(
                report=report,
                user=request.user,
                location=form.cleaned_data["location"],
                audience=form.cleaned_data["audience"],
                key=form.cleaned_data["key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The new kit is recorded and linked to the report."))
            return redirect(reverse("reversals:kits-to-replace"))
    return render(request, "reversals/replace_kit.html", {"report": report, "form": form})
