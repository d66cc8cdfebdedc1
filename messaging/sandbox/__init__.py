"""The sandbox carrier: a local stand-in for Twilio's Messages API (demo, training, tests).

Twilio's endpoints (HTTP Basic auth with the configured account SID and auth token):

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: create (To, From or
  MessagingServiceSid, Body, StatusCallback, ValidityPeriod).
- ``GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json``: fetch.
- ``GET  /2010-04-01/Accounts/{AccountSid}/Messages.json``: list (To, From, DateSent>, …).

The sandbox's own (no auth; it listens on 127.0.0.1 by default):

- ``GET /_sandbox/messages``: every accepted message; ``GET /_sandbox/stats``: counters.
- ``POST /_sandbox/reset``: forget everything.
- ``POST /_sandbox/replies``: post a reply now, JSON ``{"from", "body", "to"?, "url"?}``.

Drama-range test numbers (+447700900990–998) and senders fail like Twilio's magic numbers:
see ``config.DEFAULT_RECIPIENT_OUTCOMES`` and ``DEFAULT_SENDER_OUTCOMES``.
"""

from messaging.sandbox.config import CarrierConfig, Outcome
from messaging.sandbox.server import SandboxCarrier

__all__ = ["CarrierConfig", "Outcome", "SandboxCarrier"]
