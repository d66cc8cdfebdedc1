"""Fixtures: sandbox carriers, gateways pointed at them, and a signed-webhook receiver."""

from tests.messaging.sandbox.helpers import connect, receiver, start_carrier

__all__ = ["connect", "receiver", "start_carrier"]
