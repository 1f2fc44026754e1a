"""The desk: pages behind sign-in for coalitions (their submissions) and statistics offices
(the review queue, a case with its forms). Thin routes: ``web.desk_submissions`` and
``web.desk_cases`` gather each audience's pages (from the parts in ``web.desk_views``),
``web.sessions`` keeps the session cookie and the CSRF checks, and every action calls the same
service function as the API (``review.service``, ``publishing.service``), so the roles, four
eyes and competence are checked in one place. A refusal of the service is shown on the page
(``role=alert``), never as a 500.

Every desk answer is ``Cache-Control: no-store`` and ``noindex``; pages carry the site's CSP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlmodel import Session

from voicescount.access import service as access
from voicescount.access.roles import Principal
from voicescount.api.deps import SessionDep, SettingsDep
from voicescount.api.errors import status_for
from voicescount.config import Settings
from voicescount.errors import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    PermissionDenied,
    VoicescountError,
)
from voicescount.publishing import service as publishing
from voicescount.review import service as review
from voicescount.storage.blobs import BlobStore
from voicescount.types import Role
from voicescount.web import desk_cases, desk_submissions, desk_views, i18n, sessions
from voicescount.web.i18n import N_
from voicescount.web.pages import _choice, render

router = APIRouter(prefix="/desk", include_in_schema=False)

#: What a finished action says on the page it leads back to (``?done=``): codes, not text, so
#: that a link cannot put words on the page.
FLASHES: dict[str, str] = {
    "assessment": N_("The assessment was saved."),
    "disclosure": N_("Disclosure control was applied; the suppression report is below."),
    "decision": N_("The decision was recorded."),
    "return": N_("The version was returned to the coalition."),
    "publish": N_("The version was published."),
    "withdraw": N_("The release was withdrawn."),
    "signed-out": N_("You are signed out."),
}
#: Longest texts the forms take, as the API's request models do.
LONG_TEXT = 4000
SHORT_TEXT = 1000
ROLE_LABELS: dict[Role, str] = {
    Role.SUBMITTER: N_("submitter"),
    Role.REVIEWER: N_("reviewer"),
    Role.APPROVER: N_("approver"),
    Role.ADMIN: N_("admin"),
}


@dataclass(frozen=True)
class Desk:
    """A signed-in request: who, and the CSRF token its forms carry."""

    principal: Principal
    session: sessions.DeskSession
    csrf_token: str
    role_label: str


async def _form(request: Request) -> dict[str, str]:
    """The POSTed form's text fields (files are refused: no desk form sends one)."""
    form = await request.form(max_files=0, max_fields=500)
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


FormDep = Annotated[dict[str, str], Depends(_form)]


def _desk(request: Request, db: Session, settings: Settings) -> Desk | None:
    secret = sessions.load_secret(settings)
    found = sessions.read(secret, request.cookies.get(sessions.COOKIE_NAME))
    if found is None:
        return None
    principal = sessions.principal(db, found)
    if principal is None:
        return None
    tr = i18n.translator(_choice(request).locale)
    return Desk(
        principal=principal,
        session=found,
        csrf_token=sessions.csrf_token(secret, found),
        role_label=tr.gettext(ROLE_LABELS.get(principal.role, principal.role.value)),
    )


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _page(
    request: Request,
    template: str,
    *,
    desk: Desk | None,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    choice = _choice(request)
    tr = i18n.translator(choice.locale)
    done = request.query_params.get("done")
    context.setdefault("flash", tr.gettext(FLASHES[done]) if done in FLASHES else None)
    context.setdefault("error", None)
    response = render(
        request, template, choice=choice, status_code=status_code, desk=desk, **context
    )
    _private(response)
    return response


def _redirect(url: str) -> Response:
    return _private(RedirectResponse(url, status_code=303))


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a desk page of this site, never elsewhere."""
    if not target:
        return "/desk"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not target.startswith("/desk"):
        return "/desk"
    return target


def _to_sign_in(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = _redirect(f"/desk/sign-in?{urlencode({'next': here})}")
    if sessions.COOKIE_NAME in request.cookies:
        # Expired, forged or of a revoked key: the browser can stop sending it.
        response.delete_cookie(sessions.COOKIE_NAME, path=sessions.COOKIE_PATH)
    return response


def _refused(
    request: Request, desk: Desk | None, heading: str, message: str, status_code: int = 403
) -> HTMLResponse:
    return _page(
        request,
        "desk/refused.html",
        desk=desk,
        status_code=status_code,
        heading=heading,
        message=message,
    )


def _not_found(request: Request, desk: Desk | None) -> HTMLResponse:
    return _page(request, "desk/not_found.html", desk=desk, status_code=404)


def _from_this_site(request: Request, settings: Settings) -> bool:
    return sessions.same_origin(
        origin=request.headers.get("origin"),
        referer=request.headers.get("referer"),
        host=request.headers.get("host"),
        base_url=settings.base_url,
    )


def _forged(request: Request, settings: Settings, desk: Desk, form: dict[str, str]) -> bool:
    """Whether a POST fails the CSRF checks (another site's page, or a missing or wrong
    token)."""
    secret = sessions.load_secret(settings)
    token = form.get(sessions.CSRF_FIELD)
    return not _from_this_site(request, settings) or not sessions.csrf_valid(
        secret, desk.session, token
    )


def _forged_page(request: Request, desk: Desk | None) -> HTMLResponse:
    tr = i18n.translator(_choice(request).locale)
    return _refused(
        request,
        desk,
        tr.gettext("Not allowed"),
        tr.gettext(
            "The form did not come from this desk, or it has expired. Nothing was changed. "
            "Go back, reload the page and try again."
        ),
    )


# ------------------------------------------------------------------------------------------
# Signing in and out


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    return _page(
        request,
        "desk/sign_in.html",
        desk=_desk(request, db, settings),
        next=_safe_next(request.query_params.get("next")),
    )


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, db: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    # No session yet, so no token to check: the origin check keeps other sites from signing
    # a browser in to a key of theirs.
    if not _from_this_site(request, settings):
        return _forged_page(request, None)
    target = _safe_next(form.get("next"))
    try:
        principal = access.authenticate(db, form.get("api_key", ""))
    except AuthenticationRequired:
        tr = i18n.translator(_choice(request).locale)
        # One message for every failure: which part of a key was wrong is nobody's business.
        return _page(
            request,
            "desk/sign_in.html",
            desk=None,
            status_code=401,
            next=target,
            error=tr.gettext("That key was not recognised."),
        )
    issued = sessions.issue(sessions.load_secret(settings), principal.key_id)
    response = _redirect(target)
    response.set_cookie(
        sessions.COOKIE_NAME,
        issued.cookie,
        max_age=int(sessions.LIFETIME.total_seconds()),
        path=sessions.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=sessions.secure_cookie(settings),
    )
    return response


@router.get("/sign-out")
def sign_out_page() -> Response:
    return _redirect("/desk")


@router.post("/sign-out")
def sign_out(request: Request, db: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    desk = _desk(request, db, settings)
    if desk is not None and _forged(request, settings, desk, form):
        return _forged_page(request, desk)
    response = _redirect("/desk/sign-in?done=signed-out")
    response.delete_cookie(sessions.COOKIE_NAME, path=sessions.COOKIE_PATH)
    return response


# ------------------------------------------------------------------------------------------
# Pages


@router.get("", response_class=HTMLResponse)
def desk_home(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    desk = _desk(request, db, settings)
    if desk is None:
        return _to_sign_in(request)
    tr = i18n.translator(_choice(request).locale)
    home = desk_cases.home if desk_views.is_steward(desk.principal) else desk_submissions.home
    return _page(request, "desk/home.html", desk=desk, page=home(db, desk.principal, tr))


@router.get("/submissions/{uid}/versions/{number}", response_class=HTMLResponse)
def submission_page(
    uid: str, number: int, request: Request, db: SessionDep, settings: SettingsDep
) -> Response:
    desk = _desk(request, db, settings)
    if desk is None:
        return _to_sign_in(request)
    if desk_views.is_steward(desk.principal):
        return _redirect(desk_views.case_url(uid, number))
    tr = i18n.translator(_choice(request).locale)
    try:
        page = desk_submissions.submission(db, desk.principal, settings, tr, uid, number)
    except NotFound:
        return _not_found(request, desk)
    return _page(request, "desk/submission.html", desk=desk, page=page)


@router.get("/submissions/{uid}/versions/{number}/uploads/{upload_id}/report.csv")
def upload_report(
    uid: str,
    number: int,
    upload_id: int,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
) -> Response:
    desk = _desk(request, db, settings)
    if desk is None:
        return _to_sign_in(request)
    try:
        upload = desk_submissions.upload_report(db, desk.principal, uid, number, upload_id)
    except NotFound:
        return _not_found(request, desk)
    assert upload.report_sha256 is not None
    response = StreamingResponse(
        BlobStore(settings.resolved_blob_dir).iter_chunks(upload.report_sha256),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="upload-{upload_id}-report.csv"'},
    )
    return _private(response)


def _steward_only(request: Request, desk: Desk) -> HTMLResponse | None:
    if desk_views.is_steward(desk.principal):
        return None
    tr = i18n.translator(_choice(request).locale)
    return _refused(
        request,
        desk,
        tr.gettext("Not allowed"),
        tr.gettext("The review desk is for statistics offices."),
    )


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    desk = _desk(request, db, settings)
    if desk is None:
        return _to_sign_in(request)
    refused = _steward_only(request, desk)
    if refused is not None:
        return refused
    tr = i18n.translator(_choice(request).locale)
    page = desk_cases.home(db, desk.principal, tr)
    return _page(request, "desk/review.html", desk=desk, page=page)


def _case_page(
    request: Request,
    db: Session,
    desk: Desk,
    uid: str,
    number: int,
    *,
    error: desk_cases.PageError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    tr = i18n.translator(_choice(request).locale)
    try:
        page = desk_cases.case(
            db,
            desk.principal,
            tr,
            uid,
            number,
            assessment_values=values if error and error.action == "assessment" else None,
        )
    except NotFound:
        return _not_found(request, desk)
    except PermissionDenied as exc:
        db.rollback()
        return _refused(request, desk, tr.gettext("Not allowed"), exc.detail)
    return _page(
        request,
        "desk/case.html",
        desk=desk,
        status_code=status_code,
        page=page,
        error=error,
        values=values or {},
    )


@router.get("/review/{uid}/versions/{number}", response_class=HTMLResponse)
def case_page(
    uid: str, number: int, request: Request, db: SessionDep, settings: SettingsDep
) -> Response:
    desk = _desk(request, db, settings)
    if desk is None:
        return _to_sign_in(request)
    return _case_page(request, db, desk, uid, number)


# ------------------------------------------------------------------------------------------
# Actions: each calls the service function the API calls


@dataclass(frozen=True)
class Posted:
    """A case action as posted: who acts on which version, and the form's text fields."""

    db: Session
    who: Principal
    settings: Settings
    uid: str
    number: int
    form: dict[str, str]

    def text(self, name: str, limit: int) -> str:
        """A field's text, stripped; longer than ``limit`` is refused, as the API refuses it."""
        value = self.form.get(name, "").strip()
        if len(value) > limit:
            raise InvalidInput(
                f"The text is too long ({len(value):,} characters).",
                errors=[{"field": name, "message": f"must be at most {limit:,} characters"}],
            )
        return value


def _assess(posted: Posted) -> None:
    ratings: dict[str, dict[str, object]] = {}
    problems = []
    for name, value in posted.form.items():
        if not name.startswith("rating-") or not value:
            continue  # a criterion left unrated is reported by the service, by name
        criterion = name.removeprefix("rating-")
        try:
            rating = int(value)
        except ValueError:
            problems.append({"field": f"ratings.{criterion}.rating", "message": "must be a number"})
            continue
        evidence = posted.text(desk_cases.evidence_field(criterion), LONG_TEXT)
        ratings[criterion] = {"rating": rating, "evidence": evidence or None}
    if problems:
        raise InvalidInput("The assessment cannot be saved as given.", errors=problems)
    comment = posted.text(desk_cases.COMMENT_FIELD, LONG_TEXT)
    data: dict[str, object] = {"ratings": ratings}
    if comment:
        data["comment"] = comment
    review.assess(posted.db, posted.who, posted.uid, posted.number, data)


def _protect(posted: Posted) -> None:
    agency = posted.settings.agency_id
    review.apply_disclosure(posted.db, posted.who, posted.uid, posted.number, agency=agency)


def _decide(posted: Posted) -> None:
    review.decide(
        posted.db,
        posted.who,
        posted.uid,
        posted.number,
        decision=posted.form.get("decision", ""),
        reason=posted.text("reason", LONG_TEXT) or None,
        conditions=posted.text("conditions", LONG_TEXT) or None,
        caveat=posted.text("caveat", SHORT_TEXT) or None,
    )


def _return(posted: Posted) -> None:
    reason = posted.text("reason", LONG_TEXT)
    review.return_version(posted.db, posted.who, posted.uid, posted.number, reason=reason)


def _publish(posted: Posted) -> None:
    agency = posted.settings.agency_id
    publishing.publish(posted.db, posted.who, posted.uid, posted.number, agency=agency)


def _withdraw(posted: Posted) -> None:
    # The version must be one this office may see before its release is looked up.
    review.case_file(posted.db, posted.who, posted.uid, posted.number)
    release_id = desk_cases.release_of(posted.db, posted.uid, posted.number)
    reason = posted.text("reason", SHORT_TEXT)
    publishing.withdraw(posted.db, posted.who, release_id, reason=reason)


ACTIONS: dict[str, Callable[[Posted], None]] = {
    "assessment": _assess,
    "disclosure": _protect,
    "decision": _decide,
    "return": _return,
    "publish": _publish,
    "withdraw": _withdraw,
}


@router.get("/review/{uid}/versions/{number}/{action}")
def action_page(uid: str, number: int, action: str, request: Request) -> Response:
    """An action's address opened as a page (the language switch of a refused form, a
    bookmark): the case page it belongs to."""
    lang = request.query_params.get("lang")
    suffix = f"?{urlencode({'lang': lang})}" if lang else ""
    return _redirect(desk_views.case_url(uid, number) + suffix)


@router.post("/review/{uid}/versions/{number}/{action}", response_class=HTMLResponse)
def act(
    uid: str,
    number: int,
    action: str,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    desk = _desk(request, db, settings)
    if desk is None:
        return _to_sign_in(request)
    if _forged(request, settings, desk, form):
        return _forged_page(request, desk)
    refused = _steward_only(request, desk)
    if refused is not None:
        return refused
    perform = ACTIONS.get(action)
    if perform is None:
        return _not_found(request, desk)
    try:
        perform(Posted(db, desk.principal, settings, uid, number, form))
    except VoicescountError as exc:
        # Nothing the refused action began may stay: the services commit only on success.
        db.rollback()
        error = desk_cases.page_error(exc, action)
        return _case_page(
            request,
            db,
            desk,
            uid,
            number,
            error=error,
            values=form,
            status_code=status_for(exc),
        )
    lang = request.query_params.get("lang")
    query = {"done": action, **({"lang": lang} if lang else {})}
    return _redirect(f"{desk_views.case_url(uid, number)}?{urlencode(query)}")
