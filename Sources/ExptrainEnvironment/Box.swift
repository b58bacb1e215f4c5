/// How the values of a `Box` are stored: 32-bit floats, or bytes (images).
public enum ElementType: String, Sendable, Hashable, Codable {
    case float32
    case uint8
}

/// An n-dimensional box of values with element-wise bounds (Gymnasium's `Box`).
///
/// ```swift
/// let position = Box(shape: [2], low: -1, high: 1)
/// let image = Box(shape: [64, 64, 3], low: 0, high: 255, elementType: .uint8)
/// ```
public struct Box: Sendable, Hashable, CustomStringConvertible {
    /// The logical shape; a value has `shape.reduce(1, *)` elements, stored row-major.
    public var shape: [Int]
    /// Lower bound of each element (may be `-.infinity`).
    public var low: [Float]
    /// Upper bound of each element (may be `.infinity`).
    public var high: [Float]
    /// How the elements are stored.
    public var elementType: ElementType

    /// A box of the given shape and element-wise bounds.
    public init(shape: [Int], low: [Float], high: [Float], elementType: ElementType = .float32) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "a Box's shape must not have negative sizes, got \(shape)")
        precondition(low.count == count && high.count == count, "a Box of shape \(shape) needs \(count) bounds, got \(low.count) and \(high.count)")
        self.shape = shape
        self.low = low
        self.high = high
        self.elementType = elementType
    }

    /// A box of the given shape whose elements all share the same bounds.
    public init(shape: [Int], low: Float, high: Float, elementType: ElementType = .float32) {
        let count = shape.reduce(1, *)
        self.init(
            shape: shape, low: [Float](repeating: low, count: count), high: [Float](repeating: high, count: count),
            elementType: elementType)
    }

    /// The number of elements in one value.
    public var size: Int { shape.reduce(1, *) }

    public var description: String {
        "Box(shape: \(shape)\(elementType == .uint8 ? ", uint8" : ""))"
    }
}
