"""The cross-line view: possible new deal lines, numbers shared by seized lines, and replies
that point from one line to another, as tables and a server-drawn picture (inline SVG)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Blueprint, render_template
from sqlalchemy import select

from campaigns.audit import record
from campaigns.permissions import requires
from messaging.db import db
from messaging.models import Line
from messaging.reply_intel import (
    MIN_REPLIERS,
    LineGraph,
    line_graph,
    possible_new_lines,
    reply_pointers,
    shared_numbers,
)

bp = Blueprint("intelligence", __name__, url_prefix="/intelligence")
SIZE = 560
RADIUS = 200
NODE_RADIUS = 26
MAX_NODES = 40


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    count: int
    title: str


def layout(graph: LineGraph, names: dict[int, str]) -> tuple[list[Node], list[Edge], list[Edge]]:
    """Lines on a circle; shared-number edges as lines, pointers as arrows stopping at the
    target's rim. Widths grow with the count, gently."""
    nodes_ids = graph.nodes[:MAX_NODES]
    centre = SIZE / 2
    step = 2 * math.pi / max(1, len(nodes_ids))
    nodes = {
        node: Node(
            node,
            names.get(node, str(node)),
            round(centre + RADIUS * math.cos(i * step - math.pi / 2), 1),
            round(centre + RADIUS * math.sin(i * step - math.pi / 2), 1),
        )
        for i, node in enumerate(nodes_ids)
    }

    def edge(a: int, b: int, count: int, title: str, *, arrow: bool) -> Edge | None:
        if a not in nodes or b not in nodes:
            return None
        start, end = nodes[a], nodes[b]
        dx, dy = end.x - start.x, end.y - start.y
        length = math.hypot(dx, dy) or 1.0
        trim = (NODE_RADIUS + 6) / length if arrow else 0.0
        return Edge(
            start.x,
            start.y,
            round(end.x - dx * trim, 1),
            round(end.y - dy * trim, 1),
            round(min(10.0, 1.5 + math.log2(count + 1)), 1),
            count,
            title,
        )

    shared = [
        e
        for (a, b), n in sorted(graph.shared.items())
        if (e := edge(a, b, n, f"{names.get(a)} and {names.get(b)} share {n} numbers", arrow=False))
    ]
    pointers = [
        e
        for (a, b), n in sorted(graph.pointers.items())
        if (
            e := edge(
                a, b, n, f"{n} replies from {names.get(a)} mention {names.get(b)}", arrow=True
            )
        )
    ]
    return list(nodes.values()), shared, pointers


@bp.route("/")
@requires("replies:read")
def index():  # type: ignore[no-untyped-def]
    session = db.session
    candidates = possible_new_lines(session)
    shared = shared_numbers(session)
    pointers = reply_pointers(session)
    names = dict(session.execute(select(Line.id, Line.reference)).all())
    graph = line_graph(shared, pointers)
    nodes, shared_edges, pointer_edges = layout(graph, names)
    record(
        "consultation",
        "cross_line_viewed",
        "line",
        "",
        details={
            "possible_new_lines": len(candidates),
            "shared_numbers": len(shared),
            "pointers": len(pointers),
            "lines": graph.nodes,
        },
    )
    return render_template(
        "intelligence/index.html",
        candidates=candidates,
        shared=shared,
        pointers=pointers,
        names=names,
        nodes=nodes,
        shared_edges=shared_edges,
        pointer_edges=pointer_edges,
        size=SIZE,
        node_radius=NODE_RADIUS,
        min_repliers=MIN_REPLIERS,
        truncated=len(graph.nodes) > MAX_NODES,
    )
