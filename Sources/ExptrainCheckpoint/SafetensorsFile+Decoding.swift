import ExptrainIO

extension SafetensorsFile {
    /// Parses a safetensors file from its bytes, checking everything a reader relies
    /// on: the header length, the JSON, each tensor's type, shape and offsets, that the
    /// tensors tile the data exactly and that names are unique.
    ///
    /// Both headers padded with spaces (as the reference writer pads them) and unpadded
    /// headers are accepted. Tensors come back sorted by their position in the data.
    ///
    /// - Parameter source: how to name the file in error messages, usually its path.
    /// - Throws: `CheckpointFormatError` with a one-line message naming `source`.
    ///
    /// ```swift
    /// let checkpoint = try SafetensorsFile(bytes: received, source: "checkpoint from rank 0")
    /// ```
    public init(bytes: [UInt8], source: String = "(in memory)") throws(CheckpointFormatError) {
        func corrupt(_ problem: String) -> CheckpointFormatError {
            CheckpointFormatError("checkpoint \(source) \(problem)")
        }

        guard bytes.count >= 8 else {
            throw corrupt("is truncated: it has \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        guard headerLength <= Self.maximumHeaderLength else {
            throw corrupt("is not a safetensors file or is corrupt: its header length \(headerLength) is over the 100 MB limit")
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= bytes.count else {
            throw corrupt("is truncated: header length says \(headerLength) bytes of header, file has \(bytes.count - 8) after the length")
        }

        let header = try Self.parseHeader(Array(bytes[8..<dataStart]), corrupt: corrupt)
        let dataLength = bytes.count - dataStart
        guard header.dataEnd <= dataLength else {
            throw corrupt("is truncated: header says \(header.dataEnd) bytes of tensors, file has \(dataLength)")
        }
        guard header.dataEnd == dataLength else {
            throw corrupt("is corrupt: it has \(dataLength - header.dataEnd) bytes after the last tensor (header says \(header.dataEnd) bytes of tensors, file has \(dataLength))")
        }

        self.metadata = header.metadata
        self.tensors = header.entries.map { entry in
            NamedTensor(name: entry.name, elementType: entry.elementType, shape: entry.shape,
                        bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]))
        }
    }

    /// One tensor's description in the header.
    private struct HeaderEntry {
        let name: String
        let elementType: TensorElementType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// A validated header: entries sorted by offset and tiling `0..<dataEnd`.
    private struct ValidatedHeader {
        var entries: [HeaderEntry] = []
        var metadata: [String: String] = [:]
        var dataEnd = 0
    }

    private static func parseHeader(
        _ headerBytes: [UInt8], corrupt: (String) -> CheckpointFormatError
    ) throws(CheckpointFormatError) -> ValidatedHeader {
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw corrupt("has a corrupt header: it is not valid UTF-8")
        }
        let json: HeaderJSON
        do throws(HeaderJSONSyntaxError) {
            json = try HeaderJSONParser.parse(headerBytes)
        } catch {
            throw corrupt("has a corrupt header: not valid JSON at byte \(error.byteOffset) of the header (\(error.reason))")
        }
        guard case let .object(members) = json else {
            throw corrupt("has a corrupt header: it should be a JSON object but is \(json.kindDescription)")
        }

        var header = ValidatedHeader()
        var names: Set<String> = []
        for (key, value) in members {
            guard names.insert(key).inserted else {
                throw corrupt("has a corrupt header: \(jsonQuoted(key)) appears more than once")
            }
            if key == metadataKey {
                header.metadata = try parseMetadata(value, corrupt: corrupt)
            } else {
                header.entries.append(try parseEntry(named: key, value, corrupt: corrupt))
            }
        }

        // Sorting by (begin, end) keeps empty tensors, which share an offset with
        // their neighbour, in a valid tiling order.
        header.entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for entry in header.entries {
            guard entry.begin == header.dataEnd else {
                let relation = entry.begin < header.dataEnd ? "overlapping it" : "leaving a gap"
                throw corrupt("has a corrupt header: tensor \(shown(entry.name)) starts at byte \(entry.begin) of the data but the tensor before it ends at \(header.dataEnd), \(relation) (data_offsets must be contiguous)")
            }
            header.dataEnd = entry.end
        }
        return header
    }

    private static func parseMetadata(
        _ value: HeaderJSON, corrupt: (String) -> CheckpointFormatError
    ) throws(CheckpointFormatError) -> [String: String] {
        guard case let .object(members) = value else {
            throw corrupt("has a corrupt header: \(metadataKey) should be an object of strings but is \(value.kindDescription)")
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case let .string(text) = value else {
                throw corrupt("has a corrupt header: \(metadataKey) value for \(jsonQuoted(key)) is \(value.kindDescription), not a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw corrupt("has a corrupt header: \(metadataKey) key \(jsonQuoted(key)) appears more than once")
            }
        }
        return metadata
    }

    private static func parseEntry(
        named name: String, _ value: HeaderJSON, corrupt: (String) -> CheckpointFormatError
    ) throws(CheckpointFormatError) -> HeaderEntry {
        func invalid(_ problem: String) -> CheckpointFormatError {
            corrupt("has a corrupt header: tensor \(shown(name)) \(problem)")
        }
        guard case let .object(fields) = value else {
            throw invalid("should be described by an object but is \(value.kindDescription)")
        }
        func field(_ key: String) throws(CheckpointFormatError) -> HeaderJSON {
            guard let value = fields.first(where: { $0.key == key })?.value else { throw invalid("has no \"\(key)\"") }
            return value
        }

        let dtype = try field("dtype")
        guard case let .string(typeName) = dtype else { throw invalid("has a dtype that is \(dtype.kindDescription), not a string") }
        guard let elementType = TensorElementType(rawValue: typeName) else {
            throw invalid("has unknown dtype \(jsonQuoted(typeName)) (known: \(TensorElementType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }

        let shapeValue = try field("shape")
        guard case let .array(dimensions) = shapeValue, let shape = nonNegativeIntegers(dimensions) else {
            throw invalid("has shape \(shapeValue.compactText), which is not a list of non-negative integers")
        }

        let offsetsValue = try field("data_offsets")
        guard case let .array(bounds) = offsetsValue, let offsets = nonNegativeIntegers(bounds), offsets.count == 2 else {
            throw invalid("has data_offsets \(offsetsValue.compactText), which is not two non-negative integers [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw invalid("has data_offsets [\(begin),\(end)] that end before they begin") }

        let shapeText = "[" + shape.map(String.init).joined(separator: ",") + "]"
        guard let byteCount = byteCount(of: shape, elementType), byteCount == end - begin else {
            throw invalid("has shape \(shapeText) of \(typeName) but data_offsets [\(begin),\(end)] span \(end - begin) bytes")
        }
        return HeaderEntry(name: name, elementType: elementType, shape: shape, begin: begin, end: end)
    }

    /// A tensor's name as an error message shows it: as written, or JSON-quoted when it
    /// holds a control character (a newline would break the message's one line).
    private static func shown(_ name: String) -> String {
        name.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.isWhitespace && $0 != " " } ? jsonQuoted(name) : name
    }

    private static func nonNegativeIntegers(_ values: [HeaderJSON]) -> [Int]? {
        var integers: [Int] = []
        for value in values {
            guard let integer = value.nonNegativeInteger else { return nil }
            integers.append(integer)
        }
        return integers
    }

    /// The bytes a tensor of `shape` needs, or nil if that overflows `Int`.
    private static func byteCount(of shape: [Int], _ elementType: TensorElementType) -> Int? {
        var count = elementType.byteSize
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
