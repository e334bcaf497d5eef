"""``autograder.sandbox.worker``: a submission is loaded whatever state it is in, every request
gets a reply (never a crash), and the reply answers the request it was given."""

from __future__ import annotations

import builtins
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from autograder.sandbox import probes, wire, worker
from autograder.sandbox.protocol import Reply, Request

PACKAGE = "toy_worker_package"


@pytest.fixture()
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding ``toy_worker_package``, the worker set up for it, and the engine proxy
    left alone (it would stay installed for the rest of the session)."""
    monkeypatch.setattr(worker.Config, "package", PACKAGE)
    monkeypatch.setattr(worker.guards, "install_engine_proxy", lambda: None)
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / PACKAGE).mkdir()
    yield tmp_path
    for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / PACKAGE / name).write_text(text)


def test_a_package_is_imported(package: Path) -> None:
    write(package, {"__init__.py": "from .ops import double\n", "ops.py": "def double(x):\n"
                    "    return 2 * x\n\ndef hidden():\n    return 1\n"})
    student = worker.Student(str(package))
    assert student.import_error is None and student.module_errors == {}
    assert student.get("double")(2) == 4
    assert student.get("hidden")() == 1  # not exported: found in its module
    assert student.get("ops").__name__ == f"{PACKAGE}.ops"
    assert {m.__name__ for m in student.modules()} == {PACKAGE, f"{PACKAGE}.ops"}


def test_a_broken_init_costs_only_what_it_breaks(package: Path) -> None:
    write(package, {"__init__.py": "from .good import f\nraise RuntimeError('oops')\n",
                    "good.py": "def f():\n    return 'f'\n",
                    "bad.py": "def g(:\n"})
    student = worker.Student(str(package))
    assert student.package is None
    assert student.import_error.startswith("RuntimeError: oops (at __init__.py:2)")
    assert student.module_errors["bad"].startswith("SyntaxError")
    assert "(at bad.py:1)" in student.module_errors["bad"]
    assert student.get("f")() == "f"
    with pytest.raises(ImportError, match=r"g not found.*bad\.py: SyntaxError"):
        student.get("g")


class FakeStudent:
    """What probes see of a submission: named objects."""

    import_error = None
    module_errors: dict[str, str] = {}

    def __init__(self, **objects: Any) -> None:
        self.objects = objects

    def get(self, name: str) -> Any:
        if name not in self.objects:
            raise ImportError(f"{name} not found in the package")
        return self.objects[name]

    def modules(self) -> list[Any]:
        return []


def _fail() -> None:
    raise ValueError("bad input")


@pytest.mark.parametrize("request_, check", [
    (Request("nope", id="a"), lambda r: r.error.type == "GraderError" and r.id == "a"),
    (Request("hello", id="b"), lambda r: r.ok == {"import_error": None, "module_errors": {}}),
    (Request("call", {"name": "add", "args": [1, 2]}),
     lambda r: r.ok["value"] == {"kind": "int", "value": 3} and r.violations == ()),
    (Request("call", {"name": "fail"}),
     lambda r: r.error.type == "ValueError" and r.error.message == "ValueError: bad input"),
    (Request("call", {"name": "leave"}), lambda r: r.error.type == "SystemExit"),
    (Request("call", {"name": "missing"}), lambda r: r.error.type == "ImportError"),
    (Request("call", {"name": "add", "args": [1, 2], "rules": ["no_such_rule"]}),
     lambda r: r.error.type == "ValueError" and "unknown rules" in r.error.message),
    (Request("call", {"name": "add", "bogus": 1}), lambda r: r.error.type == "TypeError"),
])
def test_every_request_gets_a_reply(monkeypatch, request_: Request, check) -> None:
    monkeypatch.setattr(worker.Config, "package", PACKAGE)
    student = FakeStudent(add=lambda a, b: a + b, fail=_fail, leave=lambda: sys.exit(3))
    reply = worker.handle(student, request_)
    assert isinstance(reply, Reply) and check(reply), reply


def test_inputs_arrive_as_tensors_on_the_requested_device(monkeypatch) -> None:
    import torch

    from autograder.sandbox import codec

    student = FakeStudent(where=lambda x: [str(x.device), x.dtype is torch.bfloat16])
    args = codec.encode_inputs({"name": "where", "args": [torch.ones(2, dtype=torch.bfloat16)]})
    reply = worker.handle(student, Request("call", args, "meta"))
    assert [i["value"] for i in reply.ok["value"]["items"]] == ["meta", True]


def test_malformed_requests_get_an_error_with_their_id() -> None:
    reply = worker._read({"probe": 5, "id": "abc"})
    assert isinstance(reply, Reply) and reply.error.type == "GraderError" and reply.id == "abc"
    assert worker._read(["not", "a", "request"]).id is None
    assert worker._read({"probe": "hello"}) == Request("hello")


def test_setup_needs_a_package_name() -> None:
    with pytest.raises(ValueError, match="not a package name"):
        worker.setup("not-a-name")


def test_serve_answers_restores_builtins_and_reports_a_reply_too_large(
        package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(package, {"__init__.py": "def big():\n    return 'x' * 5000\n"})
    monkeypatch.setattr(worker, "_forget_grader_modules", lambda: None)
    monkeypatch.setattr(wire, "MAX_MESSAGE", 2000)

    def patch_builtins(student: Any, violations: Any) -> dict[str, Any]:
        builtins.len = lambda x: 0
        return {}

    patch_builtins.rules = []  # type: ignore[attr-defined]
    monkeypatch.setitem(probes.PROBES, "patch_builtins", patch_builtins)
    original_len = builtins.len
    grader, child = socket.socketpair()
    grader.settimeout(30)
    server = threading.Thread(target=worker.serve, args=(child, str(package)))
    server.start()
    try:
        for request in (Request("hello", id="1"), Request("patch_builtins", id="2")):
            wire.send(grader, request.to_wire())
            assert Reply.from_wire(wire.recv(grader)).id == request.id
        assert builtins.len is original_len  # undone before the reply was sent
        wire.send(grader, Request("call", {"name": "big"}, id="3").to_wire())
        reply = Reply.from_wire(wire.recv(grader))
        assert reply.id == "3" and reply.error.type == "ResultTooLarge"
    finally:
        builtins.len = original_len
        grader.close()
        server.join(10)
        child.close()
    assert not server.is_alive()  # it returned when the grader hung up
