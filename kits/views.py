"""The coordinator's stock screens: what is where, what expires, where a lot went.

Views are thin: forms check the input, `kits.services` writes, `kits.queries` reads.
Every query is scoped to the user's municipality; another municipality's rows are
a 404, a missing permission is a 403.
"""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kits import queries, services
from kits.forms import CorrectionForm, CountForm, DeliveryForm, DiscardForm, OfficeHandoutForm, PeriodForm, TransferForm
from kits.models import Batch, StockMovement
from redliv.access import add_service_errors, get_for_user, permission_required
from redliv.spreadsheet import csv_bytes


def form_page(request, form_class, save, *, title, intro, submit, done, initial=None, extra=None):
    """Show a form; on a valid POST, store through `save(data)` once and go back to the stock."""
    if request.method == "POST":
        form = form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                movement, created = save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if created:
                    messages.success(request, done(movement))
                else:
                    messages.info(request, _("This was already registered; it is stored once."))
                return redirect("kits:stock")
    else:
        form = form_class(user=request.user, initial=initial or {})
    context = {"form": form, "title": title, "intro": intro, "submit": submit, **(extra or {})}
    return render(request, "kits/form.html", context)


@permission_required("kits.view_stocklevel")
def stock(request):
    today = timezone.localdate()
    locations = queries.stock_by_location(request.user, today)
    levels = [level for entry in locations for level in entry.usable]
    return render(
        request,
        "kits/stock.html",
        {
            "locations": locations,
            "batches": queries.stock_by_batch(request.user, today),
            "expiring": sorted(
                (level for level in levels if level.expires_soon),
                key=lambda level: (level.batch.expiry_date, level.location.name),
            ),
            "expired": [level for entry in locations for level in entry.expired],
            "warning_days": queries.warning_date(today) - today,
        },
    )


@permission_required("kits.add_stockmovement")
def delivery(request):
    def save(data):
        return services.register_delivery(
            user=request.user,
            location=data["location"],
            kit_type=data["kit_type"],
            product=data["product"],
            lot_number=data["lot_number"],
            expiry_date=data["expiry_date"],
            received_on=data["received_on"],
            quantity=data["quantity"],
            key=data["key"],
        )

    return form_page(
        request,
        DeliveryForm,
        save,
        title=_("Register a delivery"),
        intro=_("One lot at a time: copy the lot number and the expiry date from the package."),
        submit=_("Register the delivery"),
        done=lambda movement: (
            _("%(quantity)d kits of lot %(lot)s received into %(location)s.")
            % {"quantity": movement.quantity, "lot": movement.batch.lot_number, "location": movement.to_location}
        ),
        extra={"products": Batch.objects.order_by("product").values_list("product", flat=True).distinct()},
    )


@permission_required("kits.add_stockmovement")
def transfer(request):
    def save(data):
        return services.transfer_kits(
            user=request.user,
            from_location=data["from_location"],
            to_location=data["to_location"],
            quantity=data["quantity"],
            batch=data["batch"],
            reason=data["reason"],
            key=data["key"],
        )

    return form_page(
        request,
        TransferForm,
        save,
        title=_("Move kits"),
        intro=_("For example from the office to the street team's bag."),
        submit=_("Move the kits"),
        initial=request.GET.dict(),
        done=lambda movement: (
            _("%(quantity)d kits of lot %(lot)s moved from %(source)s to %(target)s.")
            % {
                "quantity": movement.quantity,
                "lot": movement.batch.lot_number,
                "source": movement.from_location,
                "target": movement.to_location,
            }
        ),
    )


@permission_required("kits.add_stockmovement")
def discard(request):
    def save(data):
        return services.discard_kits(
            user=request.user,
            location=data["location"],
            batch=data["batch"],
            quantity=data["quantity"],
            reason=data["reason"],
            key=data["key"],
        )

    return form_page(
        request,
        DiscardForm,
        save,
        title=_("Discard kits"),
        intro=_("Expired or damaged kits leave the stock here, with a reason."),
        submit=_("Discard the kits"),
        initial=request.GET.dict(),
        done=lambda movement: (
            _("%(quantity)d kits of lot %(lot)s discarded at %(location)s.")
            % {"quantity": movement.quantity, "lot": movement.batch.lot_number, "location": movement.from_location}
        ),
    )


@permission_required("kits.add_stockmovement")
def count(request):
    def save(data):
        return services.adjust_after_count(
            user=request.user,
            location=data["location"],
            batch=data["batch"],
            counted=data["counted"],
            reason=data["reason"],
            key=data["key"],
        )

    return form_page(
        request,
        CountForm,
        save,
        title=_("Correct the stock after a count"),
        intro=_("Enter how many kits of the batch you counted; the difference is recorded as an adjustment."),
        submit=_("Record the count"),
        initial=request.GET.dict(),
        done=lambda movement: (
            _("Stock of lot %(lot)s at %(location)s adjusted by %(quantity)d kits.")
            % {"lot": movement.batch.lot_number, "location": movement.location, "quantity": movement.quantity}
        ),
    )


@permission_required("kits.add_handout")
def handout(request):
    def save(data):
        return services.record_handout(
            user=request.user,
            location=data["location"],
            quantity=data["quantity"],
            reason=data["reason"],
            audience=data["audience"],
            course=data["course"],
            batch=data["batch"],
            key=data["key"],
        )

    return form_page(
        request,
        OfficeHandoutForm,
        save,
        title=_("Hand out kits"),
        intro=_(
            "For handouts outside the street screen, for example at the office. No names: only the "
            "recipient's audience group."
        ),
        submit=_("Record the handout"),
        done=lambda movement: (
            _("%(quantity)d kits of lot %(lot)s handed out from %(location)s.")
            % {"quantity": movement.quantity, "lot": movement.batch.lot_number, "location": movement.from_location}
        ),
    )


def month_so_far():
    today = timezone.localdate()
    return {"start": today.replace(day=1), "end": today}


def period(request):
    """The period asked for in the query string; this month so far when none is given."""
    asked = "start" in request.GET or "end" in request.GET
    return PeriodForm(request.GET if asked else month_so_far())


@permission_required("kits.view_stockmovement")
def movements(request):
    form = period(request)
    page = None
    if form.is_valid():
        rows = queries.movements_between(request.user, form.cleaned_data["start"], form.cleaned_data["end"]).annotate(
            corrected=Exists(StockMovement.objects.filter(corrects=OuterRef("pk")))
        )
        page = Paginator(rows, 100).get_page(request.GET.get("side"))
    return render(request, "kits/movements.html", {"form": form, "page": page})


def csv_response(filename, header, rows):
    """CSV for Danish Excel (`;` between fields); a reason or name never runs as a formula."""
    response = HttpResponse(csv_bytes([header, *rows]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def local_date(moment):
    return timezone.localtime(moment).date().isoformat()


def course_cells(movement):
    course = movement.course
    return [str(course), local_date(course.starts_at)] if course else ["", ""]


@permission_required("kits.view_stockmovement")
def movements_csv(request):
    form = period(request)
    if not form.is_valid():
        return render(request, "kits/movements.html", {"form": form, "page": None})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    header = [
        _("Movement"),
        _("Date"),
        _("Kind"),
        _("Lot number"),
        _("Product"),
        _("Expiry date"),
        _("From"),
        _("To"),
        _("Quantity"),
        _("Reason"),
        _("Handout reason"),
        _("Audience"),
        _("Course"),
        _("Course date"),
        _("Corrects movement"),
    ]
    rows = (
        [
            movement.pk,
            local_date(movement.occurred_at),
            movement.get_kind_display(),
            movement.batch.lot_number,
            movement.batch.product,
            movement.batch.expiry_date.isoformat(),
            movement.from_location or "",
            movement.to_location or "",
            movement.quantity,
            movement.reason,
            movement.get_handout_reason_display() or "",
            movement.get_recipient_audience_display() or "",
            *course_cells(movement),
            movement.corrects_id or "",
        ]
        for movement in queries.movements_between(request.user, start, end)
    )
    return csv_response(f"lagerbevaegelser-{start.isoformat()}-{end.isoformat()}.csv", header, rows)


def lot_trace(request):
    lot_number = request.GET.get("lot", "").strip()
    trace = list(queries.lot_movements(request.user, lot_number)) if lot_number else []
    return lot_number, trace


@permission_required("kits.view_stockmovement")
def lot(request):
    lot_number, trace = lot_trace(request)
    context = {"lot_number": lot_number, "trace": trace}
    if trace:
        context.update(queries.lot_summary(trace))
        context["batches"] = sorted({movement.batch for movement in trace}, key=lambda batch: batch.pk)
    return render(request, "kits/lot.html", context, status=404 if lot_number and not trace else 200)


@permission_required("kits.view_stockmovement")
def lot_csv(request):
    lot_number, trace = lot_trace(request)
    if not trace:
        raise Http404(_("No kits of this lot in your municipality."))
    header = [
        _("Lot number"),
        _("Product"),
        _("Expiry date"),
        _("Date"),
        _("Kind"),
        _("From"),
        _("To"),
        _("Quantity"),
        _("Course"),
        _("Course date"),
        _("Handout reason"),
        _("Audience"),
        _("Movement"),
        _("Corrects movement"),
    ]
    rows = (
        [
            movement.batch.lot_number,
            movement.batch.product,
            movement.batch.expiry_date.isoformat(),
            local_date(movement.occurred_at),
            movement.get_kind_display(),
            movement.from_location or "",
            movement.to_location or "",
            movement.quantity,
            *course_cells(movement),
            movement.get_handout_reason_display() or "",
            movement.get_recipient_audience_display() or "",
            movement.pk,
            movement.corrects_id or "",
        ]
        for movement in trace
    )
    safe_lot = re.sub(r"[^A-Za-z0-9_-]+", "-", lot_number)
    return csv_response(f"lot-{safe_lot}.csv", header, rows)


@permission_required("kits.add_stockmovement")
def correct(request, pk):
    movement = get_for_user(
        request, StockMovement.objects.select_related("batch", "from_location", "to_location"), pk=pk
    )

    def save(data):
        return services.correct_movement(user=request.user, movement=movement, reason=data["reason"], key=data["key"])

    return form_page(
        request,
        CorrectionForm,
        save,
        title=_("Correct a movement"),
        intro=_("History is never changed: the correction is a new, opposite movement that points to this one."),
        submit=_("Record the correction"),
        extra={"movement": movement},
        done=lambda correction: (
            _("Correction recorded: %(quantity)d kits of lot %(lot)s.")
            % {"quantity": correction.quantity, "lot": correction.batch.lot_number}
        ),
    )
