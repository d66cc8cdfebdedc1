"""What a running batch asks just before each gateway call: may this text go now?

One guard per batch, shared by the batch's sending threads (a batch of analysts' answers
has no campaign, so only the number and the lease are checked). At most every half second one
of them refreshes it from the database (the others keep using the last answer), so the
checks cost a few queries per second however fast the batch sends:

- the campaign is still ``sending`` (pause and cancel take effect within half a second; a
  carrier block reported by a status callback pauses it here too);
- the number has not opted out or joined the do-not-contact list since the batch was
  claimed, as far as the last refresh knew: a cheap early answer. The authoritative check
  is made for each text just before its gateway call, under the number's lock
  (:mod:`messaging.sending.final_check`), so a STOP committed before the call begins is
  never sent, however recent;
- the batch still holds its lease. The lease is renewed while the batch runs, never after
  it expired, and no call starts after it ends; the reconciler only touches a lease that
  ended longer ago than the gateway timeout plus a grace period, so a live worker and the
  reconciler never both act on one text.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update

from messaging import delivery_status as ds
from messaging.audience.suppression import blocked_hashes
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.sending.outcomes import pause_if_carrier_blocked

log = logging.getLogger(__name__)
REFRESH_SECONDS = 0.5


class Verdict(enum.Enum):
    SEND = "send"
    HALT = "halt"  # paused, cancelled, lease lost or Redis gone: release the text unsent
    SUPPRESSED = "suppressed"


class BatchGuard:
    """The shared, periodically refreshed answer to "may this batch's next text go?"."""

    def __init__(
        self,
        campaign_id: int | None,
        token: str,
        outbox_ids: list[int],
        phone_hashes: list[str],
        *,
        lease_until: datetime,
        lease_seconds: int,
        blocked: set[str] | None = None,
    ) -> None:
        self.campaign_id = campaign_id
        self.token = token
        self._ids = outbox_ids
        self._hashes = phone_hashes
        self._lease_until = lease_until
        self._lease_seconds = lease_seconds
        self._blocked: set[str] = set(blocked or ())
        self._halt_reason = ""
        self._refreshed = time.monotonic()
        self._lock = threading.Lock()

    @property
    def halt_reason(self) -> str:
        return self._halt_reason

    def halted(self) -> bool:
        """True once the batch must stop sending (refreshing first when due)."""
        self._refresh_if_due()
        return bool(self._halt_reason)

    def halt(self, reason: str) -> None:
        """Stop this batch: every text not yet sent is released."""
        if not self._halt_reason:
            self._halt_reason = reason
            log.info("campaign %s batch %s halted: %s", self.campaign_id, self.token, reason)

    def verdict(self, phone_hash: str) -> Verdict:
        """Whether the text to ``phone_hash`` may be handed to the gateway right now."""
        self._refresh_if_due()
        if self._halt_reason:
            return Verdict.HALT
        if phone_hash in self._blocked:
            return Verdict.SUPPRESSED
        if utcnow() >= self._lease_until:
            self.halt("lease expired")
            return Verdict.HALT
        return Verdict.SEND

    def sleep(self, seconds: float) -> None:
        """Wait (for a retry), waking early when the batch is halted."""
        deadline = time.monotonic() + seconds
        while not self.halted():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.1))

    def _refresh_if_due(self) -> None:
        if time.monotonic() - self._refreshed < REFRESH_SECONDS or self._halt_reason:
            return
        if not self._lock.acquire(blocking=False):
            return  # another thread is refreshing; use the last answer meanwhile
        try:
            if time.monotonic() - self._refreshed >= REFRESH_SECONDS:
                self._refresh()
                self._refreshed = time.monotonic()
        except Exception:
            log.exception(
                "campaign %s batch %s: guard refresh failed", self.campaign_id, self.token
            )
            self.halt("the database could not be reached")
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        with db.transaction() as session:
            if self.campaign_id is not None:  # analysts' answers belong to no campaign
                pause_if_carrier_blocked(session, self.campaign_id)
                state = session.scalar(
                    select(Campaign.state).where(Campaign.id == self.campaign_id)
                )
                if state != CampaignState.SENDING:
                    self.halt(f"campaign is {state}")
                    return
            self._blocked = blocked_hashes(session, self._hashes)
            now = utcnow()
            if self._lease_until - now < timedelta(seconds=self._lease_seconds * 2 / 3):
                self._renew(session, now)

    def _renew(self, session, now: datetime) -> None:  # type: ignore[no-untyped-def]
        until = now + timedelta(seconds=self._lease_seconds)
        renewed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(self._ids),
                OutboxMessage.lease_token == self.token,
                OutboxMessage.status == ds.CLAIMED,
                OutboxMessage.lease_until > now,  # never revive a lease the reconciler may own
            )
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        ).rowcount
        if renewed < len(self._ids):
            self.halt("lease lost")
            return
        self._lease_until = until
