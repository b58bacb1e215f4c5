/// The contents of a safetensors file: named tensors plus string metadata.
///
/// The format is an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// describing each tensor (`dtype`, `shape`, `data_offsets` into the data that
/// follows) and an optional `"__metadata__"` object of strings, then the tensors'
/// raw little-endian bytes back to back. exptrain stores model parameters and
/// optimizer state as tensors and the trainer state in the metadata.
///
/// Tensors are written in the order given and read back in the order of their data
/// in the file, so a file written here reads back in the same order.
///
/// ```swift
/// let checkpoint = SafetensorsFile(
///     tensors: [NamedTensor(name: "policy.weight", shape: [2, 2], floats: [1, 2, 3, 4])],
///     metadata: ["total_steps": "500000", "tag": "cartpole"])
/// try checkpoint.write(to: "runs/cartpole/checkpoints/step-500000.safetensors")
///
/// let loaded = try SafetensorsFile.read(from: "runs/cartpole/checkpoints/step-500000.safetensors")
/// let weight = try loaded.tensor(named: "policy.weight")?.floats()
/// ```
public struct SafetensorsFile: Sendable, Equatable {
    /// The tensors, in file order. Names must be unique and must not be `__metadata__`.
    public var tensors: [NamedTensor]
    /// Free-form string pairs stored under the header's `"__metadata__"` key.
    public var metadata: [String: String]

    public init(tensors: [NamedTensor] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, or nil if there is none.
    public func tensor(named name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }

    /// The header key that holds `metadata` instead of a tensor.
    static let metadataKey = "__metadata__"

    /// The largest header accepted when reading, as in the reference implementation:
    /// a larger length field means a corrupt file, not a real header.
    static let maximumHeaderLength = 100_000_000
}
