"""Every pester table, imported here so metadata and migrations see them all."""

from messaging.db import Base
from messaging.models.alerts import Alert, AlertAttempt, AlertDelivery
from messaging.models.answers import Conversion, ReplyAnswer
from messaging.models.audit import AuditEvent, AuditHead
from messaging.models.campaigns import Campaign, CampaignState, campaign_lines
from messaging.models.content import MessageTemplate, Service, TemplateVersion
from messaging.models.forces import Force, ForceOwned, SharedOrForceOwned
from messaging.models.lines import (
    Contact,
    ContactImport,
    ContactSource,
    CrossForceNumber,
    DoNotContact,
    Interaction,
    Line,
)
from messaging.models.outbox import DeliveryEvent, OutboxMessage, TestSend
from messaging.models.replies import Reply, ReplyNumber
from messaging.models.reports import IntelligenceReport
from messaging.models.suppressions import Suppression, SuppressionEvent, SuppressionSource
from messaging.models.users import ApiToken, Role, User
from messaging.sealed_columns import place_sealed_columns

# Each sealed column's type learns its table and column: the place its values are bound to.
place_sealed_columns(Base.metadata)

__all__ = [
    "Alert",
    "AlertAttempt",
    "AlertDelivery",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Campaign",
    "CampaignState",
    "Contact",
    "ContactImport",
    "ContactSource",
    "Conversion",
    "CrossForceNumber",
    "DeliveryEvent",
    "DoNotContact",
    "Force",
    "ForceOwned",
    "IntelligenceReport",
    "Interaction",
    "Line",
    "MessageTemplate",
    "OutboxMessage",
    "Reply",
    "ReplyAnswer",
    "ReplyNumber",
    "Role",
    "Service",
    "SharedOrForceOwned",
    "Suppression",
    "SuppressionEvent",
    "SuppressionSource",
    "TemplateVersion",
    "TestSend",
    "User",
    "campaign_lines",
]
