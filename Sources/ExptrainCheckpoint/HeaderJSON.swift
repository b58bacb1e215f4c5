import ExptrainIO

/// A JSON value as parsed from a safetensors header.
///
/// The header is parsed here rather than with `JSONSerialization` because validation
/// needs two things it hides: the order of an object's keys, and whether a key appears
/// twice (a corrupt or hand-edited header can name one tensor twice).
enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// A number kept as written, so integers of any size are read exactly.
    case number(String)
    case bool(Bool)
    case null

    /// A word for the kind of value, for error messages ("a number, not a string").
    var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// The value as a non-negative integer, if it is written as one.
    var nonNegativeInteger: Int? {
        guard case let .number(text) = self, let value = Int(text), value >= 0 else { return nil }
        return value
    }

    /// The value written as compact JSON, for error messages.
    var compactText: String {
        switch self {
        case let .object(members): "{" + members.map { jsonQuoted($0.key) + ":" + $0.value.compactText }.joined(separator: ",") + "}"
        case let .array(elements): "[" + elements.map(\.compactText).joined(separator: ",") + "]"
        case let .string(text): jsonQuoted(text)
        case let .number(text): text
        case let .bool(flag): flag ? "true" : "false"
        case .null: "null"
        }
    }
}

/// Where and why a header is not valid JSON.
struct HeaderJSONSyntaxError: Error {
    let byteOffset: Int
    let reason: String
}

/// A strict JSON parser (RFC 8259) over UTF-8 bytes that keeps key order and
/// duplicates. Surrounding whitespace is allowed, which covers the spaces the
/// reference writer pads headers with.
struct HeaderJSONParser {
    private let bytes: [UInt8]
    private var position = 0

    /// Parses `bytes` as exactly one JSON value.
    static func parse(_ bytes: [UInt8]) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        var parser = HeaderJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // A header nests three levels; the limit only stops a hostile file from
    // exhausting the stack.
    private static let maximumDepth = 64

    private mutating func parseValue(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        guard depth < Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
        guard let byte = peek() else { throw error("unexpected end of header") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character \(Self.shown(byte))")
        }
    }

    private mutating func parseObject(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        position += 1
        var members: [(key: String, value: HeaderJSON)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error(peek() == nil ? "unexpected end of header" : "expected a quoted key") }
            let key = try parseString()
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                position += 1
            } else {
                try expect("}")
                return .object(members)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(HeaderJSONSyntaxError) -> HeaderJSON {
        position += 1
        var elements: [HeaderJSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                position += 1
            } else {
                try expect("]")
                return .array(elements)
            }
        }
    }

    private mutating func parseString() throws(HeaderJSONSyntaxError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flushRun(upTo end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\""):
                flushRun(upTo: position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRun(upTo: position)
                position += 1
                scalars.append(try parseEscape())
                runStart = position
            case 0..<0x20:
                throw error("control character inside a string")
            default:
                position += 1
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseEscape() throws(HeaderJSONSyntaxError) -> Unicode.Scalar {
        guard let byte = peek() else { throw error("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHexUnit()
            if UTF16.isLeadSurrogate(unit) {
                guard peek() == UInt8(ascii: "\\"), peek(at: 1) == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                position += 2
                let trail = try parseHexUnit()
                guard UTF16.isTrailSurrogate(trail) else { throw error("unpaired surrogate in \\u escape") }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(trail) - 0xDC00)
                return Unicode.Scalar(value)!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw error("unpaired surrogate in \\u escape") }
            return scalar
        default:
            throw error("invalid escape: a backslash before \(Self.shown(byte))")
        }
    }

    private mutating func parseHexUnit() throws(HeaderJSONSyntaxError) -> UInt16 {
        guard position + 4 <= bytes.count,
              let unit = UInt16(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
        else { throw error("\\u must be followed by four hex digits") }
        position += 4
        return unit
    }

    private mutating func parseNumber() throws(HeaderJSONSyntaxError) -> String {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else {
            guard skipDigits() > 0 else { throw error("a number needs digits") }
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() > 0 else { throw error("a number needs digits after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw error("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        let start = position
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        return position - start
    }

    private mutating func expectWord(_ word: String) throws(HeaderJSONSyntaxError) {
        for expected in word.utf8 {
            guard peek() == expected else { throw error("expected '\(word)'") }
            position += 1
        }
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(HeaderJSONSyntaxError) {
        guard peek() == UInt8(ascii: character) else {
            throw error(peek() == nil ? "unexpected end of header" : "expected '\(character)'")
        }
        position += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private func peek(at distance: Int = 0) -> UInt8? {
        position + distance < bytes.count ? bytes[position + distance] : nil
    }

    /// A byte as an error message shows it: printable ASCII quoted, anything else (a
    /// newline, a control character, part of a UTF-8 sequence) by its value, so the
    /// message stays one line.
    private static func shown(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private func error(_ reason: String) -> HeaderJSONSyntaxError {
        HeaderJSONSyntaxError(byteOffset: position, reason: reason)
    }
}
