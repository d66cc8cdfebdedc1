"""A force's line network: drawn in the browser (campaigns/static/network.js, served from
here), and as a table of every edge with its explanation, which works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from campaigns.audit import record
from campaigns.auth import current_user
from campaigns.permissions import requires
from messaging.db import db
from messaging.inbound.network import MIN_REPLIERS, Network, line_network

bp = Blueprint("network", __name__, url_prefix="/network")


def _network(action: str) -> Network:
    network = line_network(db.session, current_user().force_id)
    record(
        "combination",
        action,
        "line",
        "",
        details={"nodes": len(network.nodes), "edges": len(network.edges)},
    )
    return network


@bp.route("/")
@requires("replies:read")
def index():  # type: ignore[no-untyped-def]
    network = _network("line_network_viewed")
    labels = {n.id: n.label for n in network.nodes}
    return render_template(
        "network/index.html", network=network, labels=labels, min_repliers=MIN_REPLIERS
    )


@bp.route("/network.json")
@requires("replies:read")
def data():  # type: ignore[no-untyped-def]
    return jsonify(_network("line_network_read").as_json())
