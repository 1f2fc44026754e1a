"""The workflow's rules: every allowed transition, every forbidden one, who may make each."""

from __future__ import annotations

import itertools

import pytest

from voicescount.errors import Conflict, InvalidInput, PermissionDenied
from voicescount.review import workflow
from voicescount.types import OrgKind, Role

ALLOWED = {(t.source, t.target) for t in workflow.TRANSITIONS}
PRINCIPALS = [(kind, role) for kind in OrgKind for role in Role]


def test_the_workflow_is_the_one_the_issue_names() -> None:
    assert {
        ("draft", "submitted"),
        ("submitted", "screening"),
        ("screening", "returned"),
        ("screening", "under_review"),
        ("under_review", "returned"),
        ("under_review", "decided"),
        ("decided", "published"),
        ("published", "superseded"),
        ("published", "withdrawn"),
        ("superseded", "withdrawn"),
    } == ALLOWED


@pytest.mark.parametrize(
    ("source", "target"),
    [pair for pair in itertools.product(workflow.STATES, repeat=2) if pair not in ALLOWED],
)
def test_every_other_move_is_refused_with_what_is_possible(source: str, target: str) -> None:
    with pytest.raises(Conflict) as caught:
        workflow.check(source, target, kind=None, role=None, reason="because")
    message = caught.value.detail
    assert source.replace("_", " ") in message and target.replace("_", " ") in message
    for move in workflow.allowed_from(source):
        assert move.target in message
    if not workflow.allowed_from(source):
        assert "final" in message


@pytest.mark.parametrize("move", workflow.TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
@pytest.mark.parametrize(("kind", "role"), PRINCIPALS, ids=lambda v: v.value)
def test_only_the_named_roles_make_each_move(
    move: workflow.Transition, kind: OrgKind, role: Role
) -> None:
    allowed = move.kind is kind and role in move.roles
    if allowed:
        assert workflow.check(move.source, move.target, kind=kind, role=role, reason="why")
    else:
        with pytest.raises(PermissionDenied):
            workflow.check(move.source, move.target, kind=kind, role=role, reason="why")


@pytest.mark.parametrize(
    "move", [t for t in workflow.TRANSITIONS if t.kind is None], ids=lambda t: t.target
)
def test_system_moves_are_made_by_voicescount_alone(move: workflow.Transition) -> None:
    assert workflow.check(move.source, move.target, kind=None, role=None)


@pytest.mark.parametrize(
    "move", [t for t in workflow.TRANSITIONS if t.reason_required], ids=lambda t: t.target
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_returning_and_withdrawing_need_a_reason(
    move: workflow.Transition, reason: str | None
) -> None:
    assert move.kind is not None
    role = sorted(move.roles)[0]
    with pytest.raises(InvalidInput) as caught:
        workflow.check(move.source, move.target, kind=move.kind, role=role, reason=reason)
    assert caught.value.errors == [{"field": "reason", "message": "must not be empty"}]


def test_coalitions_submit_and_stewards_do_the_rest() -> None:
    submit = workflow.transition("draft", "submitted")
    assert submit.kind is OrgKind.DATA_PROVIDER
    decide = workflow.transition("under_review", "decided")
    assert decide.kind is OrgKind.STEWARD and decide.roles == {Role.APPROVER}
    ret = workflow.transition("under_review", "returned")
    assert ret.roles == {Role.REVIEWER, Role.APPROVER}
