"""The public HTML pages: thin routes that gather a page's data (``web.views``) and render it
with Jinja2 in the request's language (``web.i18n``).

Pages work without JavaScript; ``static/copy.js`` only adds copy buttons to the citation box.
They are left out of the OpenAPI document (they are pages, not API). Every answer names its
language (``Content-Language``) and varies with ``Accept-Language`` and the language cookie.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from voicescount.api.deps import SessionDep, SettingsDep
from voicescount.errors import NotFound
from voicescount.web import i18n, views

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"

#: Sent with every page: no scripts or styles from elsewhere, no framing (the copy script and
#: the stylesheet are the site's own; charts are inline SVG with presentation attributes).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=32)
def _static_version(name: str) -> str:
    path = STATIC / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def static_url(name: str) -> str:
    """A static file's URL with its content hash, so browsers refetch it only when it changes."""
    return f"{STATIC_PREFIX}/{name}?v={_static_version(name)}"


@lru_cache(maxsize=len(i18n.LOCALES))
def environment(locale: str) -> Environment:
    """The Jinja2 environment of one language (its gettext installed once, never per request)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    tr = i18n.translator(locale)
    env.filters["number"] = tr.number
    env.filters["date"] = tr.date
    env.filters["datetime"] = tr.datetime
    env.filters["territory"] = tr.territory
    env.globals["static_url"] = static_url
    env.globals["locale"] = locale
    env.globals["safe_svg"] = Markup  # chart SVG is built and escaped by web.charts
    return env


def _switch_url(request: Request, locale: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", locale))
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request,
    template: str,
    *,
    choice: i18n.Choice,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    env = environment(choice.locale)
    languages = [
        {
            "code": code,
            "name": i18n.NATIVE_NAMES[code],
            "url": _switch_url(request, code),
            "current": code == choice.locale,
        }
        for code in i18n.LOCALES
    ]
    body = env.get_template(template).render(
        request_path=request.url.path,
        languages=languages,
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = choice.locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    if choice.from_query:
        response.set_cookie(
            i18n.COOKIE,
            choice.locale,
            max_age=i18n.COOKIE_MAX_AGE,
            samesite="lax",
            httponly=True,
        )
    return response


def _choice(request: Request) -> i18n.Choice:
    return i18n.negotiate(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def not_found(request: Request, choice: i18n.Choice, what: str) -> HTMLResponse:
    return render(request, "not_found.html", choice=choice, status_code=404, what=what)


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    choice = _choice(request)
    page = views.home(session, settings, i18n.translator(choice.locale))
    return render(request, "home.html", choice=choice, page=page)


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    choice = _choice(request)
    filters = views.Filters.from_query(request.query_params)
    page = views.catalogue(session, settings, i18n.translator(choice.locale), filters)
    return render(request, "catalogue.html", choice=choice, page=page)


@router.get("/datasets/{release_id}", response_class=HTMLResponse)
def dataset_page(
    release_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    choice = _choice(request)
    try:
        uid = views.resolve_release(session, release_id)
    except NotFound:
        return not_found(request, choice, release_id)
    if uid != release_id:
        # A dataset id: show its newest release, at the release's own (citable) address.
        return RedirectResponse(f"/datasets/{uid}", status_code=307)
    page = views.dataset(
        session,
        settings,
        i18n.translator(choice.locale),
        uid,
        views.int_param(request.query_params.get("page")),
    )
    return render(request, "dataset.html", choice=choice, page=page)


@router.get("/indicators/{code}", response_class=HTMLResponse)
def indicator_page(
    code: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    choice = _choice(request)
    try:
        page = views.indicator(session, settings, i18n.translator(choice.locale), code)
    except NotFound:
        return not_found(request, choice, code)
    return render(request, "indicator.html", choice=choice, page=page)


def install(app: FastAPI) -> None:
    """Serve the public pages and their static files from ``app``."""
    app.include_router(router)
    from voicescount.web.desk import router as desk_router  # here: desk.py imports this module

    app.include_router(desk_router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC), name="static")
