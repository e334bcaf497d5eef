"""Classroom 50's contracts for what we hand it, as JSON Schemas we wrote ourselves from its
published ones, plus the rules its validators check in code.

Sources read (foundation50/classroom50 on GitHub), the facts taken from them:

- ``schemas/result-v1.schema.json`` at commit 6e593c79b87c99f94fec2ae0badadba761360516,
  https://github.com/foundation50/classroom50/blob/6e593c79b87c99f94fec2ae0badadba761360516/schemas/result-v1.schema.json
  and ``validate_result`` of ``cli/gh-teacher/skeleton/dotgithub/scripts/runner.py`` at commit
  0c499034f24703425496698992fedc41fbc1162f: a closed object; ``schema`` is the constant
  ``classroom50/result/v1``; classroom, assignment, owner, commit, release and review are
  non-empty strings, ``submission`` starts with ``submit/``, ``assignment_type`` is individual or
  group, ``datetime`` (and the optional ``graded_at``) are UTC ``YYYY-MM-DDTHH:MM:SSZ``; score
  and max-score are non-negative integers (booleans refused); ``tests`` holds objects with a
  non-empty ``test-name``, a boolean ``passed`` and integer score and max-score, other keys
  allowed; the optional ``submitted_by`` is ``{username, id: int | null}``. In code: the score
  is at most the max-score, for the total and for each test.
- ``schemas/assignments-v1.schema.json`` at commit 0343327c7678fefeaf3a89dd44a23bcc186d484b,
  https://github.com/foundation50/classroom50/blob/0343327c7678fefeaf3a89dd44a23bcc186d484b/schemas/assignments-v1.schema.json:
  a closed document ``{schema: "classroom50/assignments/v1", assignments: [...]}``; an entry
  needs slug (a short name: lowercase letters, digits and dashes, 2 to 39 characters, starting
  with a letter or digit), name, mode (individual or group; group needs ``max_group_size`` >= 2,
  individual must not have it) and autograder (a short name, ``default`` for the standard
  workflow); other entry keys are kept; ``runtime`` is closed: runs-on, container {image, user},
  python/node/java/go/rust (version strings), apt (package names), and never both container and
  apt. Written here only for the keys we write (an entry's other optional keys stay open).
"""

from __future__ import annotations

from typing import Any

import jsonschema

UTC_SECOND = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
SHORT_NAME = r"^[a-z0-9][a-z0-9-]{1,38}$"
LANGUAGE_VERSION = r"^[A-Za-z0-9._+-]{1,32}$"


def _text() -> dict[str, Any]:
    return {"type": "string", "minLength": 1}


def _count() -> dict[str, Any]:
    return {"type": "integer", "minimum": 0}


RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "our reading of classroom50/result/v1",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "classroom", "assignment", "assignment_type", "owner", "submission",
                 "commit", "release", "review", "datetime", "score", "max-score", "tests"],
    "properties": {
        "schema": {"const": "classroom50/result/v1"},
        **{key: _text() for key in ("classroom", "assignment", "owner", "commit", "release",
                                    "review")},
        "assignment_type": {"enum": ["individual", "group"]},
        "submission": {"type": "string", "pattern": "^submit/"},
        "datetime": {"type": "string", "pattern": UTC_SECOND},
        "graded_at": {"type": "string", "pattern": UTC_SECOND},
        "score": _count(),
        "max-score": _count(),
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["test-name", "passed", "score", "max-score"],
            "properties": {"test-name": _text(), "passed": {"type": "boolean"},
                           "score": _count(), "max-score": _count()}}},
        "submitted_by": {"type": "object", "additionalProperties": False,
                         "required": ["username"],
                         "properties": {"username": _text(),
                                        "id": {"type": ["integer", "null"]}}},
    },
}

RUNTIME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "runs-on": {"oneOf": [
            {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
            {"type": "array", "minItems": 1, "maxItems": 10,
             "items": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}}]},
        "container": {"type": "object", "additionalProperties": False, "required": ["image"],
                      "properties": {"image": _text(), "user": _text()}},
        **{language: {"type": "string", "pattern": LANGUAGE_VERSION}
           for language in ("python", "node", "java", "go", "rust")},
        "apt": {"type": "array",
                "items": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9.+-]{0,63}$"}},
    },
    "not": {"required": ["container", "apt"]},
}

ASSIGNMENTS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "our reading of classroom50/assignments/v1 (the keys we write)",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "assignments"],
    "properties": {
        "schema": {"const": "classroom50/assignments/v1"},
        "assignments": {"type": "array", "items": {
            "type": "object",
            "required": ["slug", "name", "mode", "autograder"],
            "properties": {
                "slug": {"type": "string", "pattern": SHORT_NAME},
                "name": _text(),
                "description": {"type": "string"},
                "mode": {"enum": ["individual", "group"]},
                "autograder": {"type": "string", "pattern": SHORT_NAME},
                "max_group_size": {"type": "integer", "minimum": 2, "maximum": 100},
                "runtime": RUNTIME_SCHEMA,
            },
            "if": {"properties": {"mode": {"const": "group"}}},
            "then": {"required": ["max_group_size"]},
            "else": {"not": {"required": ["max_group_size"]}},
        }},
    },
}


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def result_errors(document: Any) -> list[str]:
    """Everything wrong with ``document`` as a ``classroom50/result/v1`` result: the schema's
    complaints, then the rules Classroom 50 checks in code."""
    validator = jsonschema.Draft202012Validator(RESULT_SCHEMA)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
              for e in validator.iter_errors(document)]
    if errors:
        return errors
    # booleans are integers to JSON Schema's Python validator but not to Classroom 50
    for where, entry in [("(top)", document), *((f"tests/{i}", t)
                                               for i, t in enumerate(document["tests"]))]:
        if not (_whole(entry["score"]) and _whole(entry["max-score"])):
            errors.append(f"{where}: score and max-score must be integers, not booleans")
        elif entry["score"] > entry["max-score"]:
            errors.append(f"{where}: score {entry['score']} > max-score {entry['max-score']}")
    return errors


def assignments_errors(document: Any) -> list[str]:
    """Everything wrong with ``document`` as a ``classroom50/assignments/v1`` file (for the
    keys we write), and a slug used twice (the autograde workflow takes the first entry with the
    repository's slug, so a second one would be ignored). The rules its schema leaves to code
    concern declarative tests and release assets, which we do not write."""
    validator = jsonschema.Draft202012Validator(ASSIGNMENTS_SCHEMA)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
              for e in validator.iter_errors(document)]
    if errors:
        return errors
    slugs = [entry["slug"] for entry in document["assignments"]]
    if len(set(slugs)) != len(slugs):
        errors.append(f"duplicate slugs: {slugs}")
    return errors
