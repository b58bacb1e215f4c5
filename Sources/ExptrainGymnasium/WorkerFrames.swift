import ExptrainEnvironment
import Foundation

/// The kinds of frame between a rank and its Gymnasium worker
/// (`Resources/gymnasium_worker.py` holds the other side).
///
/// Every frame is an 8-byte little-endian header — kind (`UInt32`), payload length
/// (`UInt32`) — and the payload. JSON is used once, for the handshake (`hello`, `spaces`,
/// `start`) and for errors; a batch step is one binary `step` frame out and one
/// `stepped` frame of a fixed size back.
public enum FrameKind: UInt32, Sendable {
    // rank → worker
    /// JSON: environment id, `make` keyword arguments, modules to import, set-up function.
    case hello = 1
    /// JSON: the number of environments and one seed for each.
    case start = 2
    /// Binary: the actions of every environment (`ActionFrame`).
    case step = 3
    /// Binary: `UInt32` environment index, whose episode is abandoned and reset.
    case resetOne = 4
    /// Empty: the worker closes its environments and exits.
    case close = 5
    // worker → rank
    /// JSON: the observation and action spaces, the episode step limit, versions.
    case spaces = 101
    /// Binary: every environment's first observation (`PayloadLayout`).
    case observations = 102
    /// Binary: what a step did (`PayloadLayout`), of a size fixed by the spaces.
    case stepped = 103
    /// Binary: one environment's observation after `resetOne`.
    case observation = 104
    /// JSON: `{"stage", "message", "exitCode"}`; the worker exits after sending it.
    case error = 199
}

/// The 8-byte header of a frame.
public struct FrameHeader: Sendable, Equatable {
    public static let size = 8
    /// Payloads larger than this are refused (a corrupt header must not make the rank allocate gigabytes).
    public static let maximumPayload = 1 << 30

    public var kind: UInt32
    public var length: Int

    public init(kind: UInt32, length: Int) {
        self.kind = kind
        self.length = length
    }

    public init(_ kind: FrameKind, length: Int) {
        self.init(kind: kind.rawValue, length: length)
    }

    /// Writes the header at the start of `buffer`.
    public func write(to buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size && length >= 0 && length <= Self.maximumPayload)
        buffer.storeBytes(of: kind.littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 4, as: UInt32.self)
    }

    /// The header at the start of `bytes`; throws when the length is impossible.
    public init(reading bytes: UnsafeRawBufferPointer) throws(FrameError) {
        guard bytes.count >= Self.size else { throw FrameError("a frame header needs 8 bytes, got \(bytes.count)") }
        kind = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        guard length <= Self.maximumPayload else { throw FrameError("a frame of \(length) bytes is larger than the \(Self.maximumPayload) allowed") }
        self.length = length
    }

    /// The header's bytes.
    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.withUnsafeMutableBytes { write(to: $0) }
        return bytes
    }
}

/// A frame that does not follow the protocol.
public struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A `step` frame: header, then every environment's action — `Int32` per component for
/// `Discrete` and `MultiDiscrete`, `Float32` per element for a `Box` — little-endian, in
/// environment order. The buffer is kept from step to step.
public struct ActionFrame {
    public let space: ActionSpace
    public let environments: Int
    /// Header and payload, ready to send.
    public private(set) var bytes: [UInt8]

    public init(space: ActionSpace, environments: Int) {
        self.space = space
        self.environments = environments
        let payload = environments * space.dimensions * 4
        bytes = [UInt8](repeating: 0, count: FrameHeader.size + payload)
        bytes.withUnsafeMutableBytes { FrameHeader(.step, length: payload).write(to: $0) }
    }

    /// Writes the action of `environment`; throws when it is not of the space's kind or
    /// lies outside a discrete space.
    public mutating func set(_ action: Action, environment: Int) throws(SpaceError) {
        let dimensions = space.dimensions
        let offset = FrameHeader.size + environment * dimensions * 4
        let space = space
        switch (space, action) {
        case (.discrete(let count), .discrete(let index)):
            guard (0..<count).contains(index) else { throw SpaceError("action \(index) is outside Discrete(\(count))") }
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: Int32(index).littleEndian, toByteOffset: offset, as: Int32.self) }
        case (.multiDiscrete(let counts), .multiDiscrete(let indices)):
            guard indices.count == counts.count, zip(indices, counts).allSatisfy({ (0..<$1).contains($0) }) else {
                throw SpaceError("action \(indices) is outside MultiDiscrete(\(counts))")
            }
            bytes.withUnsafeMutableBytes { raw in
                for (i, index) in indices.enumerated() {
                    raw.storeBytes(of: Int32(index).littleEndian, toByteOffset: offset + 4 * i, as: Int32.self)
                }
            }
        case (.box(let box), .continuous(let values)):
            guard values.count == box.size else { throw SpaceError("action of \(values.count) values for \(box)") }
            bytes.withUnsafeMutableBytes { raw in
                for (i, value) in values.enumerated() {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: offset + 4 * i, as: UInt32.self)
                }
            }
        default:
            throw SpaceError("action \(action) does not belong to \(space)")
        }
    }

    /// The action held for `environment` (what the worker will decode).
    public func action(of environment: Int) -> Action {
        let offset = FrameHeader.size + environment * space.dimensions * 4
        return bytes.withUnsafeBytes { raw in
            func int(_ i: Int) -> Int { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: Int32.self))) }
            switch space {
            case .discrete: return .discrete(int(0))
            case .multiDiscrete(let counts): return .multiDiscrete((0..<counts.count).map(int))
            case .box(let box):
                return .continuous((0..<box.size).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self)))
                })
            }
        }
    }
}

/// Where things lie in the binary payloads that carry observations, for `environments`
/// environments whose observations have `floatCount` floats and `byteCount` bytes.
///
/// An `observations` payload (`observation` for one environment) is every environment's
/// floats, then every environment's bytes. A `stepped` payload is
///
///     rewards            Float64 × n
///     observations       Float32 × n × floatCount   (after autoreset: the next episode's first)
///     final observations Float32 × n × floatCount   (the real last observation, where an episode ended)
///     flags              UInt8 × n   (bit 0 terminated, bit 1 truncated, bit 2 success known, bit 3 success)
///     observation bytes  UInt8 × n × byteCount
///     final bytes        UInt8 × n × byteCount
///
/// Sizes are fixed by the spaces, so every step's answer is read in one piece.
public struct PayloadLayout: Sendable, Equatable {
    public let environments: Int
    public let floatCount: Int
    public let byteCount: Int

    public init(environments: Int, floatCount: Int, byteCount: Int) {
        self.environments = environments
        self.floatCount = floatCount
        self.byteCount = byteCount
    }

    // MARK: observations

    public var observationsSize: Int { environments * (4 * floatCount + byteCount) }

    /// Copies the observation of `environment` from an `observations` payload.
    public func copyObservation(
        of environment: Int, from payload: UnsafeRawBufferPointer,
        floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>
    ) {
        copy(from: payload, floatsAt: 4 * environment * floatCount, bytesAt: 4 * environments * floatCount + environment * byteCount,
             floats: floats, bytes: bytes)
    }

    // MARK: stepped

    public var rewardsOffset: Int { 0 }
    public var floatsOffset: Int { 8 * environments }
    public var finalFloatsOffset: Int { floatsOffset + 4 * environments * floatCount }
    public var flagsOffset: Int { finalFloatsOffset + 4 * environments * floatCount }
    public var bytesOffset: Int { flagsOffset + environments }
    public var finalBytesOffset: Int { bytesOffset + environments * byteCount }
    public var steppedSize: Int { finalBytesOffset + environments * byteCount }

    /// The flags of one environment in a `stepped` payload.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let terminated = Flags(rawValue: 1)
        public static let truncated = Flags(rawValue: 2)
        public static let successKnown = Flags(rawValue: 4)
        public static let success = Flags(rawValue: 8)
    }

    public func reward(of environment: Int, in payload: UnsafeRawBufferPointer) -> Double {
        Double(bitPattern: UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: rewardsOffset + 8 * environment, as: UInt64.self)))
    }

    public func flags(of environment: Int, in payload: UnsafeRawBufferPointer) -> Flags {
        Flags(rawValue: payload[flagsOffset + environment])
    }

    /// Copies the observation (or with `final`, the final observation) of `environment`
    /// from a `stepped` payload.
    public func copySteppedObservation(
        of environment: Int, final: Bool, from payload: UnsafeRawBufferPointer,
        floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>
    ) {
        copy(from: payload, floatsAt: (final ? finalFloatsOffset : floatsOffset) + 4 * environment * floatCount,
             bytesAt: (final ? finalBytesOffset : bytesOffset) + environment * byteCount, floats: floats, bytes: bytes)
    }

    private func copy(
        from payload: UnsafeRawBufferPointer, floatsAt floatOffset: Int, bytesAt byteOffset: Int,
        floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(floats.count == floatCount && bytes.count == byteCount)
        for i in 0..<floatCount {
            floats[i] = Float(bitPattern: UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: floatOffset + 4 * i, as: UInt32.self)))
        }
        for i in 0..<byteCount { bytes[i] = payload[byteOffset + i] }
    }
}

/// What a worker's `error` frame says: its JSON payload `{"stage", "message", "exitCode"}`
/// read leniently, since the worker sends it when something already went wrong.
///
/// A payload that is not that JSON is shown as text (its first 2,000 bytes); the stage's and the message's
/// lines are joined with "; " so the rank's error stays one line; the exit code is
/// `ExitCode.usage` when the worker says so and `ExitCode.failure` otherwise.
///
/// ```swift
/// WorkerErrorReport(payload: Array(#"{"stage": "make", "message": "no env", "exitCode": 2}"#.utf8)).line  // "no env"
/// ```
public struct WorkerErrorReport: Sendable, Equatable {
    /// Where the worker failed (`import`, `make`, `spaces`, `step`, …), `?` when unknown.
    public let stage: String
    /// The worker's message as one line.
    public let line: String
    public let exitCode: Int32

    public init(payload: [UInt8]) {
        let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
        let message = (object?["message"] as? String) ?? String(decoding: payload.prefix(2_000), as: UTF8.self)
        stage = ((object?["stage"] as? String) ?? "?").split(whereSeparator: \.isNewline).joined(separator: " ")
        exitCode = (object?["exitCode"] as? NSNumber)?.int32Value == ExitCode.usage ? ExitCode.usage : ExitCode.failure
        line = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
    }
}
