import ExptrainIO

/// An ONNX model file: one graph, the operator set it uses, who produced it, and
/// key-value metadata, encoded as `onnx.ModelProto` with the project's `ProtobufEncoder`.
///
/// ```swift
/// let model = ONNXModel(graph: graph, metadata: [("exptrain.tag", "cartpole-ppo")])
/// try Data(model.serialized()).write(to: url)
/// ```
public struct ONNXModel: Sendable {
    /// IR version 8 (ONNX 1.10–1.13), which covers opset 17.
    public static let irVersion: Int64 = 8
    /// The default domain's operator set the graph's nodes belong to.
    public static let opsetVersion: Int64 = 17

    public var graph: ONNXGraph
    public var producerVersion: String
    public var documentation: String
    /// `metadata_props`, in order.
    public var metadata: [(key: String, value: String)]

    public init(graph: ONNXGraph, producerVersion: String = "", documentation: String = "", metadata: [(key: String, value: String)] = []) {
        self.graph = graph
        self.producerVersion = producerVersion
        self.documentation = documentation
        self.metadata = metadata
    }

    /// The model as `onnx.ModelProto` bytes, what a `.onnx` file holds.
    ///
    /// Field numbers from `onnx/onnx.proto` (ONNX 1.17): `ModelProto { int64 ir_version = 1;
    /// string producer_name = 2; string producer_version = 3; string doc_string = 6;
    /// GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8;
    /// repeated StringStringEntryProto metadata_props = 14; }`,
    /// `OperatorSetIdProto { string domain = 1; int64 version = 2; }`,
    /// `StringStringEntryProto { string key = 1; string value = 2; }`.
    public func serialized() -> [UInt8] {
        var model = ProtobufEncoder()
        model.appendInt64(field: 1, Self.irVersion)
        model.appendString(field: 2, "exptrain")
        if !producerVersion.isEmpty { model.appendString(field: 3, producerVersion) }
        if !documentation.isEmpty { model.appendString(field: 6, documentation) }
        model.appendMessage(field: 7, graph.encoded())
        var opset = ProtobufEncoder()
        opset.appendString(field: 1, "")
        opset.appendInt64(field: 2, Self.opsetVersion)
        model.appendMessage(field: 8, opset)
        for (key, value) in metadata {
            var entry = ProtobufEncoder()
            entry.appendString(field: 1, key)
            entry.appendString(field: 2, value)
            model.appendMessage(field: 14, entry)
        }
        return model.bytes
    }
}

extension ONNXGraph {
    /// `GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto
    /// initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }`.
    func encoded() -> ProtobufEncoder {
        var graph = ProtobufEncoder()
        for node in nodes { graph.appendMessage(field: 1, node.encoded()) }
        graph.appendString(field: 2, name)
        for constant in initializers { graph.appendMessage(field: 5, constant.encoded()) }
        for input in inputs { graph.appendMessage(field: 11, input.encoded()) }
        for output in outputs { graph.appendMessage(field: 12, output.encoded()) }
        return graph
    }
}

extension ONNXGraph.Node {
    /// `NodeProto { repeated string input = 1; repeated string output = 2; string name = 3;
    /// string op_type = 4; repeated AttributeProto attribute = 5; }` (default domain).
    func encoded() -> ProtobufEncoder {
        var node = ProtobufEncoder()
        for input in inputs { node.appendString(field: 1, input) }
        for output in outputs { node.appendString(field: 2, output) }
        node.appendString(field: 3, name)
        node.appendString(field: 4, operatorType)
        for attribute in attributes { node.appendMessage(field: 5, attribute.encoded()) }
        return node
    }
}

extension ONNXGraph.Attribute {
    /// `AttributeProto { string name = 1; float f = 2; int64 i = 3; repeated int64 ints = 8;
    /// AttributeType type = 20; }` with `FLOAT = 1`, `INT = 2`, `INTS = 7`.
    func encoded() -> ProtobufEncoder {
        var attribute = ProtobufEncoder()
        attribute.appendString(field: 1, name)
        switch value {
        case .float(let value):
            attribute.appendFloat(field: 2, value)
            attribute.appendInt64(field: 20, 1)
        case .int(let value):
            attribute.appendInt64(field: 3, Int64(value))
            attribute.appendInt64(field: 20, 2)
        case .ints(let values):
            for value in values { attribute.appendInt64(field: 8, Int64(value)) }
            attribute.appendInt64(field: 20, 7)
        }
        return attribute
    }
}

extension ONNXGraph.Constant {
    /// `TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }`.
    func encoded() -> ProtobufEncoder {
        var tensor = ProtobufEncoder()
        for dimension in shape { tensor.appendInt64(field: 1, Int64(dimension)) }
        tensor.appendInt64(field: 2, elementType.rawValue)
        tensor.appendString(field: 8, name)
        tensor.appendBytes(field: 9, rawData)
        return tensor
    }
}

extension ONNXGraph.ValueInfo {
    /// `ValueInfoProto { string name = 1; TypeProto type = 2; string doc_string = 3; }`,
    /// `TypeProto { TypeProto.Tensor tensor_type = 1; }`, `TypeProto.Tensor { int32 elem_type = 1;
    /// TensorShapeProto shape = 2; }`, `TensorShapeProto { repeated Dimension dim = 1; }`,
    /// `Dimension { int64 dim_value = 1; string dim_param = 2; }`.
    func encoded() -> ProtobufEncoder {
        var shapeMessage = ProtobufEncoder()
        for dimension in shape {
            var dim = ProtobufEncoder()
            switch dimension {
            case .fixed(let size): dim.appendInt64(field: 1, Int64(size))
            case .named(let symbol): dim.appendString(field: 2, symbol)
            }
            shapeMessage.appendMessage(field: 1, dim)
        }
        var tensorType = ProtobufEncoder()
        tensorType.appendInt64(field: 1, elementType.rawValue)
        tensorType.appendMessage(field: 2, shapeMessage)
        var type = ProtobufEncoder()
        type.appendMessage(field: 1, tensorType)
        var info = ProtobufEncoder()
        info.appendString(field: 1, name)
        info.appendMessage(field: 2, type)
        if !documentation.isEmpty { info.appendString(field: 3, documentation) }
        return info
    }
}
