/// `text` as a JSON string literal (RFC 8259): quote, backslash and control
/// characters escaped, everything else left as UTF-8 — the same bytes serde_json
/// and Python's `json.dumps(ensure_ascii=False)` write.
///
/// ```swift
/// jsonQuoted("a \"b\"\n")  // "\"a \\\"b\\\"\\n\""
/// ```
public func jsonQuoted(_ text: String) -> String {
    var quoted = UTF8Bytes()
    quoted.appendJSONQuoted(text)
    return String(decoding: quoted.bytes, as: UTF8.self)
}

/// A growing UTF-8 byte buffer that text is written into, kept across calls so a writer
/// that clears it (`removeAll(keepingCapacity: true)`) builds each record without
/// allocating once the buffer has reached its size.
///
/// As a `TextOutputStream` it takes numbers' text straight into the bytes:
/// `value.write(to: &buffer)` for a `Double` writes the same shortest round-trip digits
/// as `value.description`, without making a `String` of them first.
///
/// ```swift
/// var line = UTF8Bytes()
/// line.appendJSONQuoted("loss")
/// line.append(UInt8(ascii: ":"))
/// 0.25.write(to: &line)  // line.bytes: "loss":0.25
/// ```
public struct UTF8Bytes: TextOutputStream {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends `string`'s UTF-8 bytes.
    public mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    /// Appends ASCII text (the standard library writes numbers through this).
    public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }

    /// Appends one byte.
    public mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Empties the buffer, keeping its capacity for the next record.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends `text` as a JSON string literal, byte for byte what `jsonQuoted(text)` is:
    /// quote, backslash and the control characters U+0000–U+001F escaped (`\u` with four
    /// lower-case hexadecimal digits where JSON has no short escape), every other byte
    /// of the UTF-8 copied (bytes of multi-byte characters are all ≥ 0x80).
    public mutating func appendJSONQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): appendEscape(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): appendEscape(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): appendEscape(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): appendEscape(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): appendEscape(UInt8(ascii: "t"))
            case 0x08: appendEscape(UInt8(ascii: "b"))
            case 0x0C: appendEscape(UInt8(ascii: "f"))
            case 0x00...0x1F:
                appendEscape(UInt8(ascii: "u"))
                let hexDigits: StaticString = "0123456789abcdef"
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(hexDigits.utf8Start[Int(byte >> 4)])
                bytes.append(hexDigits.utf8Start[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ letter: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(letter)
    }
}
