/// An ONNX graph being built: named inputs and outputs, constant tensors (initialisers)
/// and nodes, each node an operator of the default domain (opset `ONNXModel.opsetVersion`)
/// reading values by name and writing new ones.
///
/// Values get fresh names from `apply`/`node`; constants keep the names given (a model's
/// parameter names, so the graph reads like its checkpoint).
///
/// ```swift
/// var graph = ONNXGraph(name: "policy")
/// graph.addInput("observation", .float, [.named("N"), .fixed(4)])
/// let weight = graph.constant("actor.weight", shape: [2, 4], floats: w)
/// let bias = graph.constant("actor.bias", shape: [2], floats: b)
/// let logits = graph.apply("Gemm", ["observation", weight, bias], [.int("transB", 1)])   // x Wᵀ + b
/// graph.addOutput("logits", from: logits, .float, [.named("N"), .fixed(2)])
/// ```
public struct ONNXGraph: Sendable {
    /// The graph's name in the model file.
    public let name: String
    public private(set) var inputs: [ValueInfo] = []
    public private(set) var outputs: [ValueInfo] = []
    public private(set) var initializers: [Constant] = []
    public private(set) var nodes: [Node] = []
    private var usedNames: Set<String> = []

    public init(name: String) {
        self.name = name
    }

    /// A tensor element type (`TensorProto.DataType`).
    public enum ElementType: Int64, Sendable {
        case float = 1
        case int64 = 7
    }

    /// One axis of a declared shape: a fixed size, or a symbol such as the batch `N`.
    public enum Dimension: Sendable, Equatable {
        case fixed(Int)
        case named(String)
    }

    /// A graph input or output: its name, element type, shape and what it means.
    public struct ValueInfo: Sendable {
        public let name: String
        public let elementType: ElementType
        public let shape: [Dimension]
        public let documentation: String
    }

    /// A constant tensor the graph holds (an initialiser): floats or 64-bit integers.
    public struct Constant: Sendable {
        public let name: String
        public let shape: [Int]
        public let elementType: ElementType
        /// The values, little-endian, as `TensorProto.raw_data` holds them.
        public let rawData: [UInt8]
    }

    /// One operator application.
    public struct Node: Sendable {
        public let operatorType: String
        public let name: String
        /// Value names read; `""` leaves an optional input out.
        public let inputs: [String]
        public let outputs: [String]
        public let attributes: [Attribute]
    }

    /// A node attribute: its name and value.
    public struct Attribute: Sendable {
        public enum Value: Sendable {
            case int(Int)
            case ints([Int])
            case float(Float)
        }

        public let name: String
        public let value: Value

        public static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name: name, value: .int(value)) }
        public static func ints(_ name: String, _ values: [Int]) -> Attribute { Attribute(name: name, value: .ints(values)) }
        public static func float(_ name: String, _ value: Float) -> Attribute { Attribute(name: name, value: .float(value)) }
    }

    /// Declares an input the caller feeds.
    public mutating func addInput(_ name: String, _ elementType: ElementType, _ shape: [Dimension], documentation: String = "") {
        claim(name)
        inputs.append(ValueInfo(name: name, elementType: elementType, shape: shape, documentation: documentation))
    }

    /// Declares the output `name`, holding the value `value` (through an `Identity` node
    /// when the names differ).
    public mutating func addOutput(
        _ name: String, from value: String, _ elementType: ElementType, _ shape: [Dimension], documentation: String = ""
    ) {
        if value != name {
            claim(name)
            nodes.append(Node(operatorType: "Identity", name: name, inputs: [value], outputs: [name], attributes: []))
        }
        outputs.append(ValueInfo(name: name, elementType: elementType, shape: shape, documentation: documentation))
    }

    /// A float constant `name` of `shape`; returns its name.
    @discardableResult
    public mutating func constant(_ name: String, shape: [Int], floats values: [Float]) -> String {
        precondition(values.count == shape.reduce(1, *), "constant \(name): \(values.count) values for shape \(shape)")
        var raw: [UInt8] = []
        raw.reserveCapacity(4 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        return addConstant(Constant(name: name, shape: shape, elementType: .float, rawData: raw))
    }

    /// A 64-bit integer constant `name` of `shape` (shapes, axes, indices); returns its name.
    @discardableResult
    public mutating func constant(_ name: String, shape: [Int], int64s values: [Int64]) -> String {
        precondition(values.count == shape.reduce(1, *), "constant \(name): \(values.count) values for shape \(shape)")
        var raw: [UInt8] = []
        raw.reserveCapacity(8 * values.count)
        for value in values { withUnsafeBytes(of: value.littleEndian) { raw.append(contentsOf: $0) } }
        return addConstant(Constant(name: name, shape: shape, elementType: .int64, rawData: raw))
    }

    /// Applies `operatorType` to `inputs`, returning the names of its `outputCount` new values.
    @discardableResult
    public mutating func node(_ operatorType: String, _ inputs: [String], _ attributes: [Attribute] = [], outputCount: Int) -> [String] {
        let name = freshName(operatorType)
        let outputs = (0..<outputCount).map { outputCount == 1 ? name : "\(name).\($0)" }
        outputs.forEach { claim($0) }
        nodes.append(Node(operatorType: operatorType, name: name, inputs: inputs, outputs: outputs, attributes: attributes))
        return outputs
    }

    /// Applies a single-output operator to `inputs`; returns the new value's name.
    public mutating func apply(_ operatorType: String, _ inputs: [String], _ attributes: [Attribute] = []) -> String {
        node(operatorType, inputs, attributes, outputCount: 1)[0]
    }

    /// A name not used yet, `<operator>_<n>` in lower case.
    private mutating func freshName(_ operatorType: String) -> String {
        var index = nodes.count
        while usedNames.contains("\(operatorType.lowercased())_\(index)") { index += 1 }
        return "\(operatorType.lowercased())_\(index)"
    }

    private mutating func addConstant(_ constant: Constant) -> String {
        claim(constant.name)
        initializers.append(constant)
        return constant.name
    }

    private mutating func claim(_ name: String) {
        precondition(!usedNames.contains(name), "the ONNX graph already has a value named '\(name)'")
        usedNames.insert(name)
    }
}
