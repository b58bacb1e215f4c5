import ExptrainIO

extension SafetensorsFile {
    /// The file's bytes: header length, JSON header, tensor data.
    ///
    /// The header is compact JSON with `"__metadata__"` first (keys sorted, omitted when
    /// empty) and then the tensors in order, padded with spaces to a multiple of 8 bytes
    /// as the reference writer does, so the data starts 8-byte aligned. A file with the
    /// same tensors in the same order as one written by the Python `safetensors` package
    /// is byte-for-byte identical to it.
    ///
    /// - Precondition: tensor names are unique and none is `__metadata__`.
    public func serialized() -> [UInt8] {
        var header = Array(headerJSON().utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        let dataLength = tensors.reduce(0) { $0 + $1.bytes.count }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + dataLength)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for tensor in tensors {
            bytes.append(contentsOf: tensor.bytes)
        }
        return bytes
    }

    private func headerJSON() -> String {
        var seen: Set<String> = [Self.metadataKey]
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }
            members.append(jsonQuoted(Self.metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            precondition(seen.insert(tensor.name).inserted, "a safetensors file cannot hold two tensors named \(tensor.name), nor one named \(Self.metadataKey)")
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append(jsonQuoted(tensor.name) + ":{\"dtype\":\"\(tensor.elementType.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
