/// The protocol buffer wire format, for the messages exptrain writes (TensorBoard events,
/// ONNX models) without a protobuf dependency: each field is a key (field number << 3 |
/// wire type) followed by its value — a varint for integers and enums, a little-endian
/// fixed-width word for `double` and `float`, and a length prefix for strings, bytes and
/// nested messages. A repeated field is the same field appended once per element (the
/// unpacked form, which every parser reads).
///
/// ```swift
/// var value = ProtobufEncoder()
/// value.appendString(field: 1, "train/return")
/// value.appendFloat(field: 2, 475)
/// var summary = ProtobufEncoder()
/// summary.appendMessage(field: 1, value)
/// file.write(summary.bytes)
/// ```
public struct ProtobufEncoder: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Empties the bytes, keeping their capacity: an encoder kept across calls encodes
    /// its next message without allocating once it has reached that message's size.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    private enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// An `int64` (or `int32`, or enum) field; negative values take ten bytes, as protobuf specifies.
    public mutating func appendInt64(field: Int, _ value: Int64) {
        appendKey(field: field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    public mutating func appendDouble(field: Int, _ value: Double) {
        appendKey(field: field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `float` field.
    public mutating func appendFloat(field: Int, _ value: Float) {
        appendKey(field: field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `string` field, UTF-8 encoded.
    public mutating func appendString(field: Int, _ value: String) {
        appendKey(field: field, .lengthDelimited)
        appendVarint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    public mutating func appendBytes(field: Int, _ payload: [UInt8]) {
        appendKey(field: field, .lengthDelimited)
        appendVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    /// The key and length prefix of an embedded message field whose `length` bytes of
    /// fields the caller appends next: the message encoded in place, the same bytes as
    /// `appendMessage(field:_:)` of an encoder holding those fields, without that encoder.
    /// `length` must be exactly the fields' size (see `lengthDelimitedSize`, `fixed32Size`).
    public mutating func appendMessageHeader(field: Int, length: Int) {
        appendKey(field: field, .lengthDelimited)
        appendVarint(UInt64(length))
    }

    /// The bytes a length-delimited field (string, bytes, embedded message) of `length`
    /// payload bytes takes: key, varint length, payload.
    public static func lengthDelimitedSize(field: Int, length: Int) -> Int {
        varintSize(UInt64(field) << 3) + varintSize(UInt64(length)) + length
    }

    /// The bytes a `float` (fixed32) field takes: key and 4 bytes.
    public static func fixed32Size(field: Int) -> Int {
        varintSize(UInt64(field) << 3) + 4
    }

    /// The bytes `value` takes as a varint: one per started 7 bits, at least one.
    static func varintSize(_ value: UInt64) -> Int {
        max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }

    /// An embedded message field, given the message's encoded bytes.
    public mutating func appendMessage(field: Int, _ message: ProtobufEncoder) {
        appendBytes(field: field, message.bytes)
    }

    private mutating func appendKey(field: Int, _ wireType: WireType) {
        appendVarint(UInt64(field) << 3 | wireType.rawValue)
    }

    /// Seven bits per byte, least significant first, high bit set on all but the last.
    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
