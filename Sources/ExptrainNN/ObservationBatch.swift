import ExptrainEnvironment
import ExptrainTensor

/// Observations of a minibatch or a rollout segment, for `ActorCriticModel.forward`: the
/// Float32 parts of each row side by side in `floats` `[rows, floatCount]`, and the UInt8
/// parts in `bytes` (`rows × byteCount`, kept as bytes: an image is scaled inside the
/// model), in the layout `ObservationSpace` describes.
///
/// ```swift
/// let batch = ObservationBatch(floats: Tensor(shape: [2, 4], values: states))
/// let goal = batch.floats.columns(goalOffset..<(goalOffset + 2))
/// ```
public struct ObservationBatch {
    /// `[rows, floatCount]`.
    public let floats: Tensor
    /// `rows × byteCount` bytes, row after row.
    public let bytes: [UInt8]
    /// The number of observations.
    public let rows: Int

    /// A batch of `floats.shape[0]` observations, with `bytes` split evenly between them.
    public init(floats: Tensor, bytes: [UInt8] = []) {
        precondition(floats.shape.count == 2, "observation floats must be [rows, floatCount], not \(floats.shape)")
        rows = floats.shape[0]
        precondition(rows == 0 ? bytes.isEmpty : bytes.count % rows == 0, "\(bytes.count) observation bytes do not split into \(rows) rows")
        self.floats = floats
        self.bytes = bytes
    }

    /// Bytes per observation.
    public var byteCount: Int { rows == 0 ? 0 : bytes.count / rows }

    /// Bytes `range` of each row as floats times `scale` (an image part scaled to [0, 1]
    /// with `1/255`), `[rows, range.count]`.
    public func scaledBytes(_ range: Range<Int>, scale: Float) -> Tensor {
        let width = byteCount
        precondition(range.lowerBound >= 0 && range.upperBound <= width, "bytes \(range) outside 0..<\(width)")
        let result = Tensor.uninitialized([rows, range.count])
        guard !range.isEmpty else { return result }
        result.withUnsafeMutableBufferPointer { values in
            bytes.withUnsafeBufferPointer { bytes in
                for row in 0..<rows {
                    let source = bytes.baseAddress! + row * width + range.lowerBound
                    let target = values.baseAddress! + row * range.count
                    for j in 0..<range.count { target[j] = Float(source[j]) * scale }
                }
            }
        }
        return result
    }
}

/// One rollout step's observations in raw memory, for `ActorCriticModel.act`: `floats`
/// (`rows × floatCount`) and `bytes` (`rows × byteCount`) read where they lie in the
/// rollout storage.
public struct ObservationRows {
    public let floats: UnsafeBufferPointer<Float>
    public let bytes: UnsafeBufferPointer<UInt8>
    public let rows: Int

    public init(floats: UnsafeBufferPointer<Float>, bytes: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0), rows: Int) {
        precondition(rows > 0 && floats.count % rows == 0 && bytes.count % rows == 0,
                     "\(floats.count) floats and \(bytes.count) bytes do not split into \(rows) observations")
        self.floats = floats
        self.bytes = bytes
        self.rows = rows
    }

    /// Floats per observation.
    public var floatCount: Int { floats.count / rows }

    /// The same rows as an `ObservationBatch` (copied).
    public func batch() -> ObservationBatch {
        ObservationBatch(floats: Tensor(shape: [rows, floatCount], values: Array(floats)), bytes: Array(bytes))
    }
}
