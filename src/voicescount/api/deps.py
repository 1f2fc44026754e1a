"""Typed dependencies shared by the routers: settings, sessions and the acting principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from voicescount.access import service as access
from voicescount.access.roles import Principal
from voicescount.config import Settings
from voicescount.errors import AuthenticationRequired
from voicescount.storage.db import session_scope


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer vck_…`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `vck_…`")


def get_optional_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> Principal | None:
    token = bearer.credentials if bearer else header_key
    if not token:
        return None
    return access.authenticate(session, token)


def get_principal(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> Principal:
    if principal is None:
        raise AuthenticationRequired(
            "This needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]
