"""Tensors and values on the wire: the one translation between torch and ``wire``'s arrays.

``wire`` carries numpy arrays of a few dtypes; torch's bfloat16 has no numpy dtype, so it
travels as its raw 16-bit patterns under the name ``bfloat16`` (here, and nowhere else). The
worker describes what student code returned with ``encode_value`` and rebuilds a request's
inputs with ``decode_inputs``; the grader encodes inputs with ``encode_inputs`` and rebuilds
observed tensors with ``tensor_from_wire``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from . import wire

# Captured at import, before any student code runs in a worker, so that patched builtins,
# torch.Tensor methods or properties cannot fool the encoder (TensorBase's slots are C
# descriptors no one can replace).
_type, _isinstance, _Tensor, _len, _str, _int = type, isinstance, torch.Tensor, len, str, int
_TB = torch._C.TensorBase
_detach, _cpu, _contiguous, _numpy, _view = _TB.detach, _TB.cpu, _TB.contiguous, _TB.numpy, _TB.view
_dtype, _device, _shape, _requires_grad = (_TB.dtype.__get__, _TB.device.__get__,
                                           _TB.shape.__get__, _TB.requires_grad.__get__)
_from_numpy, _bfloat16, _int16, _uint16 = torch.from_numpy, torch.bfloat16, torch.int16, np.uint16
MAX_DEPTH = 4  # nesting of tuples and lists described item by item
MAX_ITEMS = 64  # items of one tuple or list described item by item


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.float32`` -> ``"float32"`` (the name observations and arrays carry)."""
    return _str(dtype).removeprefix("torch.")


def torch_dtype(name: str) -> torch.dtype:
    """``"float32"`` -> ``torch.float32``; ValueError for a name that is not a torch dtype."""
    dtype = getattr(torch, name, None)
    if not _isinstance(dtype, torch.dtype):
        raise ValueError(f"not a torch dtype: {name}")
    return dtype


def tensor_to_wire(tensor: torch.Tensor) -> dict[str, Any]:
    """A tensor's values (any device, layout or strides) as a wire array tag."""
    cpu = _contiguous(_cpu(_detach(tensor)))
    if _dtype(cpu) is _bfloat16:
        return wire.encode_array(_numpy(_view(cpu, _int16)).view(_uint16), "bfloat16")
    return wire.encode_array(_numpy(cpu))


def tensor_from_wire(tag: Any) -> torch.Tensor:
    """The CPU tensor a wire array tag (``{"__array__": {...}}``) holds; WireError if it is
    malformed."""
    if not _isinstance(tag, dict) or set(tag) != {"__array__"}:
        raise wire.WireError("malformed array tag")
    array, name = wire.decode_array(tag["__array__"])
    tensor = _from_numpy(array)
    return _view(_view(tensor, _int16), _bfloat16) if name == "bfloat16" else tensor


def encode_value(value: Any, depth: int = 0) -> dict[str, Any]:
    """Describe a student's return value with exact types; tensors travel as arrays (but for
    those on the meta device, which have none)."""
    kind = _type(value)
    if kind is _Tensor:
        tensor = _detach(value)
        device = _device(tensor)
        out: dict[str, Any] = {"kind": "tensor", "dtype": dtype_name(_dtype(tensor)),
                               "device": _str(device),
                               "shape": [_int(n) for n in _shape(tensor)],
                               "requires_grad": bool(_requires_grad(value))}
        if device.type != "meta":
            out["value"] = tensor_to_wire(tensor)
        return out
    if kind in (int, float, bool, str) or value is None:
        return {"kind": kind.__name__, "value": value}
    if kind in (tuple, list) and depth < MAX_DEPTH and _len(value) <= MAX_ITEMS:
        return {"kind": kind.__name__, "items": [encode_value(v, depth + 1) for v in value]}
    return {"kind": "object", "type": f"{kind.__module__}.{kind.__qualname__}"[:200]}


def encode_inputs(value: Any) -> Any:
    """A request's inputs for the wire: tensors become array tags, dtypes ``{"__dtype__"}``;
    the rest must already be plain (JSON scalars, lists, string-keyed dicts)."""
    if _isinstance(value, torch.Tensor):
        return tensor_to_wire(value)
    if _isinstance(value, torch.dtype):
        return {"__dtype__": dtype_name(value)}
    if _isinstance(value, dict):
        return {k: encode_inputs(v) for k, v in value.items()}
    if _isinstance(value, (list, tuple)):
        return [encode_inputs(v) for v in value]
    return value


def decode_inputs(value: Any, device: str) -> Any:
    """The inverse of ``encode_inputs``: array tags become tensors on ``device``, dtype tags
    torch dtypes; everything else stays plain (tuples arrive as lists)."""
    if _isinstance(value, dict) and set(value) == {"__array__"}:
        return tensor_from_wire(value).to(device)
    if _isinstance(value, dict) and set(value) == {"__dtype__"}:
        return torch_dtype(value["__dtype__"])
    if _isinstance(value, dict):
        return {k: decode_inputs(v, device) for k, v in value.items()}
    if _isinstance(value, list):
        return [decode_inputs(v, device) for v in value]
    return value
