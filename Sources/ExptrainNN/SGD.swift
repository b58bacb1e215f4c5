/// Stochastic gradient descent with momentum, PyTorch's rule (`torch.optim.SGD`, no
/// dampening, no Nesterov, no weight decay):
///
///     b ← g                 on the first step
///     b ← μ b + g           afterwards
///     θ ← θ − lr · b
///
/// With `momentum` 0 this is plain `θ ← θ − lr · g` and keeps no buffer.
public final class SGD: Optimizer {
    /// The rate `step(parameters:)` uses; schedules pass theirs to `step(parameters:learningRate:)`.
    public var learningRate: Float
    /// `μ`; 0 for plain gradient descent.
    public let momentum: Float
    private var stepCount = 0
    private var momentumBuffer: [Float] = []

    public init(learningRate: Float = 1e-2, momentum: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func step(parameters: ParameterStore, learningRate: Float) {
        stepCount += 1
        let momentum = momentum
        parameters.withValues { values in
            parameters.withGradients { gradients in
                guard momentum != 0 else {
                    for i in 0..<values.count { values[i] -= learningRate * gradients[i] }
                    return
                }
                if momentumBuffer.count != values.count {
                    momentumBuffer = Array(gradients)
                } else {
                    momentumBuffer.withUnsafeMutableBufferPointer { buffer in
                        for i in 0..<values.count { buffer[i] = momentum * buffer[i] + gradients[i] }
                    }
                }
                momentumBuffer.withUnsafeBufferPointer { buffer in
                    for i in 0..<values.count { values[i] -= learningRate * buffer[i] }
                }
            }
        }
    }

    public var state: OptimizerState {
        get {
            OptimizerState(stepCount: stepCount, buffers: momentum == 0 ? [] : [("momentum_buffer", momentumBuffer)])
        }
        set {
            stepCount = newValue.stepCount
            momentumBuffer = newValue.buffer("momentum_buffer") ?? []
        }
    }
}

/// The settings of `SGD`.
public struct SGDConfiguration: OptimizerConfiguration {
    public var momentum: Float

    public init(momentum: Float = 0) {
        self.momentum = momentum
    }

    public var name: String { "sgd" }
    public func makeOptimizer() -> any Optimizer { SGD(momentum: momentum) }
    public var problem: String? {
        (0..<1).contains(momentum) ? nil : "sgd momentum must be in [0, 1), got \(momentum)"
    }
    public var description: String { "sgd(momentum: \(momentum))" }
}

extension OptimizerConfiguration where Self == SGDConfiguration {
    /// Stochastic gradient descent with heavy-ball `momentum`.
    public static func sgd(momentum: Float = 0) -> SGDConfiguration { SGDConfiguration(momentum: momentum) }
}
