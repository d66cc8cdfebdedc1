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
from messaging.inbound.intelligence import (
    MIN_REPLIERS,
    LineGraph,
    line_graph,
    possible_new_lines,
    reply_pointers,
    shared_numbers,
)
from messaging.models import Line

bp = Blueprint("intelligence", __name__, url_prefix="/intelligence")
WIDTH, HEIGHT = 840, 600  # wide enough for long line references beside the circle
RADIUS = 190
NODE_RADIUS = 26
MAX_NODES = 40


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str  # text-anchor for the label, which sits outside the circle


@dataclass(frozen=True)
class Edge:
    path: str  # SVG path data: a straight line, or a curve for pointers
    width: float
    count: int
    title: str


def _place(index: int, count: int, line_id: int, label: str) -> Node:
    angle = 2 * math.pi * index / max(1, count) - math.pi / 2
    cos, sin = math.cos(angle), math.sin(angle)
    out = RADIUS + NODE_RADIUS + 14
    anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
    return Node(
        line_id,
        label,
        round(WIDTH / 2 + RADIUS * cos, 1),
        round(HEIGHT / 2 + RADIUS * sin, 1),
        round(WIDTH / 2 + out * cos, 1),
        round(HEIGHT / 2 + out * sin + 5, 1),
        anchor,
    )


def _width(count: int) -> float:
    return round(min(10.0, 1.5 + math.log2(count + 1)), 1)


def layout(graph: LineGraph, names: dict[int, str]) -> tuple[list[Node], list[Edge], list[Edge]]:
    """Lines on a circle, labels outside it. Shared numbers are straight lines; pointers are
    arrows curving to one side (so a pointer never hides a shared-number line, and arrows
    both ways between two lines stay apart), stopping at the target's rim."""
    shown = graph.nodes[:MAX_NODES]
    nodes = {
        line_id: _place(i, len(shown), line_id, names.get(line_id, str(line_id)))
        for i, line_id in enumerate(shown)
    }
    shared = []
    for (a, b), count in sorted(graph.shared.items()):
        if a in nodes and b in nodes:
            start, end = nodes[a], nodes[b]
            title = f"{start.label} and {end.label} share {count} numbers"
            path = f"M {start.x} {start.y} L {end.x} {end.y}"
            shared.append(Edge(path, _width(count), count, title))
    pointers = []
    for (a, b), count in sorted(graph.pointers.items()):
        if a in nodes and b in nodes:
            start, end = nodes[a], nodes[b]
            dx, dy = end.x - start.x, end.y - start.y
            length = math.hypot(dx, dy) or 1.0
            # control point: off the middle, to the right of the direction of travel
            cx = (start.x + end.x) / 2 - dy / length * 40
            cy = (start.y + end.y) / 2 + dx / length * 40
            tx, ty = end.x - cx, end.y - cy
            trim = (NODE_RADIUS + 4) / (math.hypot(tx, ty) or 1.0)
            path = (
                f"M {start.x} {start.y} Q {round(cx, 1)} {round(cy, 1)} "
                f"{round(end.x - tx * trim, 1)} {round(end.y - ty * trim, 1)}"
            )
            title = f"{count} replies from {start.label}'s contacts mention {end.label}"
            pointers.append(Edge(path, _width(count), count, title))
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
        width=WIDTH,
        height=HEIGHT,
        node_radius=NODE_RADIUS,
        min_repliers=MIN_REPLIERS,
        truncated=len(graph.nodes) > MAX_NODES,
    )
