"""The JSON that crosses the network: one request per submission, one reply per request.

Nothing student-derived is pickled: the request carries the files ``intake`` read (base64), the
reply carries the results.json and feedback.md the local run would write, or a ``fault`` that
says why this worker could not grade at all.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from autograder.grade.intake import Submission


@dataclass(frozen=True)
class Options:
    """How the worker grades: the bundle it must have, the parts, device and isolation."""

    bundle: str
    parts: tuple[str, ...] | None
    device: str
    isolation: str


@dataclass(frozen=True)
class Reply:
    """What came back: results and feedback, or why the worker could not grade (``fault``)."""

    results: dict[str, Any] | None = None
    feedback: str | None = None
    fault: str | None = None


def request(submission: Submission, options: Options) -> str:
    return json.dumps({
        "bundle": options.bundle, "parts": options.parts, "device": options.device,
        "isolation": options.isolation, "name": submission.name, "source": submission.source,
        "files": {p: base64.b64encode(d).decode("ascii") for p, d in submission.files.items()},
        "notes": submission.notes, "error": submission.error})


def read_request(text: str) -> tuple[Submission, Options]:
    data = json.loads(text)
    submission = Submission(
        name=data["name"], source=data["source"],
        files={p: base64.b64decode(d) for p, d in data["files"].items()},
        notes=list(data["notes"]), error=data["error"])
    parts = None if data["parts"] is None else tuple(data["parts"])
    return submission, Options(data["bundle"], parts, data["device"], data["isolation"])


def reply(results: dict[str, Any], feedback: str) -> str:
    return json.dumps({"results": results, "feedback": feedback})


def fault(why: str) -> str:
    return json.dumps({"fault": why})


def read_reply(text: object) -> Reply:
    """The worker's reply, checked for shape (a worker is trusted, a garbled reply is not):
    ValueError for text that is no JSON, TypeError for JSON of another shape."""
    if not isinstance(text, str):
        raise TypeError(f"the worker replied with a {type(text).__name__}, not JSON text")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise TypeError("the worker's reply is not a JSON object")
    if isinstance(data.get("fault"), str):
        return Reply(fault=data["fault"][:2000])
    if not isinstance(data.get("results"), dict) or not isinstance(data.get("feedback"), str):
        raise TypeError("the worker's reply has no results and feedback")
    return Reply(results=data["results"], feedback=data["feedback"])
