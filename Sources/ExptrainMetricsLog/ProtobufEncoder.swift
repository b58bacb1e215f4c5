/// The few protocol buffer wire-format encodings a TensorBoard event needs, so event
/// files can be written without a protobuf dependency.
///
/// Each field is a key (field number << 3 | wire type) followed by its value: varints
/// for integers, little-endian fixed-width words for `double` and `float`, and a length
/// prefix for strings and nested messages.
struct ProtobufEncoder {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// An `int64` field; negative values take ten bytes, as protobuf specifies.
    mutating func appendInt64(field: Int, _ value: Int64) {
        appendKey(field: field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    mutating func appendDouble(field: Int, _ value: Double) {
        appendKey(field: field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `float` field.
    mutating func appendFloat(field: Int, _ value: Float) {
        appendKey(field: field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `string` field, UTF-8 encoded.
    mutating func appendString(field: Int, _ value: String) {
        appendLengthDelimited(field: field, Array(value.utf8))
    }

    /// An embedded message field, given the message's encoded bytes.
    mutating func appendMessage(field: Int, _ message: ProtobufEncoder) {
        appendLengthDelimited(field: field, message.bytes)
    }

    private mutating func appendLengthDelimited(field: Int, _ payload: [UInt8]) {
        appendKey(field: field, .lengthDelimited)
        appendVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
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
