"""The float weights stored in an ONNX file, read without the `onnx` package (which the app does
not ship): a small, bounds-checked reader of the protobuf wire format that walks
ModelProto.graph.initializer and returns each float32 tensor as a numpy array.

Only what Continuo's own files use is understood (raw_data or packed float_data, dims); any
other tensor is skipped, and a file that does not parse raises `WeightsError`.
"""

from __future__ import annotations

import numpy as np

_GRAPH, _INITIALIZER = 7, 5  # ModelProto.graph, GraphProto.initializer
_DIMS, _DATA_TYPE, _FLOAT_DATA, _NAME, _RAW_DATA = 1, 2, 4, 8, 9  # TensorProto fields
_FLOAT = 1  # TensorProto.DataType.FLOAT


class WeightsError(ValueError):
    """The file is not the protobuf an ONNX model is."""


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise WeightsError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview):
    """(field number, wire type, value) of one message: ints for varints, views for the rest."""
    pos = 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise WeightsError("a field runs past the end of the file")
            value, pos = buf[pos:pos + size], pos + size
        else:
            raise WeightsError(f"unknown wire type {wire}")
        yield field, wire, value


def _tensor(buf: memoryview) -> tuple[str, np.ndarray] | None:
    dims: list[int] = []
    name, dtype, data, floats = "", None, None, None
    for field, wire, value in _fields(buf):
        if field == _DIMS:
            if wire == 0:
                dims.append(value)
            else:  # packed
                pos = 0
                while pos < len(value):
                    dim, pos = _varint(value, pos)
                    dims.append(dim)
        elif field == _DATA_TYPE:
            dtype = value
        elif field == _NAME:
            name = bytes(value).decode("utf-8", "replace")
        elif field == _RAW_DATA:
            data = value
        elif field == _FLOAT_DATA and wire == 2:
            floats = value
    if dtype != _FLOAT or (data is None and floats is None):
        return None
    array = np.frombuffer(data if data is not None else floats, "<f4")
    if array.size != int(np.prod(dims, dtype=np.int64)):
        raise WeightsError(f"tensor {name} holds {array.size} values, not {dims}")
    return name, array.reshape(dims).astype(np.float32)


def float_initializers(blob: bytes) -> dict[str, np.ndarray]:
    """Every float32 initializer of the serialized ModelProto `blob`, by name."""
    out: dict[str, np.ndarray] = {}
    view = memoryview(blob)
    for field, wire, graph in _fields(view):
        if field != _GRAPH or wire != 2:
            continue
        for inner, inner_wire, tensor in _fields(graph):
            if inner == _INITIALIZER and inner_wire == 2:
                found = _tensor(tensor)
                if found is not None:
                    out[found[0]] = found[1]
    return out
