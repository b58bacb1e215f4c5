import ExptrainNN
import ExptrainTensor

/// One minibatch of an update, time-major: `steps` steps of `environments` sequences.
///
/// A recurrent model needs whole sequences, so its minibatches take all the steps of a
/// subset of the rank's environments (AllenAct's split). A feed-forward model has no
/// state to carry, so each step is a sequence of its own and minibatches take a
/// random subset of single steps, as CleanRL does.
///
/// ```swift
/// let batch = Minibatch(storage, singleSteps: Array(order[0..<128]))
/// let output = model.forward(observations: batch.observations, masks: batch.masks,
///                            hidden: batch.initialHidden, steps: batch.steps, environments: batch.environments)
/// ```
public struct Minibatch {
    public let steps: Int
    public let environments: Int
    /// `steps·environments` observations.
    public let observations: ObservationBatch
    /// `[T·m]`.
    public let masks: Tensor
    /// `[m, recurrentStateSize]`.
    public let initialHidden: Tensor
    /// `[T·m, actionDimensions]`: the actions taken (as sampled, before any clipping).
    public let actions: Tensor
    /// `[T·m, actionDimensions]`: the expert's actions, where an imitation stage recorded them.
    public let expertActions: Tensor
    public let oldLogProbabilities: Tensor
    public let oldValues: Tensor
    public let advantages: Tensor
    public let returns: Tensor

    public var sampleCount: Int { steps * environments }

    /// Whole rollouts of environments `selected` (indices into the rollout's environments).
    public init(_ storage: RolloutStorage, environments selected: [Int]) {
        var samples: [Int] = []
        samples.reserveCapacity(storage.collectedSteps * selected.count)
        for step in 0..<storage.collectedSteps {
            for e in selected { samples.append(step * storage.environments + e) }
        }
        self.init(storage, samples: samples, steps: storage.collectedSteps, hiddenRows: selected)
    }

    /// Single steps `samples` (flat indices `t·N + e`), each a sequence of length one.
    public init(_ storage: RolloutStorage, singleSteps samples: [Int]) {
        self.init(storage, samples: samples, steps: 1, hiddenRows: samples.map { $0 % storage.environments })
    }

    /// Gathers `samples` (time-major over `steps` × `hiddenRows.count` sequences) from `storage`.
    private init(_ storage: RolloutStorage, samples: [Int], steps: Int, hiddenRows: [Int]) {
        let hiddenSize = storage.recurrentStateSize
        let count = samples.count
        self.steps = steps
        environments = hiddenRows.count

        observations = ObservationBatch(
            floats: Self.gatherRows(storage.observationFloats, samples, width: storage.floatCount),
            bytes: Self.gather(storage.observationBytes, samples, width: storage.byteCount))
        initialHidden = Self.gatherRows(storage.initialHidden, hiddenRows, width: hiddenSize)
        masks = Tensor(shape: [count], values: samples.map { storage.masks[$0] })
        actions = Self.gatherRows(storage.actions, samples, width: storage.actionDimensions)
        expertActions = Self.gatherRows(storage.expertActions, samples, width: storage.actionDimensions)
        oldLogProbabilities = Tensor(shape: [count], values: samples.map { storage.logProbabilities[$0] })
        oldValues = Tensor(shape: [count], values: samples.map { storage.values[$0] })
        advantages = Tensor(shape: [count], values: samples.map { storage.advantages[$0] })
        returns = Tensor(shape: [count], values: samples.map { storage.returns[$0] })
    }

    /// Rows `rows` (each `width` floats) of `source` as a `[rows.count, width]` tensor.
    private static func gatherRows(_ source: UnsafeMutableBufferPointer<Float>, _ rows: [Int], width: Int) -> Tensor {
        let result = Tensor.uninitialized([rows.count, width])
        guard width > 0 else { return result }
        result.withUnsafeMutableBufferPointer { destination in
            for (position, row) in rows.enumerated() {
                (destination.baseAddress! + position * width).update(from: source.baseAddress! + row * width, count: width)
            }
        }
        return result
    }

    /// Rows `rows` (each `width` bytes) of `source`, one after another.
    private static func gather(_ source: UnsafeMutableBufferPointer<UInt8>, _ rows: [Int], width: Int) -> [UInt8] {
        guard width > 0 else { return [] }
        var result = [UInt8](repeating: 0, count: rows.count * width)
        result.withUnsafeMutableBufferPointer { destination in
            for (position, row) in rows.enumerated() {
                (destination.baseAddress! + position * width).update(from: source.baseAddress! + row * width, count: width)
            }
        }
        return result
    }
}
