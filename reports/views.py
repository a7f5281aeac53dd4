"""The month page, its exports, closing a month, the target, and the public statistics."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from kits.queries import month_movements
from redliv import closing, downloads, inputs, roles
from redliv.access import municipality_asked_for
from redliv.models import MonthClosing, Municipality
from redliv.months import Month
from redliv.templatetags.dates import date_as
from reports import exports, pdf, publication
from reports.approval import approval_state, export_figures, figures_digest, nothing_registered, snapshot
from reports.charts import bar_chart
from reports.figures import PUBLIC_STATISTICS_SECONDS, month_report, public_statistics_as_of
from reports.models import TrainingTarget
from reversals.models import ReversalReport


class TargetForm(inputs.ModelForm):
    class Meta:
        model = TrainingTarget
        fields = ["people", "audience"]


class ReopenForm(inputs.Form):
    # The service asks for a reason (the month's state decides which message comes first).
    reason = forms.CharField(required=False, max_length=MonthClosing._meta.get_field("reason").max_length)


MONTH_ASKED_FOR = gettext_lazy("Choose a month as YYYY-MM, no later than this month.")
FIRST_MONTH = Month(2000, 1)  # the first month the pages offer


def _last_month() -> Month:
    """The last month the pages offer: this one, so far (Copenhagen's)."""
    return Month.last_full().shift(1)


class MonthPicker(inputs.Form):
    """The month page's month picker: it offers the months the page shows (`_month_or_none`), no other."""

    month = forms.CharField(
        label=gettext_lazy("Month"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )

    def __init__(self, *args, month: Month | None = None, **kwargs):
        super().__init__(*args, initial={"month": str(month)} if month else None, **kwargs)
        inputs.limit_dates(self.fields["month"], FIRST_MONTH.first_day, _last_month().first_day)
        self.fields["month"].widget.attrs["class"] = "form-control"


def _month_text(request) -> str:
    return request.GET.get("month") or request.POST.get("month") or ""


def _month_or_none(text: str) -> Month | None:
    """The month `text` names, if the pages offer it (FIRST_MONTH to this month); None otherwise."""
    try:
        month = Month.parse(text)
    except ValueError:
        return None
    if not FIRST_MONTH <= month <= _last_month():
        return None
    return month


def _month(request) -> Month:
    """The month a page or an export shows: the one asked for, or the last full month (with a note) when
    none or one it cannot show is asked for."""
    text = _month_text(request)
    if text:
        month = _month_or_none(text)
        if month is not None:
            return month
        messages.error(request, MONTH_ASKED_FOR)
    return Month.last_full()


def _scope(request):
    """(municipality or None for all) for a coordinator or administrator; 403 for others, 404 for another's."""
    if not request.user.has_perm(roles.OVERSEE_ENTRIES):
        raise PermissionDenied
    return municipality_asked_for(request)


def _query(month, municipality, **extra):
    params = {"month": str(month)}
    if municipality is not None:
        params["municipality"] = municipality.pk
    params.update(extra)
    return urlencode(params)


def _charts(report):
    trend = report.table("trend")
    short = [date_as(month.first_day, "SHORT_MONTH_FORMAT") for month in trend.months]
    return [bar_chart(row.label, trend.columns, row.values, short) for row in trend.rows]


@require_safe
@login_required
def month_page(request):
    municipality = _scope(request)
    month = _month(request)
    report = month_report(month, municipality)
    state = approval_state(report)
    latest, approval = state.closing, state.approval
    target = getattr(municipality, "training_target", None) if municipality else None
    return render(
        request,
        "reports/month.html",
        {
            "report": report,
            "municipality": municipality,
            "approval": approval,
            "changed_since_approval": state.text,
            "reopening": closing.reopening_text(latest) if latest and not approval else "",
            "charts": _charts(report),
            "picker": MonthPicker(month=month),
            "previous_query": _query(month.shift(-1), municipality),
            "next_query": _query(month.shift(1), municipality) if month.is_over else "",
            "municipalities": (
                Municipality.objects.all() if request.user.has_perm(roles.SEE_EVERY_MUNICIPALITY) else None
            ),
            # _scope let in only administrators and the municipality's own coordinators.
            "may_close": municipality is not None and month.is_over,
            # A running month has no approve button; the page says from when it will have one.
            "approvable_from": (
                _("The month can be approved from %(date)s, when it has ended.")
                % {"date": date_format(month.shift(1).first_day, "DATE_FORMAT")}
                if municipality is not None and not month.is_over
                else ""
            ),
            "target_form": TargetForm(instance=target) if municipality else None,
            "target_scope": _target_scope(latest if approval else None),
            # What the approve button approves: the figures on this page, not others that came in since.
            "figures_shown": figures_digest(snapshot(report)),
            # For reconciling the stock by hand: each location's month, opening to closing (2 queries).
            "stock_movements": month_movements(month, municipality) if municipality is not None else [],
            # A month with nothing in it is approved only when the coordinator confirms it (approve).
            "nothing_registered": bool(
                municipality is not None and month.is_over and not approval and nothing_registered(month, municipality)
            ),
            "pending_reports": _pending_reports(month, municipality),
            "public_version": publication.public_version_text(municipality, month) if approval else "",
        },
    )


def _target_scope(approval: MonthClosing | None) -> str:
    """Which target the form sets, beside the one the page's table shows: on an approved month (`approval`, its
    closing) they differ (the table shows the target the month was approved with, reports.approval.as_approved;
    the form sets today's)."""
    if not approval:
        return _(
            "The target set here counts in this month and in every month not yet approved. An approved month keeps "
            "the target it was approved with."
        )
    if approval.target_people:
        kept = _("This month was approved with a target of %(people)d, which the table above shows.") % {
            "people": approval.target_people
        }
    else:
        kept = _("This month was approved without a target, as the table above shows.")
    return " ".join(
        [
            kept,
            _(
                "The target set here is the one from now on: it counts in the months not yet approved, and in this "
                "month only if it is approved again."
            ),
        ]
    )


def _pending_reports(month: Month, municipality) -> int:
    """Overdose-reversal reports of an ended month still to be reviewed: they count once verified, so
    approving the month before reviewing them means changing it after (1 query)."""
    if municipality is None or not month.is_over:
        return 0
    return ReversalReport.objects.filter(
        district__municipality=municipality,
        review_status=ReversalReport.ReviewStatus.PENDING,
        occurred_at__gte=month.start,
        occurred_at__lt=month.end,
    ).count()


def _export_report(request):
    """(report, approval line, extra header lines) for an export: see reports.approval.export_figures."""
    return export_figures(
        _month(request),
        _scope(request),
        publication=request.GET.get("publication") == "1",
        current=request.GET.get("figures") == "current",
    )


def _filename(report, extension):
    scope = report.scope_label if report.municipality else "alle"
    suffix = "-offentlig" if report.publication else ""
    return f"redliv-{report.month}-{scope}{suffix}.{extension}".lower().replace(" ", "-")


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = downloads.attachment(filename)
    return response


@require_safe
@login_required
def export_csv(request):
    report, approval, extra = _export_report(request)
    separator = exports.SEPARATORS.get(request.GET.get("separator", "semicolon"), ";")
    content = exports.to_csv(report, approval, separator, exports.method_url(request), extra)
    return _attachment(content, "text/csv; charset=utf-8", _filename(report, "csv"))


@require_safe
@login_required
def export_xlsx(request):
    report, approval, extra = _export_report(request)
    content = exports.to_xlsx(report, approval, exports.method_url(request), extra)
    return _attachment(content, exports.XLSX_CONTENT_TYPE, _filename(report, "xlsx"))


@require_safe
@login_required
def export_pdf(request):
    report, approval, extra = _export_report(request)
    content = pdf.to_pdf(report, approval, exports.method_url(request), extra)
    return _attachment(content, "application/pdf", _filename(report, "pdf"))


@require_safe
@login_required
def print_page(request):
    report, approval, extra = _export_report(request)
    return render(
        request,
        "reports/month_print.html",
        {
            "report": report,
            "header_lines": exports.header_lines(report, approval, exports.method_url(request), extra),
            "charts": _charts(report),
        },
    )


def _back(month, municipality):
    return redirect(reverse("reports:month") + "?" + _query(month, municipality))


class MonthNotGiven(Exception):
    """A write to a month (approve, reopen, target) without a month the page offers."""

    def __init__(self, municipality):
        self.municipality = municipality


def _closable(request):
    """(municipality, month) for a user who may approve, reopen and set targets there; 403 otherwise.

    _scope lets in only administrators and the coordinators of the municipality it returns;
    an administrator must choose one municipality. A missing or malformed month changes nothing
    (MonthNotGiven): the pages' GET falls back to the last full month, but a write that did the same
    approved or reopened a month no one had asked for.
    """
    municipality = _scope(request)
    if municipality is None:
        raise PermissionDenied
    month = _month_or_none(_month_text(request))
    if month is None:
        raise MonthNotGiven(municipality)
    return municipality, month


def _changes_a_month(view):
    """Refuse a write to a month that names none the page offers: a message, back to the page, nothing written."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MonthNotGiven as refused:
            messages.error(request, _("Nothing was changed. %(choose)s") % {"choose": MONTH_ASKED_FOR})
            return _back(Month.last_full(), refused.municipality)

    return wrapped


CONFIRM_EMPTY = gettext_lazy("Nothing is registered in the month – approve anyway")


@require_POST
@login_required
@_changes_a_month
def approve(request):
    municipality, month = _closable(request)
    shown = request.POST.get("figures", "")

    def figures():
        kept = snapshot(month_report(month, municipality))
        # An entry logged, or a correction made, after the page was opened: the coordinator has not seen it.
        if shown and figures_digest(kept) != shown:
            raise ValidationError(
                _("The figures have changed since you opened the page. Check them, and approve again."),
                code="figures_changed",
            )
        return kept

    if (
        month.is_over
        and not request.POST.get("confirm_empty")
        and not closing.month_is_closed(municipality, month.first_day)
        and nothing_registered(month, municipality)
    ):
        messages.error(
            request,
            _(
                "Nothing is registered in %(month)s: no course logged, no kits handed out or moved, no report of "
                "an overdose reversal. If that is right, tick “%(confirm)s” and approve again."
            )
            % {"month": month.label, "confirm": CONFIRM_EMPTY},
        )
        return _back(month, municipality)
    try:
        # The figures are worked out once the month's entries are held still (closing._approve_month), and the
        # public statistics' version of the month with them (reports.publication).
        _approval, published = publication.approve_and_publish(request.user, municipality, month.first_day, figures)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if published.withheld:
            messages.warning(
                request,
                _(
                    "%(month)s is approved. The public statistics keep the figures approved before: the difference "
                    "would reveal a count from 1 to 4."
                )
                % {"month": month.label},
            )
        else:
            messages.success(request, _("%(month)s is approved.") % {"month": month.label})
    return _back(month, municipality)


@require_POST
@login_required
@_changes_a_month
def reopen(request):
    municipality, month = _closable(request)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        closing.reopen_month(request.user, municipality, month.first_day, form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(month)s is reopened.") % {"month": month.label})
    return _back(month, municipality)


@require_POST
@login_required
@_changes_a_month
def set_target(request):
    municipality, month = _closable(request)
    form = TargetForm(request.POST)
    if form.is_valid():
        TrainingTarget.set_for(municipality, request.user, **form.cleaned_data)
        messages.success(request, _("The target is saved."))
    else:
        messages.error(
            request,
            _("The target was not saved: %(errors)s")
            % {"errors": " ".join(message for errors in form.errors.values() for message in errors)},
        )
    return _back(month, municipality)


@require_safe
def public_statistics_page(request):
    """The public statistics; with ?kommune=<id>, one municipality's figures too.

    A municipality that is not there (an old link, a typo) gets the page with the country's figures
    and a message at the list to choose from, answered 404 so that the address is not kept as a page.
    """
    wanted = request.GET.get("kommune") or ""
    municipality = Municipality.objects.filter(pk=wanted).first() if wanted and inputs.is_id(wanted) else None
    unknown = bool(wanted) and municipality is None
    statistics, worked_out_at = public_statistics_as_of(municipality=municipality)
    months = statistics["months"]
    labels = [row["month"].label for row in months]
    short = [date_as(row["month"].first_day, "SHORT_MONTH_FORMAT") for row in months]
    # A month only some municipalities have approved is their sum: its bars are marked, as its row is.
    covered, total = [row["covered"] for row in months], statistics["municipalities"]
    charts = [
        bar_chart(title, labels, [row[key] for row in months], short, covered, total)
        for title, key in [
            (_("Courses held"), "courses"),
            (_("People trained"), "people"),
            (_("Naloxone kits handed out"), "kits"),
        ]
    ]
    return render(
        request,
        "reports/public_statistics.html",
        {
            "statistics": statistics,
            "charts": charts,
            "municipalities": Municipality.objects.order_by("name"),
            "chosen": municipality,
            "worked_out_at": worked_out_at,
            "refreshed_every_minutes": PUBLIC_STATISTICS_SECONDS // 60,
            "unknown_municipality": unknown,
        },
        status=404 if unknown else 200,
    )


@require_safe
def method_page(request):
    """How the published figures are protected: the rule, its reasons and its price."""
    return render(request, "reports/method.html")
