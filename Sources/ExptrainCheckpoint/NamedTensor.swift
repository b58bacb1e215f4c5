/// One tensor of a checkpoint: a name, an element type, a shape and the raw
/// little-endian bytes of its elements in row-major order.
///
/// Build one from typed values and read them back with the accessor of the same type;
/// asking for another type is an error, because it means the checkpoint does not match
/// the model that reads it.
///
/// ```swift
/// let weight = NamedTensor(name: "policy.linear1.weight", shape: [64, 4], floats: weights)
/// let restored: [Float] = try weight.floats()
/// let step = NamedTensor(name: "optimizer.step", int64s: [1200])   // shape [1]
/// ```
public struct NamedTensor: Sendable, Equatable {
    public let name: String
    public let elementType: TensorElementType
    /// Sizes of the dimensions, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// The elements' little-endian bytes; exactly `elementCount * elementType.byteSize`.
    public let bytes: [UInt8]

    /// A tensor from raw little-endian bytes, for element types without a typed
    /// initialiser.
    ///
    /// - Precondition: `bytes.count` is the product of `shape` times the element size.
    public init(name: String, elementType: TensorElementType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor \(name) has a negative dimension in shape \(shape)")
        let expected = shape.reduce(1, *) * elementType.byteSize
        precondition(bytes.count == expected, "tensor \(name) of shape \(shape) and type \(elementType.rawValue) needs \(expected) bytes, got \(bytes.count)")
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.bytes = bytes
    }

    /// An `F32` tensor; `shape` defaults to one dimension of `floats.count`.
    public init(name: String, shape: [Int]? = nil, floats: [Float]) {
        self.init(name: name, elementType: .float32, shape: shape ?? [floats.count], bytes: littleEndianBytes(floats.map(\.bitPattern)))
    }

    /// An `F64` tensor; `shape` defaults to one dimension of `doubles.count`.
    public init(name: String, shape: [Int]? = nil, doubles: [Double]) {
        self.init(name: name, elementType: .float64, shape: shape ?? [doubles.count], bytes: littleEndianBytes(doubles.map(\.bitPattern)))
    }

    /// An `I64` tensor; `shape` defaults to one dimension of `int64s.count`.
    public init(name: String, shape: [Int]? = nil, int64s: [Int64]) {
        self.init(name: name, elementType: .int64, shape: shape ?? [int64s.count], bytes: littleEndianBytes(int64s))
    }

    /// A `U64` tensor; `shape` defaults to one dimension of `uint64s.count`.
    public init(name: String, shape: [Int]? = nil, uint64s: [UInt64]) {
        self.init(name: name, elementType: .uint64, shape: shape ?? [uint64s.count], bytes: littleEndianBytes(uint64s))
    }

    /// A `U8` tensor; `shape` defaults to one dimension of `uint8s.count`.
    public init(name: String, shape: [Int]? = nil, uint8s: [UInt8]) {
        self.init(name: name, elementType: .uint8, shape: shape ?? [uint8s.count], bytes: uint8s)
    }

    /// The number of elements: the product of the shape (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements of an `F32` tensor, bit for bit (NaN payloads and signed zeros kept).
    public func floats() throws(CheckpointFormatError) -> [Float] {
        try requireType(.float32)
        return decodeLittleEndian(UInt32.self).map(Float.init(bitPattern:))
    }

    /// The elements of an `F64` tensor, bit for bit.
    public func doubles() throws(CheckpointFormatError) -> [Double] {
        try requireType(.float64)
        return decodeLittleEndian(UInt64.self).map(Double.init(bitPattern:))
    }

    /// The elements of an `I64` tensor.
    public func int64s() throws(CheckpointFormatError) -> [Int64] {
        try requireType(.int64)
        return decodeLittleEndian(Int64.self)
    }

    /// The elements of a `U64` tensor.
    public func uint64s() throws(CheckpointFormatError) -> [UInt64] {
        try requireType(.uint64)
        return decodeLittleEndian(UInt64.self)
    }

    /// The elements of a `U8` tensor.
    public func uint8s() throws(CheckpointFormatError) -> [UInt8] {
        try requireType(.uint8)
        return bytes
    }

    private func requireType(_ expected: TensorElementType) throws(CheckpointFormatError) {
        guard elementType == expected else {
            throw CheckpointFormatError("tensor \(name) holds \(elementType.rawValue) values, but \(expected.rawValue) was expected: the checkpoint does not match this model")
        }
    }

    private func decodeLittleEndian<Word: FixedWidthInteger>(_: Word.Type) -> [Word] {
        let size = MemoryLayout<Word>.size
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / size)).map { Word(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: Word.self)) }
        }
    }
}

/// The words' bytes in little-endian order, copied in one piece.
private func littleEndianBytes<Word: FixedWidthInteger>(_ words: [Word]) -> [UInt8] {
    #if _endian(big)
    return words.map(\.byteSwapped).withUnsafeBytes { Array($0) }
    #else
    return words.withUnsafeBytes { Array($0) }
    #endif
}
