import ExptrainTensor

/// One minibatch of an update, time-major: `steps` steps of `environments` sequences.
///
/// A recurrent model needs whole sequences, so its minibatches take all the steps of a
/// subset of the rank's environments (AllenAct's split). A feed-forward model has no
/// state to carry, so each step is a sequence of its own and minibatches take a
/// random subset of single steps, as CleanRL does.
struct Minibatch {
    let steps: Int
    let environments: Int
    let observations: Tensor      // [T·m, observationSize]
    let masks: Tensor             // [T·m]
    let initialHidden: Tensor     // [m, recurrentStateSize]
    let actions: [Int]            // [T·m]
    let expertActions: [Int]      // [T·m], −1 where not recorded
    let oldLogProbabilities: Tensor
    let oldValues: Tensor
    let advantages: Tensor
    let returns: Tensor

    var sampleCount: Int { steps * environments }

    /// Whole rollouts of environments `selected` (indices into the rollout's environments).
    init(_ storage: RolloutStorage, environments selected: [Int]) {
        var samples: [Int] = []
        samples.reserveCapacity(storage.collectedSteps * selected.count)
        for step in 0..<storage.collectedSteps {
            for e in selected { samples.append(step * storage.environments + e) }
        }
        self.init(storage, samples: samples, steps: storage.collectedSteps, hiddenRows: selected)
    }

    /// Single steps `samples` (flat indices `t·N + e`), each a sequence of length one.
    init(_ storage: RolloutStorage, singleSteps samples: [Int]) {
        self.init(storage, samples: samples, steps: 1, hiddenRows: samples.map { $0 % storage.environments })
    }

    /// Gathers `samples` (time-major over `steps` × `hiddenRows.count` sequences) from `storage`.
    private init(_ storage: RolloutStorage, samples: [Int], steps: Int, hiddenRows: [Int]) {
        let size = storage.observationSize
        let hiddenSize = storage.recurrentStateSize
        let count = samples.count
        self.steps = steps
        environments = hiddenRows.count

        let observations = Tensor.uninitialized([count, size])
        observations.withUnsafeMutableBufferPointer { destination in
            storage.observations.withUnsafeBufferPointer { source in
                for (row, sample) in samples.enumerated() {
                    (destination.baseAddress! + row * size).update(from: source.baseAddress! + sample * size, count: size)
                }
            }
        }
        self.observations = observations
        let hidden = Tensor.uninitialized([hiddenRows.count, hiddenSize])
        if hiddenSize > 0 {
            hidden.withUnsafeMutableBufferPointer { destination in
                storage.initialHidden.withUnsafeBufferPointer { source in
                    for (j, e) in hiddenRows.enumerated() {
                        (destination.baseAddress! + j * hiddenSize).update(from: source.baseAddress! + e * hiddenSize, count: hiddenSize)
                    }
                }
            }
        }
        initialHidden = hidden

        masks = Tensor(shape: [count], values: samples.map { storage.masks[$0] })
        actions = samples.map { storage.actions[$0] }
        expertActions = samples.map { storage.expertActions[$0] }
        oldLogProbabilities = Tensor(shape: [count], values: samples.map { storage.logProbabilities[$0] })
        oldValues = Tensor(shape: [count], values: samples.map { storage.values[$0] })
        advantages = Tensor(shape: [count], values: samples.map { storage.advantages[$0] })
        returns = Tensor(shape: [count], values: samples.map { storage.returns[$0] })
    }
}
