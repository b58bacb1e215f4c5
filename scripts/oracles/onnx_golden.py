#!/usr/bin/env python3
"""Prints the bytes of a small ONNX model built with onnx's own helpers, the golden that
ExptrainExportTests.ONNXEncodingTests compares `ONNXModel.serialized()` with byte by byte
(onnx serialises fields in field-number order, and so does exptrain).

Needs `pip install onnx numpy`.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

w = numpy_helper.from_array(np.array([[1, -2], [0.5, 3], [0, 1]], dtype=np.float32), "w")
axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes_1")
gemm = helper.make_node("Gemm", ["x", "w", ""], ["gemm_0"], name="gemm_0", transB=1, alpha=0.5)
transpose = helper.make_node("Transpose", ["gemm_0"], ["transpose_1"], name="transpose_1", perm=[1, 0])
identity = helper.make_node("Identity", ["transpose_1"], ["y"], name="y")
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])
x.doc_string = "rows"
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, "N"])
graph = helper.make_graph([gemm, transpose, identity], "g", [x], [y], initializer=[w, axes])
model = helper.make_model(
    graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="exptrain", producer_version="0.1.0",
    ir_version=8, doc_string="d")
helper.set_model_props(model, {"k": "v"})
onnx.checker.check_model(model)
data = model.SerializeToString()
for start in range(0, len(data), 16):
    print("    " + ", ".join("0x%02X" % byte for byte in data[start:start + 16]) + ",")
