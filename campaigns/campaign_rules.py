"""Who may move a campaign from which state, as one table (the lifecycle enforces it).

States: draft → awaiting approval → approved → (scheduled) → sending ⇄ paused → completed,
or cancelled from any state before completed.

| action    | from                               | who                                  |
|-----------|------------------------------------|--------------------------------------|
| edit      | draft, awaiting approval, approved | officer (voids any approval)         |
| submit    | draft                              | officer                              |
| test send | draft, awaiting approval, approved | officer (to their own phone)         |
| approve   | awaiting approval                  | a supervisor who is not the maker    |
| reject    | awaiting approval                  | supervisor                           |
| launch    | approved                           | officer or supervisor                |
| pause     | scheduled, sending                 | officer or supervisor                |
| resume    | paused                             | officer or supervisor (supervisor    |
|           |                                    | only after a carrier block)          |
| cancel    | anything not finished              | officer or supervisor                |

Moves nobody asks for are the system's: the tick starts a scheduled campaign when its
window opens and stops one whose not-after passed; a worker completes a campaign when no
text is left, and pauses it when the carrier blocks its sender or content. Analysts and
administrators move no campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

from messaging.models import Campaign, CampaignState, Role, User
from messaging.sending.outcomes import CARRIER_BLOCK

S = CampaignState
UNFINISHED = (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.SCHEDULED, S.SENDING, S.PAUSED)
BEFORE_LAUNCH = (S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED)


class LifecycleError(ValueError):
    """A campaign action refused; ``code`` for programs, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Rule:
    states: tuple[str, ...]
    roles: frozenset[str]
    wrong_state: str  # what to tell someone who tries it from another state


OFFICER_ONLY = frozenset({Role.OFFICER})
SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})
OFFICER_OR_SUPERVISOR = frozenset({Role.OFFICER, Role.SUPERVISOR})

RULES: dict[str, Rule] = {
    "edit": Rule(BEFORE_LAUNCH, OFFICER_ONLY, "A campaign cannot be edited once it has launched."),
    "submit": Rule((S.DRAFT,), OFFICER_ONLY, "Only a draft can be submitted for approval."),
    "test_send": Rule(
        BEFORE_LAUNCH, OFFICER_ONLY, "Test texts are for checking a campaign before it launches."
    ),
    "approve": Rule(
        (S.AWAITING_APPROVAL,),
        SUPERVISOR_ONLY,
        "Only a campaign awaiting approval can be approved.",
    ),
    "reject": Rule(
        (S.AWAITING_APPROVAL,),
        SUPERVISOR_ONLY,
        "Only a campaign awaiting approval can be rejected.",
    ),
    "launch": Rule(
        (S.APPROVED,), OFFICER_OR_SUPERVISOR, "Only an approved campaign can be launched."
    ),
    "pause": Rule(
        (S.SCHEDULED, S.SENDING),
        OFFICER_OR_SUPERVISOR,
        "Only a scheduled or sending campaign can be paused.",
    ),
    "resume": Rule((S.PAUSED,), OFFICER_OR_SUPERVISOR, "Only a paused campaign can be resumed."),
    "cancel": Rule(UNFINISHED, OFFICER_OR_SUPERVISOR, "This campaign has already finished."),
}

_ROLE_NAMES = {
    OFFICER_ONLY: "an officer",
    SUPERVISOR_ONLY: "a supervisor",
    OFFICER_OR_SUPERVISOR: "an officer or a supervisor",
}


def allowed_roles(action: str, campaign: Campaign) -> frozenset[str]:
    """The roles that may take ``action`` on ``campaign`` as it is now."""
    if action == "resume" and campaign.stop_code == CARRIER_BLOCK:
        return SUPERVISOR_ONLY  # someone senior checks what the carrier objected to
    return RULES[action].roles


def require(action: str, campaign: Campaign, user: User) -> None:
    """Refuse ``action`` unless the campaign's state and the user's role allow it."""
    rule = RULES[action]
    if campaign.state not in rule.states:
        raise LifecycleError("bad_state", rule.wrong_state)
    roles = allowed_roles(action, campaign)
    if user.role not in roles:
        code = "not_supervisor" if roles == SUPERVISOR_ONLY else "not_allowed"
        who = _ROLE_NAMES.get(roles, "someone else")
        verb = action.replace("_", " ")
        if action == "resume" and roles == SUPERVISOR_ONLY:
            raise LifecycleError(
                code, "The carrier blocked this campaign: only a supervisor can resume it."
            )
        raise LifecycleError(code, f"Only {who} can {verb} a campaign.")


def available_actions(campaign: Campaign, user: User) -> list[str]:
    """The actions ``user`` may take on ``campaign`` now (for the page's buttons)."""
    actions = []
    for action, rule in RULES.items():
        if campaign.state in rule.states and user.role in allowed_roles(action, campaign):
            if action == "approve" and user.id == campaign.created_by_id:
                continue
            actions.append(action)
    return actions
