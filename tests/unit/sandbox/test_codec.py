"""``autograder.sandbox.codec``: every tensor crosses the wire bit for bit, and observations
describe exact types."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.sandbox import codec, wire

DTYPES = [codec.torch_dtype(name) for name in sorted(wire.DTYPES)]
# Same-width integer dtypes: comparing bit patterns makes NaN, -0.0 and inf exact too.
BITS = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}
SPECIAL = (math.nan, math.inf, -math.inf, -0.0, 0.0, 1e-8, 65504.0, -3.5)

shapes = st.lists(st.integers(0, 4), max_size=4)


def bits(t: torch.Tensor) -> torch.Tensor:
    """The tensor's bit patterns (contiguous, on the CPU)."""
    t = t.detach().cpu().contiguous()
    return t if t.dtype in (torch.bool, torch.uint8) else t.view(BITS[t.element_size()])


@st.composite
def tensors(draw: st.DrawFn) -> torch.Tensor:
    """A tensor of any wire dtype and a small shape (0-d and empty included), with special
    float values, contiguous or not (a transposed or strided view)."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(shapes)
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31)))
    if dtype == torch.bool:
        t = torch.randint(0, 2, shape, generator=g).bool()
    elif dtype.is_floating_point:
        t = (torch.randn(shape, generator=g, dtype=torch.float64) * 100).to(dtype)
        if t.numel():
            flat = t.reshape(-1)
            for i in draw(st.lists(st.integers(0, t.numel() - 1), max_size=3)):
                flat[i] = draw(st.sampled_from(SPECIAL))
    else:
        info = torch.iinfo(dtype)
        t = torch.randint(max(info.min, -(2**31)), min(info.max, 2**31 - 1), shape,
                          generator=g).to(dtype)
    view = draw(st.sampled_from(("as is", "transposed", "strided")))
    if view == "transposed" and t.dim() >= 2:
        t = t.transpose(0, -1)
    elif view == "strided" and t.dim() >= 1:
        t = t[..., ::2]
    return t


@given(tensors())
def test_every_tensor_round_trips_bit_for_bit(t: torch.Tensor) -> None:
    back = codec.tensor_from_wire(wire.roundtrip(codec.tensor_to_wire(t)))
    assert back.dtype == t.dtype and back.shape == t.shape
    assert torch.equal(bits(back), bits(t))


@given(tensors())
def test_observation_describes_the_tensor(t: torch.Tensor) -> None:
    obs = wire.roundtrip(codec.encode_value(t))
    assert obs["kind"] == "tensor" and obs["dtype"] == codec.dtype_name(t.dtype)
    assert obs["shape"] == list(t.shape) and obs["device"] == "cpu"
    assert torch.equal(bits(codec.tensor_from_wire(obs["value"])), bits(t))


@given(tensors(), st.sampled_from(["cpu", "meta"]))
def test_inputs_round_trip_onto_the_device(t: torch.Tensor, device: str) -> None:
    args = {"X": t, "pair": (t, 3), "dtype": t.dtype, "name": "corr", "none": None}
    back = codec.decode_inputs(wire.roundtrip(codec.encode_inputs(args)), device)
    assert back["X"].device.type == device and back["dtype"] is t.dtype
    assert back["pair"][1] == 3 and back["name"] == "corr" and back["none"] is None
    if device == "cpu":
        assert torch.equal(bits(back["X"]), bits(t))


def test_bfloat16_travels_as_its_bit_patterns() -> None:
    t = torch.tensor([1.0, -2.5, math.inf], dtype=torch.bfloat16)
    tag = codec.tensor_to_wire(t)["__array__"]
    assert tag["dtype"] == "bfloat16"
    array, name = wire.decode_array(tag)
    assert name == "bfloat16" and array.dtype.name == "uint16"
    assert array.tolist() == t.view(torch.int16).numpy().view("uint16").tolist()


def test_values_are_described_with_exact_types() -> None:
    class Sneaky(float):
        pass

    assert codec.encode_value(3) == {"kind": "int", "value": 3}
    assert codec.encode_value(True) == {"kind": "bool", "value": True}
    assert codec.encode_value(None) == {"kind": "NoneType", "value": None}
    assert codec.encode_value(Sneaky(1.0))["kind"] == "object"
    assert codec.encode_value((1, [2.0]))["items"][1] == {
        "kind": "list", "items": [{"kind": "float", "value": 2.0}]}
    assert codec.encode_value(torch.nn.Parameter(torch.zeros(1)))["kind"] == "object"
    assert codec.encode_value(list(range(codec.MAX_ITEMS + 1)))["kind"] == "object"
    deep: list = []
    for _ in range(codec.MAX_DEPTH + 1):
        deep = [deep]
    assert "object" in str(codec.encode_value(deep))


def test_meta_and_grad_tensors() -> None:
    meta = codec.encode_value(torch.zeros(2, 3, device="meta"))
    assert meta["device"] == "meta" and "value" not in meta
    leaf = codec.encode_value(torch.ones(2, requires_grad=True) * 2)
    assert leaf["requires_grad"] is True and leaf["value"]["__array__"]["shape"] == [2]


def test_a_patched_tensor_class_cannot_fool_the_encoder(monkeypatch) -> None:
    monkeypatch.setattr(torch.Tensor, "numpy", lambda self: "forged")
    monkeypatch.setattr(torch.Tensor, "detach", lambda self: torch.zeros(1))
    obs = codec.encode_value(torch.arange(3.0))
    assert codec.tensor_from_wire(obs["value"]).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("tag", [
    None, [], {}, {"__array__": None}, {"__array__": {}, "extra": 1},
    {"__array__": {"dtype": "complex64", "shape": [1], "data": ""}},
    {"__array__": {"dtype": "float32", "shape": [2], "data": "AAAAAA=="}},  # 4 bytes, not 8
    {"__array__": {"dtype": "float32", "shape": [-1], "data": ""}},
    {"__array__": {"dtype": "float32", "shape": [1.5], "data": ""}},
    {"__array__": {"dtype": "float32", "shape": [1], "data": "not base64!"}},
    {"__array__": {"dtype": "object", "shape": [], "data": ""}},
])
def test_malformed_array_tags_are_refused(tag) -> None:
    with pytest.raises(wire.WireError):
        codec.tensor_from_wire(tag)


def test_dtype_names() -> None:
    assert codec.torch_dtype("bfloat16") is torch.bfloat16
    assert codec.dtype_name(torch.float16) == "float16"
    assert codec.torch_dtype("float") is torch.float32  # (torch's own alias)
    for name in ("Tensor", "nope", "__class__"):
        with pytest.raises(ValueError):
            codec.torch_dtype(name)
