"""A statistics office's desk: its review queue and releases, and a case page with the rubric,
disclosure control, decision, publication and withdrawal forms. Plain Python: no web framework,
no rendering; the parts a coalition's pages show too are in ``web.desk_views``.

``review.case_file`` checks the office is competent; the forms' actions live in
``web/desk.py``, which calls the same service functions as the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.errors import NotFound, VoicescountError
from voicescount.intake.service import VersionHandle
from voicescount.publishing import service as publishing
from voicescount.review import service as review
from voicescount.review import workflow
from voicescount.storage.tables import Dataset, DatasetVersion, Organisation, Release, ReviewCase
from voicescount.types import Role
from voicescount.web import labels
from voicescount.web.desk_views import (
    DECISION_CHOICES,
    DecisionView,
    DisclosureView,
    HomePage,
    QueueRow,
    ReleaseRow,
    ScreeningView,
    TransitionView,
    actor_label,
    case_actors,
    case_url,
    decision_view,
    disclosure_view,
    is_steward,
    release_row,
    screening_view,
    transition_views,
    version_release,
)
from voicescount.web.i18n import N_, Translator

#: Releases of the office listed on its desk, newest first.
RELEASES_SHOWN = 50

#: What the inbox says to do next (``review.inbox``), as the desk says it.
NEXT_ACTIONS: dict[str, str] = {
    "assess against the rubric": N_("Assess against the rubric"),
    "apply disclosure control": N_("Apply disclosure control"),
    "decide": N_("Decide"),
    "publish the decided version": N_("Publish"),
    "complete and submit the draft": N_("Complete and submit the draft"),
    "read the issues, start a new version and submit it": N_(
        "Read the issues, start a new version and submit it"
    ),
}

# Form field names, shared by the templates and ``web/desk.py``.
COMMENT_FIELD = "comment"


def rating_field(criterion_id: str) -> str:
    return f"rating-{criterion_id}"


def evidence_field(criterion_id: str) -> str:
    return f"evidence-{criterion_id}"


def home(session: Session, principal: Principal, tr: Translator) -> HomePage:
    """An office's first desk page: its review queue and its releases."""
    return HomePage(
        steward=True,
        queue=queue(session, principal, tr),
        releases=office_releases(session, principal, tr),
    )


def queue(session: Session, principal: Principal, tr: Translator) -> list[QueueRow]:
    """Versions under review or decided that the office reviews (competent, not taken by
    another office, not its own data), oldest first, with what the key should do next."""
    office = session.get(Organisation, principal.organisation_id)
    assert office is not None
    next_actions = {
        (item["dataset"], item["version"]): item["action"]
        for item in review.inbox(session, principal)
    }
    found = session.exec(
        select(DatasetVersion, Dataset, ReviewCase, Organisation)
        .join(Dataset, col(Dataset.id) == DatasetVersion.dataset_id)
        .join(ReviewCase, col(ReviewCase.version_id) == DatasetVersion.id)
        .join(Organisation, col(Organisation.id) == Dataset.organisation_id)
        .where(col(DatasetVersion.state).in_([workflow.UNDER_REVIEW, workflow.DECIDED]))
        .order_by(col(DatasetVersion.submitted_at), col(DatasetVersion.id))
    ).all()
    rows = []
    for version, dataset, case, provider in found:
        if case.steward_id not in (None, office.id) or provider.id == office.id:
            continue
        if not review.competent(office, provider):
            continue
        action = next_actions.get((dataset.uid, version.number))
        rows.append(
            QueueRow(
                title=dataset.title,
                dataset=dataset.uid,
                version=version.number,
                state=version.state,
                state_label=labels.translate(tr, labels.STATES, version.state),
                coalition=provider.name,
                submitted_at=version.submitted_at,
                next_action=tr.gettext(NEXT_ACTIONS[action])
                if action in NEXT_ACTIONS
                else tr.gettext("Nothing for you now"),
                url=case_url(dataset.uid, version.number),
            )
        )
    return rows


def office_releases(session: Session, principal: Principal, tr: Translator) -> list[ReleaseRow]:
    """The releases the office published, newest first (where it withdraws one)."""
    found = session.exec(
        select(Release)
        .where(Release.steward_id == principal.organisation_id)
        .order_by(col(Release.id).desc())
        .limit(RELEASES_SHOWN)
    ).all()
    return [release_row(session, release, tr) for release in found]


# ------------------------------------------------------------------------------------------
# A statistics office's case page


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class RatingOption:
    value: str
    label: str


@dataclass
class RubricField:
    """One criterion of the rubric form, with what it holds now."""

    id: str
    name: str
    question: str
    guidance: str
    gating: bool
    options: list[RatingOption]
    rating: str
    evidence: str
    suggestion: str | None
    rating_name: str
    evidence_name: str


@dataclass
class CasePage:
    dataset: str
    title: str
    version: int
    state: str
    state_label: str
    coalition: str
    facts: list[Fact]
    transitions: list[TransitionView]
    screening: ScreeningView | None
    rubric_name: str
    rubric: list[RubricField]
    comment: str
    assessment: dict[str, Any] | None
    assessed_by: str
    disclosure: DisclosureView | None
    decision: DecisionView | None
    release: ReleaseRow | None
    decision_choices: list[RatingOption]
    #: Which forms the page offers: the state allows them and the key's role may use them.
    can_assess: bool
    can_decide: bool
    can_publish: bool
    can_withdraw: bool
    #: Whether the key is an approver (the decision forms are theirs).
    approver: bool
    #: Each form control's id → its label, to name the fields of a refused form.
    field_labels: dict[str, str]
    url: str
    api_url: str


def _facts(handle: VersionHandle, tr: Translator) -> list[Fact]:
    metadata = handle.version.metadata_ or {}
    period = metadata.get("reference_period") or {}
    geography = metadata.get("geography") or {}
    mappings = metadata.get("sdg_mappings") or []
    groups = metadata.get("target_groups") or []
    found = [
        Fact(tr.gettext("Coalition"), handle.organisation.name),
        Fact(tr.gettext("Country"), tr.territory(handle.organisation.country)),
        Fact(tr.gettext("Abstract"), str(metadata.get("abstract") or "")),
        Fact(
            tr.gettext("Kind of data"),
            labels.translate(tr, labels.KINDS_OF_DATA, metadata.get("kind_of_data")),
        ),
        Fact(
            tr.gettext("Reference period"),
            " – ".join(str(period[k]) for k in ("start", "end") if period.get(k)),
        ),
        Fact(
            tr.gettext("SDG indicators"),
            ", ".join(str(m.get("indicator")) for m in mappings if isinstance(m, Mapping)),
        ),
        Fact(
            tr.gettext("Areas"),
            ", ".join(str(a) for a in geography.get("areas") or []),
        ),
        Fact(
            tr.gettext("Target groups"),
            ", ".join(
                str(g.get("label") or g.get("code")) if isinstance(g, Mapping) else str(g)
                for g in groups
            ),
        ),
        Fact(tr.gettext("Observations"), tr.number(handle.version.observation_count)),
        Fact(tr.gettext("Submitted"), tr.datetime(handle.version.submitted_at)),
        Fact(tr.gettext("Content hash (SHA-256)"), handle.version.content_hash or ""),
    ]
    return [fact for fact in found if fact.value]


def _rubric_fields(
    suggested: Mapping[str, Any], case: ReviewCase, values: Mapping[str, str] | None
) -> list[RubricField]:
    rubric = suggested["rubric"]
    suggestions = suggested["suggestions"]
    recorded = (case.assessment or {}).get("ratings") or {}
    scale = sorted(rubric["scale"], key=lambda level: level["value"])
    options = [
        RatingOption(str(level["value"]), f"{level['value']} – {level['label']}") for level in scale
    ]
    fields = []
    for criterion in rubric["criteria"]:
        cid = criterion["id"]
        given = recorded.get(cid) or {}
        hint = suggestions.get(cid) or {}
        rating = given.get("rating", hint.get("rating"))
        evidence = given.get("evidence") or hint.get("evidence") or ""
        rating_text = "" if rating is None else str(rating)
        if values is not None:  # a refused form shows what was sent, not what is stored
            rating_text = values.get(rating_field(cid), "")
            evidence = values.get(evidence_field(cid), "")
        fields.append(
            RubricField(
                id=cid,
                name=criterion["name"],
                question=criterion["question"],
                guidance=criterion["guidance"],
                gating=bool(criterion.get("gating")),
                options=options,
                rating=rating_text,
                evidence=evidence,
                suggestion=None if not hint else str(hint.get("rating")),
                rating_name=rating_field(cid),
                evidence_name=evidence_field(cid),
            )
        )
    return fields


def _field_labels(rubric: list[RubricField], tr: Translator) -> dict[str, str]:
    labels_by_id = {
        "assessment-comment": tr.gettext("Comment (optional)"),
        "decision-decision": tr.gettext("Decision"),
        "decision-reason": tr.gettext("Reason"),
        "decision-conditions": tr.gettext("Conditions of use"),
        "decision-caveat": tr.gettext("Caveat"),
        "return-reason": tr.gettext("What the coalition must change"),
        "withdraw-reason": tr.gettext("Reason"),
    }
    for criterion in rubric:
        labels_by_id[f"assessment-{criterion.rating_name}"] = criterion.name
        labels_by_id[f"assessment-{criterion.evidence_name}"] = tr.gettext(
            "Evidence: %(criterion)s", criterion=criterion.name
        )
    return labels_by_id


def case(
    session: Session,
    principal: Principal,
    tr: Translator,
    uid: str,
    number: int,
    *,
    assessment_values: Mapping[str, str] | None = None,
) -> CasePage:
    """A version as its statistics office reviews it; a coalition's key finds nothing here
    (:class:`NotFound`), an office that is not competent is refused by the service."""
    if not is_steward(principal):
        raise NotFound("review case", f"{uid} v{number}")
    file = review.case_file(session, principal, uid, number)
    handle, found = file.handle, file.case
    version = handle.version
    assert version.id is not None
    names = case_actors(session, version.id, found)
    suggested = review.suggestions(session, principal, uid, number)
    reviewer = principal.role in review.STEWARD_ROLES
    approver = principal.role is Role.APPROVER
    under_review = version.state == workflow.UNDER_REVIEW
    release = version_release(session, version, tr)
    comment = str((found.assessment or {}).get("comment") or "")
    if assessment_values is not None:
        comment = assessment_values.get(COMMENT_FIELD, "")
    rubric = _rubric_fields(suggested, found, assessment_values)
    return CasePage(
        dataset=handle.dataset.uid,
        title=handle.dataset.title,
        version=version.number,
        state=version.state,
        state_label=labels.translate(tr, labels.STATES, version.state),
        coalition=handle.organisation.name,
        facts=_facts(handle, tr),
        transitions=transition_views(session, version.id, tr, names),
        screening=screening_view(found, tr),
        rubric_name=str(suggested["rubric"]["name"]),
        rubric=rubric,
        comment=comment,
        assessment=(found.assessment or {}).get("result"),
        assessed_by=actor_label(found.assessed_by, names, tr),
        disclosure=disclosure_view(session, found, tr, names),
        decision=decision_view(found, tr, names),
        release=release,
        decision_choices=[
            RatingOption(code, tr.gettext(label)) for code, label in DECISION_CHOICES
        ],
        can_assess=under_review and reviewer,
        can_decide=under_review and approver,
        can_publish=version.state == workflow.DECIDED
        and approver
        and (found.decision or "") in review.PUBLISHABLE_DECISIONS,
        can_withdraw=approver
        and release is not None
        and release.status != "withdrawn"
        and version.state in (workflow.PUBLISHED, workflow.SUPERSEDED),
        approver=approver,
        field_labels=_field_labels(rubric, tr),
        url=case_url(uid, number),
        api_url=f"/api/v1/datasets/{uid}/versions/{number}/review",
    )


def release_of(session: Session, uid: str, number: int) -> str:
    """The release id of a published version (for the withdraw form)."""
    dataset = session.exec(select(Dataset).where(Dataset.uid == uid)).first()
    if dataset is not None:
        for release in publishing.releases_of_dataset(session, dataset.id or 0):
            version = session.get(DatasetVersion, release.version_id)
            if version is not None and version.number == number:
                return release.uid
    raise NotFound("release", f"{uid} v{number}")


# ------------------------------------------------------------------------------------------
# Errors shown on a page


@dataclass
class PageError:
    """A refusal of the service, as the page shows it: the message, and each itemised problem
    (with the form field it concerns, where there is one)."""

    message: str
    #: Each problem: (form field name or "", the service's field path, its message).
    items: list[tuple[str, str, str]]
    #: Form field name → messages, for ``aria-describedby`` next to the control.
    fields: dict[str, list[str]]
    #: The action whose form the error concerns (``assessment``, ``decision``…).
    action: str

    def for_field(self, name: str) -> list[str]:
        return self.fields.get(name, [])


def _form_field(action: str, name: str) -> str:
    """The desk form's field for a field the service names (``ratings.<id>.evidence``…)."""
    if action == "assessment" and name.startswith("ratings."):
        parts = name.split(".")
        criterion = parts[1] if len(parts) > 1 else ""
        if len(parts) > 2 and parts[2] == "evidence":
            return evidence_field(criterion)
        return rating_field(criterion)
    return name


def page_error(exc: VoicescountError, action: str) -> PageError:
    items: list[tuple[str, str, str]] = []
    fields: dict[str, list[str]] = {}
    for problem in exc.errors:
        name = str(problem.get("field") or "")
        message = str(problem.get("message") or "")
        form_name = _form_field(action, name) if name else ""
        items.append((form_name, name, message))
        if form_name:
            fields.setdefault(form_name, []).append(message)
    # The services write for API clients; on the page the problems are listed right below.
    message = exc.detail.replace("; 'errors' lists them.", ":")
    return PageError(message=message, items=items, fields=fields, action=action)
