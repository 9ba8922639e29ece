"""Person segmentation: MediaPipe's selfie-segmentation model, run by onnxruntime.

The model is the one the `mediapipe` wheel ships (modules/selfie_segmentation/
selfie_segmentation_landscape.tflite, 256x144 RGB in, the person's probability out); nothing is
downloaded. MediaPipe's own Python runtime cannot be used beside NumPy 2, and a plain TFLite
interpreter lacks the model's custom transposed convolution, so this module reads the .tflite
flatbuffer (the `tflite` package) and writes the same network as an ONNX graph at first use:
eleven kinds of operator, translated from TFLite's NHWC layout to ONNX's NCHW. Only the file is
taken from the mediapipe package; its Python code is never imported.
"""

from __future__ import annotations

import importlib.util
import struct
import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL = "modules/selfie_segmentation/selfie_segmentation_landscape.tflite"
INPUT_W, INPUT_H = 256, 144
NHWC_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}
OPSET = 17


class SegmentationUnavailable(RuntimeError):
    """The model or the runtime is not installed (the `background` extra)."""


def model_path() -> Path:
    """Where the installed mediapipe wheel keeps the model (found without importing mediapipe)."""
    spec = importlib.util.find_spec("mediapipe")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / MODEL
        if candidate.is_file():
            return candidate
    raise SegmentationUnavailable("the selfie-segmentation model is not installed (pip install mediapipe==0.10.14)")


# --- TFLite -> ONNX --------------------------------------------------------------------------
def _operator_names(tflite: Any) -> dict[int, str]:
    return {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def _tensor_array(model: Any, graph: Any, index: int) -> np.ndarray | None:
    """A constant tensor's data (float16 weights as stored), or None for an activation."""
    tensor = graph.Tensors(index)
    data = model.Buffers(tensor.Buffer()).DataAsNumpy()
    if isinstance(data, int) or data is None or len(data) == 0:
        return None
    dtype = {0: np.float32, 1: np.float16, 2: np.int32}[tensor.Type()]
    return np.frombuffer(data.tobytes(), dtype=dtype).reshape(tensor.ShapeAsNumpy())


def convert(data: bytes) -> bytes:
    """The serialized ONNX model of a selfie-segmentation .tflite (input NCHW float 0..1)."""
    import onnx
    import tflite
    from onnx import TensorProto, helper, numpy_helper

    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)
    names = _operator_names(tflite)
    consts: dict[int, np.ndarray] = {}
    nodes: list[Any] = []
    initializers: list[Any] = []

    def name(index: int) -> str:
        return f"t{index}"

    def const(index: int, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name(index)))
        return name(index)

    def value(index: int) -> np.ndarray | None:
        if index not in consts:
            raw = _tensor_array(model, graph, index)
            if raw is not None:
                consts[index] = raw.astype(np.float32) if raw.dtype == np.float16 else raw
        return consts.get(index)

    def operand(index: int) -> str:
        """An activation by name, or a constant operand permuted to NCHW for broadcasting."""
        array = value(index)
        if array is None:
            return name(index)
        if array.ndim == 4:
            array = array.transpose(0, 3, 1, 2)
        return const(index, array.astype(np.float32))

    def activation(out: str, fused: int) -> str:
        if fused == 0:
            return out
        if fused != 1:  # RELU only: the model uses nothing else fused
            raise SegmentationUnavailable(f"unsupported fused activation {fused}")
        nodes.append(helper.make_node("Relu", [out + "_pre"], [out]))
        return out + "_pre"

    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        ins = [int(x) for x in op.InputsAsNumpy()]
        out = name(int(op.OutputsAsNumpy()[0]))
        if kind == "DEQUANTIZE":
            source = value(ins[0])
            assert source is not None
            consts[int(op.OutputsAsNumpy()[0])] = source.astype(np.float32)
        elif kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            options_class = tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions
            options = options_class()
            table = op.BuiltinOptions()
            options.Init(table.Bytes, table.Pos)
            weights = value(ins[1])
            assert weights is not None
            if kind == "CONV_2D":
                kernel, group = weights.transpose(0, 3, 1, 2), 1
            else:
                kernel = weights.transpose(3, 0, 1, 2)
                group = kernel.shape[0] // options.DepthMultiplier()
            inputs = [name(ins[0]), const(ins[1], kernel)]
            if len(ins) > 2 and ins[2] >= 0:
                inputs.append(const(ins[2], value(ins[2])))
            target = activation(out, options.FusedActivationFunction())
            nodes.append(
                helper.make_node(
                    "Conv",
                    inputs,
                    [target],
                    kernel_shape=list(kernel.shape[2:]),
                    strides=[options.StrideH(), options.StrideW()],
                    dilations=[options.DilationHFactor(), options.DilationWFactor()],
                    group=group,
                    auto_pad="SAME_UPPER" if options.Padding() == tflite.Padding.SAME else "VALID",
                )
            )
        elif kind in ("ADD", "MUL"):
            options_class = tflite.AddOptions if kind == "ADD" else tflite.MulOptions
            options = options_class()
            table = op.BuiltinOptions()
            options.Init(table.Bytes, table.Pos)
            target = activation(out, options.FusedActivationFunction())
            nodes.append(helper.make_node(kind.title(), [operand(ins[0]), operand(ins[1])], [target]))
        elif kind in ("RELU", "HARD_SWISH", "LOGISTIC"):
            onnx_op = {"RELU": "Relu", "HARD_SWISH": "HardSwish", "LOGISTIC": "Sigmoid"}[kind]
            nodes.append(helper.make_node(onnx_op, [name(ins[0])], [out]))
        elif kind == "MEAN":
            axes = value(ins[1])
            assert axes is not None
            nodes.append(
                helper.make_node(
                    "ReduceMean", [name(ins[0])], [out], axes=[NHWC_TO_NCHW[int(a)] for a in axes], keepdims=1
                )
            )
        elif kind == "RESIZE_BILINEAR":
            options = tflite.ResizeBilinearOptions()
            table = op.BuiltinOptions()
            options.Init(table.Bytes, table.Pos)
            shape = graph.Tensors(int(op.OutputsAsNumpy()[0])).ShapeAsNumpy()
            sizes = np.array([shape[0], shape[3], shape[1], shape[2]], np.int64)
            mode = (
                "align_corners"
                if options.AlignCorners()
                else ("half_pixel" if options.HalfPixelCenters() else "asymmetric")
            )
            initializers.append(numpy_helper.from_array(sizes, out + "_sizes"))
            nodes.append(
                helper.make_node(
                    "Resize",
                    [name(ins[0]), "", "", out + "_sizes"],
                    [out],
                    mode="linear",
                    coordinate_transformation_mode=mode,
                )
            )
        elif kind == "CUSTOM" and code.CustomCode() == b"Convolution2DTransposeBias":
            padding, stride_w, stride_h = struct.unpack("<3i", bytes(op.CustomOptionsAsNumpy())[:12])
            weights = value(ins[1])
            assert weights is not None
            kernel = weights.transpose(3, 0, 1, 2)  # [O, KH, KW, I] -> [I, O, KH, KW]
            in_shape = graph.Tensors(ins[0]).ShapeAsNumpy()
            nodes.append(
                helper.make_node(
                    "ConvTranspose",
                    [name(ins[0]), const(ins[1], kernel), const(ins[2], value(ins[2]))],
                    [out],
                    kernel_shape=list(kernel.shape[2:]),
                    strides=[stride_h, stride_w],
                    output_shape=[int(in_shape[1]) * stride_h, int(in_shape[2]) * stride_w],
                )
            )
            if padding != 1:
                raise SegmentationUnavailable("only SAME padding of the transposed convolution is known")
        else:
            raise SegmentationUnavailable(f"operator {kind} is not translated")

    first = int(graph.Inputs(0))
    last = int(graph.Outputs(0))
    onnx_graph = helper.make_graph(
        nodes,
        "selfie_segmentation",
        [helper.make_tensor_value_info(name(first), TensorProto.FLOAT, [1, 3, INPUT_H, INPUT_W])],
        [helper.make_tensor_value_info(name(last), TensorProto.FLOAT, [1, 1, INPUT_H, INPUT_W])],
        initializers,
    )
    built = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)])
    built.ir_version = 8
    onnx.checker.check_model(built)
    return built.SerializeToString()


@cache
def _onnx_model() -> bytes:
    return convert(model_path().read_bytes())


class PersonSegmenter:
    """`mask(rgb)`: how much each pixel is the person (0..1), at the picture's own size."""

    def __init__(self, threads: int = 1) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise SegmentationUnavailable("onnxruntime is not installed") from exc
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(_onnx_model(), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._lock = threading.Lock()

    def small_mask(self, rgb: np.ndarray) -> np.ndarray:
        """The model's own 256x144 mask of a picture (any size; scaled down, not cropped)."""
        from PIL import Image

        picture = Image.fromarray(rgb)
        factor = min(picture.width // INPUT_W, picture.height // INPUT_H)
        if factor > 1:  # a cheap box reduction first: 1280x720 -> 256x144 is exactly 5
            picture = picture.reduce(factor)
        small = np.asarray(picture.resize((INPUT_W, INPUT_H), Image.Resampling.BILINEAR))
        tensor = (small.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        with self._lock:
            (out,) = self._session.run(None, {self._input: tensor})
        return out[0, 0]

    def mask(self, rgb: np.ndarray) -> np.ndarray:
        from PIL import Image

        small = self.small_mask(rgb)
        height, width = rgb.shape[:2]
        return np.asarray(Image.fromarray(small, mode="F").resize((width, height), Image.Resampling.BILINEAR))
