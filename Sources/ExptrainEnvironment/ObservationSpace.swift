/// One named part of an observation (AllenAct's sensor): a `Box` of floats or bytes.
public struct ObservationPart: Sendable, Hashable {
    public var name: String
    public var box: Box

    public init(_ name: String, _ box: Box) {
        self.name = name
        self.box = box
    }
}

/// The observations a task produces: one `Box`, or a dictionary of named boxes
/// (Gymnasium's `Dict`, AllenAct's sensors: an `rgb` image of bytes beside a `goal` vector).
///
/// An `Observation` keeps its Float32 parts one after another in `floats` and its UInt8
/// parts one after another in `bytes`, in the order of `parts`; `floatOffset(of:)` and
/// `byteOffset(of:)` say where a part starts. Rollout storage follows the same layout, so
/// a byte image stays bytes all the way to the model.
///
/// ```swift
/// let flat = ObservationSpace(shape: [4], low: -1, high: 1)
/// let sensors = ObservationSpace.dictionary([
///     ObservationPart("rgb", Box(shape: [64, 64, 3], low: 0, high: 255, elementType: .uint8)),
///     ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
/// ])
/// sensors.floatCount   // 2
/// sensors.byteCount    // 12_288
/// ```
public struct ObservationSpace: Sendable, Hashable, CustomStringConvertible {
    /// The parts, in storage order.
    public let parts: [ObservationPart]
    /// Whether the observation is a dictionary (else a single Box, the one part).
    public let isDictionary: Bool

    /// A single Box.
    public static func box(_ box: Box) -> ObservationSpace {
        ObservationSpace(parts: [ObservationPart("observation", box)], isDictionary: false)
    }

    /// A dictionary of named boxes, kept in the given order.
    public static func dictionary(_ parts: [ObservationPart]) -> ObservationSpace {
        precondition(Set(parts.map(\.name)).count == parts.count, "observation part names must be distinct: \(parts.map(\.name))")
        return ObservationSpace(parts: parts, isDictionary: true)
    }

    /// A single Float32 Box with element-wise bounds.
    public init(shape: [Int], low: [Float], high: [Float]) {
        self = .box(Box(shape: shape, low: low, high: high))
    }

    /// A single Float32 Box whose elements share the same bounds.
    public init(shape: [Int], low: Float, high: Float) {
        self = .box(Box(shape: shape, low: low, high: high))
    }

    private init(parts: [ObservationPart], isDictionary: Bool) {
        self.parts = parts
        self.isDictionary = isDictionary
    }

    /// Floats in one observation: the sizes of the Float32 parts.
    public var floatCount: Int { parts.filter { $0.box.elementType == .float32 }.reduce(0) { $0 + $1.box.size } }
    /// Bytes in one observation: the sizes of the UInt8 parts.
    public var byteCount: Int { parts.filter { $0.box.elementType == .uint8 }.reduce(0) { $0 + $1.box.size } }

    /// The part called `name`.
    public func part(_ name: String) -> ObservationPart? { parts.first { $0.name == name } }

    /// Where the Float32 part `name` starts in `Observation.floats`.
    public func floatOffset(of name: String) -> Int? { offset(of: name, type: .float32) }
    /// Where the UInt8 part `name` starts in `Observation.bytes`.
    public func byteOffset(of name: String) -> Int? { offset(of: name, type: .uint8) }

    private func offset(of name: String, type: ElementType) -> Int? {
        var offset = 0
        for part in parts where part.box.elementType == type {
            if part.name == name { return offset }
            offset += part.box.size
        }
        return nil
    }

    /// Throws when `observation` does not have this space's sizes.
    public func check(_ observation: Observation) throws(SpaceError) {
        guard observation.floats.count == floatCount, observation.bytes.count == byteCount else {
            throw SpaceError("an observation of \(observation.floats.count) floats and \(observation.bytes.count) bytes does not fit \(self), which needs \(floatCount) and \(byteCount)")
        }
    }

    public var description: String {
        guard isDictionary else { return parts[0].box.description }
        return "Dict(" + parts.map { "\($0.name): \($0.box)" }.joined(separator: ", ") + ")"
    }
}

/// One observation: the Float32 parts of its space, one after another, in `floats`, and
/// the UInt8 parts in `bytes` (see `ObservationSpace`).
///
/// A task keeps its observation in one value that it updates in place, so handing it out
/// copies nothing; the caller copies it out before the next step.
public struct Observation: Sendable, Hashable {
    public var floats: [Float]
    public var bytes: [UInt8]

    public init(floats: [Float] = [], bytes: [UInt8] = []) {
        self.floats = floats
        self.bytes = bytes
    }

    /// A zero observation of `space`'s sizes.
    public init(zerosOf space: ObservationSpace) {
        self.init(floats: [Float](repeating: 0, count: space.floatCount), bytes: [UInt8](repeating: 0, count: space.byteCount))
    }
}
