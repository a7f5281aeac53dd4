"""The coordinator's stock screens: what is where, what expires, where a lot went.

Views are thin: forms check the input, `kits.services` writes, `kits.queries` reads.
Every query is scoped to the user's municipality; another municipality's rows are
a 404, a missing permission is a 403.
"""

import re
import uuid
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kits import queries, services
from kits.forms import (
    ClearUnusableForm,
    CorrectionForm,
    CountForm,
    DeliveryForm,
    DiscardForm,
    EndRecallForm,
    OfficeHandoutForm,
    PeriodForm,
    RecallForm,
    StockTargetsForm,
    TransferForm,
    known_batches,
)
from kits.models import (
    RETURN_LOCATION_KEPT_WHILE_HOLDING_KITS,
    Batch,
    StockLevel,
    StockLocation,
    StockMovement,
    return_location_holds_kits,
)
from kits.planning import plan_stock
from redliv import downloads, roles
from redliv.access import (
    add_service_errors,
    get_for_user,
    municipality_asked_for,
    permission_required,
    require_get_or_post,
)
from redliv.db import violated_constraint
from redliv.idempotency import IdempotencyConflict, sent_before
from redliv.models import Municipality
from redliv.pagination import paginate
from redliv.spreadsheet import csv_bytes

MOVEMENTS_PER_PAGE = 100


def form_page(request, form_class, save, *, title, intro, submit, done, initial=None, extra=None):
    """Show a form; on a valid POST, store through `save(data)` once and go back to the stock.

    Sent again with other answers under its key, it is refused (`IdempotencyConflict`), and the page shows what
    was stored from it and offers to save what was typed as a new entry (`sent_before`)."""
    extra = dict(extra or {})
    if request.method == "POST":
        form = form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                movement, created = save(form.cleaned_data)
            except IdempotencyConflict as error:
                add_service_errors(form, error)
                extra["sent_before"] = movement_sent_before(request, form.cleaned_data["key"])
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
    context = {"form": form, "title": title, "intro": intro, "submit": submit, **extra}
    return render(request, "kits/form.html", context)


ASK_FIRST = "ask_first"  # a stock page button's field: show what it will do, and do it only when confirmed


def ask_first(request, *, title, what, submit, danger=False, back=""):
    """The short step between a one-click stock button and its write: says what will happen and sends the same
    fields again (its idempotency key with them) without ASK_FIRST, from a button; or goes back. No JavaScript."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (ASK_FIRST, "csrfmiddlewaretoken")
        for value in values
    ]
    context = {"title": title, "what": what, "submit": submit, "danger": danger, "fields": fields, "back": back}
    return render(request, "kits/confirm.html", context)


def movement_sent_before(request, key):
    """The movement the user stored with `key` (none of another user's), with a link to correct it."""
    stored = (
        StockMovement.objects.filter(idempotency_key=key, recorded_by=request.user)
        .select_related("batch", "from_location", "to_location")
        .first()
    )
    url = reverse("kits:correct", args=[stored.pk]) if stored and not stored.corrects_id else ""
    return sent_before(
        request, stored, template="kits/_stored_movement.html", url=url, link_text=_("Correct the saved movement")
    )


def prefilled(request):
    """What a link to a stock form fills in (`?from_location=3&batch=7`), never its key: each showing of a form
    gets a new one (`redliv.inputs.offer_key`). A key from the query string may have been used already (a link
    copied from a page, a bookmark), and the entry sent with it would be answered "already stored" and lost."""
    return {name: value for name, value in request.GET.items() if name != "key"}


def batch_totals(levels, today):
    """Each batch on hand, with its total across the locations given, soonest expiry first."""
    totals = {}
    for level in levels:
        batch = level.batch
        row = totals.setdefault(
            batch.pk,
            {
                "batch": batch,
                "quantity": 0,
                "expired": batch.is_expired(today),
                "recalled": batch.is_recalled(today),
                "expires_soon": not batch.is_expired(today) and batch.expiry_date <= queries.warning_date(today),
            },
        )
        row["quantity"] += level.quantity
    return sorted(totals.values(), key=lambda row: (row["batch"].expiry_date, row["batch"].lot_number))


def sees_every_municipality(user):
    return user.has_perm(roles.SEE_EVERY_MUNICIPALITY)


def stock_scope(request):
    """The municipality asked for with `?municipality=`, or None.

    A user who sees every municipality (an administrator) chooses any municipality, or none
    for the national summary; anyone else sees their own municipality (None here: their
    queries are scoped already), and asking for another one is a 404 (`municipality_asked_for`).
    """
    municipality = municipality_asked_for(request)
    return municipality if sees_every_municipality(request.user) else None


def scope_query(municipality):
    return f"?{urlencode({'municipality': municipality.pk})}" if municipality else ""


@require_safe
@permission_required("kits.view_stocklevel")
def stock(request):
    """What is where, what to order, what will expire unused, and the expired or recalled kits apart.

    An administrator first sees one row per municipality and chooses one for its detail.
    """
    today = timezone.localdate()
    municipality = stock_scope(request)
    if sees_every_municipality(request.user) and municipality is None:
        national = queries.national_stock(request.user, today)
        return render(
            request,
            "kits/national.html",
            {
                "national": national,
                "municipalities": [row.municipality for row in national.municipalities],
                "municipality": None,
            },
        )
    locations = queries.stock_by_location(request.user, today, municipality)
    levels = [level for entry in locations for level in entry.usable]
    unusable = [level for entry in locations for level in entry.expired]
    plan = plan_stock([entry.location for entry in locations if entry.location.active], levels + unusable, today)
    plans = {location_plan.location.pk: location_plan for location_plan in plan.locations}
    for entry in locations:
        entry.plan = plans.get(entry.location.pk)
    # Each one-step form is stored once however often it is sent: each with a key of its own, also the several
    # buttons of one row (discard, return to each location for return), or the second pressed would be taken
    # for a resend of the first.
    for item in plan.transfers:
        item.key = uuid.uuid4()
    return_locations = [entry.location for entry in locations if entry.location.for_return]
    for level in unusable:
        level.discard_key = uuid.uuid4()
        level.returns = [(target, uuid.uuid4()) for target in return_locations if target.pk != level.location_id]
    return render(
        request,
        "kits/stock.html",
        {
            "locations": locations,
            "batches": batch_totals(levels + unusable, today),
            "expiring": queries.expiring_in(locations),
            "expired": queries.unusable_in(locations),
            "plan": plan,
            "warning_days": queries.warning_date(today) - today,
            "kit_reserve": settings.KIT_RESERVE,
            "municipality": municipality,
            "municipalities": Municipality.objects.all() if sees_every_municipality(request.user) else None,
            "scope_query": scope_query(municipality),
        },
    )


def number(value):
    """A decimal number as Danish Excel reads it; empty when there is none."""
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def scope_suffix(municipality):
    """The municipality in a download's file name as it is spelled ("lager-ærø-…"): redliv.downloads.attachment
    gives an ASCII name beside it ("lager-aeroe-…") for a client that reads only that."""
    return "-" + "-".join(municipality.name.lower().split()) if municipality else ""


@require_safe
@permission_required("kits.view_stocklevel")
def suggestions_csv(request):
    """The reorder suggestions as CSV, one line per location (every location an administrator may see)."""
    today = timezone.localdate()
    municipality = stock_scope(request)
    plan = queries.stock_plan(request.user, today, municipality)
    start, end = plan.window
    header = [
        _("Location"),
        _("Municipality"),
        _("Minimum months"),
        _("Maximum months"),
        _("Kits handed out less returns"),
        _("Months counted"),
        _("Consumption per month"),
        _("Usable kits on hand"),
        _("Expired or recalled kits"),
        _("Months of stock"),
        _("Suggested order"),
        _("Below minimum"),
    ]
    rows = (
        [
            entry.location.name,
            entry.location.municipality.name,
            number(entry.location.min_months),
            number(entry.location.max_months),
            entry.handed_out,
            entry.months_counted,
            number(entry.consumption),
            entry.usable,
            entry.unusable,
            number(entry.months_of_stock),
            "" if entry.suggested_order is None else entry.suggested_order,
            _("yes") if entry.below_minimum else _("no"),
        ]
        for entry in plan.locations
        if not entry.location.for_return
    )
    filename = f"bestillingsforslag{scope_suffix(municipality)}-{start.isoformat()}-{end.isoformat()}.csv"
    return csv_response(filename, header, rows)


@require_safe
@permission_required("kits.view_stocklevel")
def stock_csv(request):
    """Every kit on hand, one line per location and lot: what the pages show, in full."""
    today = timezone.localdate()
    municipality = stock_scope(request)
    plan = queries.stock_plan(request.user, today, municipality)
    at_risk = {(risk.location.pk, risk.batch.pk): risk.quantity for risk in plan.at_risk}
    soon = queries.warning_date(today)

    def status(batch):
        if batch.is_recalled(today):
            return _("Recalled")
        if batch.is_expired(today):
            return _("Expired")
        return _("Expires soon") if batch.expiry_date <= soon else _("Usable")

    header = [
        _("Municipality"),
        _("Location"),
        _("Kind"),
        _("Lot number"),
        _("Product"),
        _("Expiry date"),
        _("Kits"),
        _("Status"),
        _("At risk of expiring unused"),
    ]
    rows = (
        [
            level.location.municipality.name,
            level.location.name,
            level.location.get_kind_display(),
            level.batch.lot_number,
            level.batch.product,
            level.batch.expiry_date.isoformat(),
            level.quantity,
            status(level.batch),
            at_risk.get((level.location_id, level.batch_id), 0),
        ]
        for level in plan.levels
    )
    return csv_response(f"lager{scope_suffix(municipality)}-{today.isoformat()}.csv", header, rows)


@require_POST
@permission_required("kits.add_stockmovement")
def clear_unusable(request):
    """One step for expired or recalled kits on the stock page: discard them, or move them for return."""
    form = ClearUnusableForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("kits:stock")
    data = form.cleaned_data
    if ASK_FIRST in request.POST:
        return ask_first_to_clear(request, data)
    try:
        movement, created = services.clear_unusable(
            user=request.user,
            location=data["location"],
            batch=data["batch"],
            to_location=data["to_location"],
            key=data["key"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("kits:stock")
    if not created:
        messages.info(request, _("This was already registered; it is stored once."))
    elif movement.to_location_id:
        messages.success(
            request,
            _("%(quantity)d kits of lot %(lot)s moved from %(source)s to %(target)s for return.")
            % {
                "quantity": movement.quantity,
                "lot": movement.batch.lot_number,
                "source": movement.from_location,
                "target": movement.to_location,
            },
        )
    else:
        messages.success(
            request,
            _("%(quantity)d kits of lot %(lot)s discarded at %(location)s.")
            % {"quantity": movement.quantity, "lot": movement.batch.lot_number, "location": movement.from_location},
        )
    return redirect("kits:stock")


def ask_first_to_clear(request, data):
    """What the Discard or Return button of the expired and recalled kits will do, to confirm."""
    location, batch, target = data["location"], data["batch"], data["to_location"]
    level = StockLevel.objects.filter(location=location, batch=batch).first()
    facts = {"quantity": level.quantity if level else 0, "lot": batch.lot_number, "source": location}
    if target is None:
        return ask_first(
            request,
            title=_("Discard %(quantity)d kits of lot %(lot)s?") % facts,
            what=_(
                "All %(quantity)d kits of lot %(lot)s at %(source)s will be recorded as discarded. Undoing it takes "
                "a correction."
            )
            % facts,
            submit=_("Yes, discard %(quantity)d kits") % facts,
            danger=True,
            back=reverse("kits:stock") + "#expired",
        )
    facts["target"] = target
    what = _("All %(quantity)d kits of lot %(lot)s at %(source)s will be moved to %(target)s for return.")
    return ask_first_to_move(request, facts, what % facts, "#expired")


def ask_first_to_move(request, facts, what, section):
    return ask_first(
        request,
        title=_("Move %(quantity)d kits of lot %(lot)s to %(target)s?") % facts,
        what=what,
        submit=_("Yes, move %(quantity)d kits") % facts,
        back=reverse("kits:stock") + section,
    )


@require_get_or_post
@permission_required("kits.change_stocklocation")
def targets(request, pk):
    """A location's minimum and maximum months of stock, and whether it is for return or destruction."""
    location = get_for_user(request, StockLocation.objects, pk=pk)
    form = StockTargetsForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError as error:
            # Kits came in after the form checked the location was empty: the database keeps it for return.
            if violated_constraint(error) != RETURN_LOCATION_KEPT_WHILE_HOLDING_KITS:
                raise
            form.add_error("for_return", return_location_holds_kits(location, location.kits_held()))
        else:
            messages.success(request, _("The stock targets of %(location)s are saved.") % {"location": location})
            return redirect("kits:stock")
    return render(
        request,
        "kits/form.html",
        {
            "form": form,
            "title": _("Stock targets: %(location)s") % {"location": location},
            "intro": _(
                "The suggested order fills the location up to the maximum months of consumption; below the "
                "minimum the location is flagged on the start page."
            ),
            "submit": _("Save"),
        },
    )


@require_get_or_post
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
            quantity=data["quantity"],
            on_date=data["on_date"],
            change_reason=data["change_reason"],
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
        extra={
            "products": known_batches(request.user).order_by("product").values_list("product", flat=True).distinct()
        },
    )


@require_get_or_post
@permission_required("kits.add_stockmovement")
def transfer(request):
    def save(data):
        return services.transfer_kits(
            user=request.user,
            on_date=data["on_date"],
            change_reason=data["change_reason"],
            from_location=data["from_location"],
            to_location=data["to_location"],
            quantity=data["quantity"],
            batch=data["batch"],
            reason=data["reason"],
            key=data["key"],
        )

    if request.method == "POST" and ASK_FIRST in request.POST:  # a suggested transfer's button on the stock page
        form = TransferForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            facts = {
                "quantity": data["quantity"],
                "lot": data["batch"].lot_number,
                "source": data["from_location"],
                "target": data["to_location"],
            }
            what = _("%(quantity)d kits of lot %(lot)s will be moved from %(source)s to %(target)s.") % facts
            return ask_first_to_move(request, facts, what, "#at-risk")
    return form_page(
        request,
        TransferForm,
        save,
        title=_("Move kits"),
        intro=_("For example from the office to the street team's bag."),
        submit=_("Move the kits"),
        initial=prefilled(request),
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


@require_get_or_post
@permission_required("kits.add_stockmovement")
def discard(request):
    def save(data):
        return services.discard_kits(
            user=request.user,
            on_date=data["on_date"],
            change_reason=data["change_reason"],
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
        initial=prefilled(request),
        done=lambda movement: (
            _("%(quantity)d kits of lot %(lot)s discarded at %(location)s.")
            % {"quantity": movement.quantity, "lot": movement.batch.lot_number, "location": movement.from_location}
        ),
    )


@require_get_or_post
@permission_required("kits.add_stockmovement")
def count(request):
    def save(data):
        return services.adjust_after_count(
            user=request.user,
            on_date=data["on_date"],
            change_reason=data["change_reason"],
            location=data["location"],
            batch=data["batch"],
            counted=data["counted"],
            reason=data["reason"],
            arrivals_confirmed=data["confirm_arrivals"],
            key=data["key"],
        )

    return form_page(
        request,
        CountForm,
        save,
        title=_("Correct the stock after a count"),
        intro=_("Enter how many kits of the batch you counted; the difference is recorded as an adjustment."),
        submit=_("Record the count"),
        initial=prefilled(request),
        done=lambda movement: (
            _("Stock of lot %(lot)s at %(location)s adjusted by %(quantity)d kits.")
            % {"lot": movement.batch.lot_number, "location": movement.location, "quantity": movement.quantity}
        ),
    )


@require_get_or_post
@permission_required("kits.add_handout")
def handout(request):
    def save(data):
        return services.record_handout(
            user=request.user,
            on_date=data["on_date"],
            change_reason=data["change_reason"],
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


@require_safe
@permission_required("kits.view_stockmovement")
def movements(request):
    form = period(request)
    page, query = None, ""
    if form.is_valid():
        rows = (
            queries.movements_between(request.user, form.cleaned_data["start"], form.cleaned_data["end"])
            .select_related("recorded_by")  # who took kits back into use from a location for return
            .annotate(corrected=Exists(StockMovement.objects.filter(corrects=OuterRef("pk"))))
        )
        page, query = paginate(request, rows, MOVEMENTS_PER_PAGE)
    return render(request, "kits/movements.html", {"form": form, "page": page, "query": query})


def csv_response(filename, header, rows):
    """CSV for Danish Excel (`;` between fields); a reason or name never runs as a formula."""
    response = HttpResponse(csv_bytes([header, *rows]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = downloads.attachment(filename)
    return response


def local_date(moment):
    return timezone.localtime(moment).date().isoformat()


def local_time(moment):
    """The hour and minute in Copenhagen, as ISO 8601 writes them ("14:05"): a time a spreadsheet reads."""
    return timezone.localtime(moment).time().isoformat(timespec="minutes")


def course_cells(movement):
    course = movement.course
    return [str(course), local_date(course.starts_at)] if course else ["", ""]


@require_safe
@permission_required("kits.view_stockmovement")
def movements_csv(request):
    form = period(request)
    if not form.is_valid():
        return render(request, "kits/movements.html", {"form": form, "page": None})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    header = [
        _("Movement"),
        _("Date"),
        _("Time"),
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
            local_time(movement.occurred_at),
            movement.kind_label,
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


@require_safe
@permission_required("kits.view_stockmovement")
def lot(request):
    lot_number, trace = lot_trace(request)
    context = {"lot_number": lot_number, "trace": trace, "today": timezone.localdate()}
    if trace:
        context.update(queries.lot_summary(trace))
        batches = sorted({movement.batch for movement in trace}, key=lambda batch: batch.pk)
        steps = queries.recall_steps(batches)
        for batch in batches:
            batch.recall_steps = steps[batch.pk]
            batch.recalled_today = batch.is_recalled(context["today"])
            batch.may_change_recall = roles.may_change_recall(request.user, batch)
        context["batches"] = batches
        handouts = {movement.pk: movement for movement in trace if movement.kind == StockMovement.Kind.HANDOUT}
        for handout in handouts.values():
            handout.put_back = 0
        for movement in trace:
            if movement.kind == StockMovement.Kind.ADJUSTMENT and movement.corrects_id in handouts:
                handouts[movement.corrects_id].put_back += movement.quantity
        context["handouts"] = list(handouts.values())
    return render(request, "kits/lot.html", context, status=404 if lot_number and not trace else 200)


def lot_url(batch):
    return f"{reverse('kits:lot')}?lot={quote(batch.lot_number)}"


@require_get_or_post
@permission_required(roles.RECALL_LOTS)
def recall(request, pk):
    """Mark a lot as recalled: no handouts from then on, transfers only for return, and the public is told.

    Any coordinator whose municipality has held the lot may recall it; an active recall is changed only by
    whom `roles.may_change_recall` names."""
    batch = get_for_user(request, Batch.objects.select_related("recalled_in"), roles.RECALL_LOTS, pk=pk)
    active = batch.recalled_on is not None and batch.recall_ended_on is None
    if active and not roles.may_change_recall(request.user, batch):
        raise services.recall_changes_refused(batch)
    form = RecallForm(
        request.POST or None,
        initial={"reason": batch.recall_reason, "instructions": batch.recall_instructions} if active else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            recalled = services.recall_lot(
                user=request.user,
                batch=batch,
                recalled_on=form.cleaned_data["recalled_on"],
                reason=form.cleaned_data["reason"],
                instructions=form.cleaned_data["instructions"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if recalled.recalled_on < form.cleaned_data["recalled_on"]:
                messages.info(
                    request,
                    _(
                        "The new recall overlaps the one that began on %(date)s, so they are one recall: "
                        "lot %(lot)s is recalled from %(date)s."
                    )
                    % {"lot": batch.lot_number, "date": date_format(recalled.recalled_on, "SHORT_DATE_FORMAT")},
                )
            messages.success(
                request,
                _(
                    "Lot %(lot)s is recalled. It can no longer be handed out, and the public “Check your kit” "
                    "page tells holders what to do."
                )
                % {"lot": batch.lot_number},
            )
            return redirect(lot_url(batch))
    return render(
        request,
        "kits/form.html",
        {
            "form": form,
            "title": _("Recall lot %(lot)s") % {"lot": batch.lot_number},
            "intro": _(
                "From the recall date the lot cannot be handed out, and it can only be moved to a location for "
                "return or destruction. The trace shows every place and course it went to."
            ),
            "submit": _("Recall the lot"),
            "batch": batch,
            "cancel_url": lot_url(batch),
        },
    )


@require_get_or_post
@permission_required(roles.RECALL_LOTS)
def end_recall(request, pk):
    """End a lot's recall, after a confirmation: it is handed out again (if not expired) and the public is told.

    Only whom `roles.may_change_recall` names: the coordinators of the municipality that started it, and
    administrators."""
    batch = get_for_user(request, Batch.objects.select_related("recalled_in"), roles.RECALL_LOTS, pk=pk)
    if batch.recalled_on is None or batch.recall_ended_on is not None:
        messages.info(request, _("Lot %(lot)s is not recalled now.") % {"lot": batch.lot_number})
        return redirect(lot_url(batch))
    if not roles.may_change_recall(request.user, batch):
        raise services.recall_changes_refused(batch)
    form = EndRecallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_recall(user=request.user, batch=batch, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The recall of lot %(lot)s has ended. Kits of the lot that have not expired can be handed out "
                    "again, and the public “Check your kit” page no longer shows the recall."
                )
                % {"lot": batch.lot_number},
            )
            return redirect(lot_url(batch))
    return render(
        request,
        "kits/form.html",
        {
            "form": form,
            "title": _("End the recall of lot %(lot)s") % {"lot": batch.lot_number},
            "intro": _(
                "Recalled on %(date)s: %(reason)s. When the recall ends, from today, the kits of this lot that "
                "have not expired can be handed out and moved again, the public “Check your kit” page says the "
                "lot is fine, and the finder's recall banner no longer names it. Kits already discarded or "
                "returned stay so. Who ended the recall, when and why is kept on the lot."
            )
            % {"date": date_format(batch.recalled_on, "SHORT_DATE_FORMAT"), "reason": batch.recall_reason},
            "submit": _("End the recall"),
            "batch": batch,
            "cancel_url": lot_url(batch),
        },
    )


@require_safe
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
            movement.kind_label,
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


def _corrected_with(movement, key) -> bool:
    """Whether the movement's correction was stored from a form shown with `key`."""
    try:
        key = uuid.UUID(key or "")
    except ValueError:
        return False
    return StockMovement.objects.filter(corrects=movement, idempotency_key=key).exists()


def correction_refusal(movement):
    """Why `movement` cannot be corrected, and what to do instead; None when it can be.

    The same refusals as `services.correct_movement` and the ledger trigger make on sending.
    """
    if movement.corrects_id is not None:
        return {
            "reason": _(
                "Movement #%(number)d is itself a correction of movement #%(original)d and cannot be corrected."
            )
            % {"number": movement.pk, "original": movement.corrects_id},
            "instead": _(
                "If the correction was a mistake, record the movement again as it really happened "
                "(a transfer, a handout or a discard), or count the stock to adjust it."
            ),
        }
    correction = StockMovement.objects.filter(corrects=movement).order_by("pk").first()
    if correction is not None:
        return {
            "reason": _("Movement #%(number)d has already been corrected by movement #%(correction)d.")
            % {"number": movement.pk, "correction": correction.pk},
            "instead": _(
                "A movement is corrected once. If the stock is still wrong, count it to adjust it, "
                "or record the movement that really happened."
            ),
        }
    return None


@require_get_or_post
@permission_required("kits.add_stockmovement")
def correct(request, pk):
    movement = get_for_user(
        request, StockMovement.objects.select_related("batch", "from_location", "to_location"), pk=pk
    )

    refusal = correction_refusal(movement)
    if refusal and request.method == "POST" and _corrected_with(movement, request.POST.get("key")):
        # This form's correction, sent again (a double click, a resend): stored once, as any other form here says.
        messages.info(request, _("This was already registered; it is stored once."))
        return redirect("kits:stock")
    if refusal:
        # A form that can only be refused on sending is not offered: the page says why, and what to do instead.
        context = {"title": _("This movement cannot be corrected"), "movement": movement, **refusal}
        return render(request, "kits/cannot_correct.html", context)

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
