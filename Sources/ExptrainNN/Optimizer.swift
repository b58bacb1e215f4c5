/// An optimiser that updates a `ParameterStore`'s values in place from its gradients.
///
/// Both the values and the optimiser's state are flat buffers aligned with the store, so
/// a step is a few passes over contiguous memory, and the state is checkpointed as named
/// flat arrays plus a step count.
///
/// ```swift
/// let optimizer: Optimizer = Adam(learningRate: 2.5e-4, eps: 1e-5)
/// let norm = clipGlobalNorm(model.parameters, maxNorm: 0.5)
/// optimizer.step(parameters: model.parameters, learningRate: schedule.value(atStep: update))
/// checkpoint["optimizer"] = optimizer.state
/// ```
public protocol Optimizer: AnyObject {
    /// The rate `step(parameters:)` uses when no other is given.
    var learningRate: Float { get set }
    /// Applies one update with `learningRate` to `parameters`' values from its gradients.
    func step(parameters: ParameterStore, learningRate: Float)
    /// The step count and per-parameter buffers (empty before the first step), for
    /// checkpoints; setting it restores them.
    var state: OptimizerState { get set }
}

extension Optimizer {
    /// Applies one update with the optimiser's own `learningRate`.
    public func step(parameters: ParameterStore) {
        step(parameters: parameters, learningRate: learningRate)
    }
}

/// What an optimiser remembers between steps, as flat arrays aligned with the parameter
/// buffer (names follow PyTorch: `exp_avg`, `exp_avg_sq`, `momentum_buffer`).
public struct OptimizerState: Sendable, Equatable {
    /// Steps taken.
    public var stepCount: Int
    /// Named buffers, each as long as the parameter buffer, in a stable order.
    public var buffers: [(name: String, values: [Float])]

    /// A state as read back from a checkpoint.
    public init(stepCount: Int, buffers: [(name: String, values: [Float])]) {
        self.stepCount = stepCount
        self.buffers = buffers
    }

    public static func == (lhs: OptimizerState, rhs: OptimizerState) -> Bool {
        lhs.stepCount == rhs.stepCount && lhs.buffers.map(\.name) == rhs.buffers.map(\.name)
            && lhs.buffers.map(\.values) == rhs.buffers.map(\.values)
    }

    /// The buffer called `name`.
    public func buffer(_ name: String) -> [Float]? {
        buffers.first { $0.name == name }?.values
    }
}

/// How to build an optimiser: the value a training setting holds, one conformance per
/// optimiser (`.adam()`, `.sgd()`), so a user's package can add its own.
///
/// ```swift
/// TrainingSettings(learningRate: 3e-4, optimizer: .adam(epsilon: 1e-5))
/// ```
public protocol OptimizerConfiguration: Sendable, Encodable, CustomStringConvertible {
    /// The optimiser's name in checkpoints (its state is saved as `optimizer.<name>.<buffer>`).
    var name: String { get }
    /// A new optimiser with these settings and empty state.
    func makeOptimizer() -> any Optimizer
    /// What is wrong with these settings, in one line, or `nil`.
    var problem: String? { get }
}
