#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CVectorKernels
import ExptrainTensor

/// Adam with PyTorch's update rule (`torch.optim.Adam`, no weight decay). With gradient
/// `g` at step `t` (from 1):
///
///     m ← β₁ m + (1 − β₁) g
///     v ← β₂ v + (1 − β₂) g²
///     θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε)
///
/// `ε` is added after the bias correction of `√v`, as PyTorch does. PPO implementations
/// use `ε = 1e-5` (CleanRL, SB3), PyTorch's default is `1e-8`.
public final class Adam: Optimizer {
    /// The rate `step(parameters:)` uses; schedules pass theirs to `step(parameters:learningRate:)`.
    public var learningRate: Float
    /// Decay of the first moment (mean of gradients).
    public let beta1: Float
    /// Decay of the second moment (mean of squared gradients).
    public let beta2: Float
    /// Added to the bias-corrected `√v` in the denominator.
    public let eps: Float
    private var stepCount = 0
    private var firstMoments: [Float] = []
    private var secondMoments: [Float] = []

    /// PyTorch's defaults except `eps`, which defaults to PPO's 1e-5.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-5) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    public func step(parameters: ParameterStore, learningRate: Float) {
        if firstMoments.count != parameters.count {
            precondition(stepCount == 0, "Adam's state is for \(firstMoments.count) parameters, not \(parameters.count)")
            firstMoments = [Float](repeating: 0, count: parameters.count)
            secondMoments = firstMoments
        }
        stepCount += 1
        let (beta1, beta2, eps) = (self.beta1, self.beta2, self.eps)
        let biasCorrection1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let biasCorrection2SquareRoot = Float((1 - pow(Double(beta2), Double(stepCount))).squareRoot())
        let stepSize = learningRate / biasCorrection1
        parameters.withValues { values in
            parameters.withGradients { gradients in
                firstMoments.withUnsafeMutableBufferPointer { m in
                    secondMoments.withUnsafeMutableBufferPointer { v in
                        if VectorUnit.lanes > 0 {
                            return exptrain_adam_update(
                                VectorUnit.lanes, values.baseAddress!, m.baseAddress!, v.baseAddress!, gradients.baseAddress!, values.count,
                                beta1, beta2, stepSize, biasCorrection2SquareRoot, eps)
                        }
                        // Without a wide vector unit: eight parameters at a time in SIMD registers (the
                        // buffers may alias as far as the compiler knows, so it would not vectorise the
                        // loop itself), the last few padded with zeros. Lane-wise IEEE operations give the
                        // scalar rule's results exactly, as the wide kernel's do.
                        func update(_ x: inout SIMD8<Float>, _ m: inout SIMD8<Float>, _ v: inout SIMD8<Float>, gradient g: SIMD8<Float>) {
                            m = beta1 * m + (1 - beta1) * g
                            v = beta2 * v + (1 - beta2) * g * g
                            x -= stepSize * m / (v.squareRoot() / biasCorrection2SquareRoot + eps)
                        }
                        let (x, g, first, second) = (values.baseAddress!, gradients.baseAddress!, m.baseAddress!, v.baseAddress!)
                        let whole = values.count / 8 * 8
                        for start in stride(from: 0, to: whole, by: 8) {
                            func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
                                UnsafeRawPointer(pointer + start).loadUnaligned(as: SIMD8<Float>.self)
                            }
                            func store(_ vector: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
                                UnsafeMutableRawPointer(pointer + start).storeBytes(of: vector, as: SIMD8<Float>.self)
                            }
                            var (value, m, v) = (load(x), load(first), load(second))
                            update(&value, &m, &v, gradient: load(g))
                            store(value, x)
                            store(m, first)
                            store(v, second)
                        }
                        var tail = (value: SIMD8<Float>(), m: SIMD8<Float>(), v: SIMD8<Float>(), gradient: SIMD8<Float>())
                        for lane in 0..<(values.count - whole) {
                            (tail.value[lane], tail.m[lane], tail.v[lane], tail.gradient[lane]) = (x[whole + lane], first[whole + lane], second[whole + lane], g[whole + lane])
                        }
                        update(&tail.value, &tail.m, &tail.v, gradient: tail.gradient)
                        for lane in 0..<(values.count - whole) {
                            (x[whole + lane], first[whole + lane], second[whole + lane]) = (tail.value[lane], tail.m[lane], tail.v[lane])
                        }
                    }
                }
            }
        }
    }

    public var state: OptimizerState {
        get {
            OptimizerState(stepCount: stepCount, buffers: [("exp_avg", firstMoments), ("exp_avg_sq", secondMoments)])
        }
        set {
            let first = newValue.buffer("exp_avg") ?? []
            let second = newValue.buffer("exp_avg_sq") ?? []
            precondition(first.count == second.count, "Adam state buffers differ in length")
            (stepCount, firstMoments, secondMoments) = (newValue.stepCount, first, second)
        }
    }
}

/// The settings of `Adam`.
public struct AdamConfiguration: OptimizerConfiguration {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-5) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var name: String { "adam" }
    public func makeOptimizer() -> any Optimizer { Adam(beta1: beta1, beta2: beta2, eps: epsilon) }
    public var problem: String? {
        (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon > 0
            ? nil : "adam needs 0 ≤ beta1, beta2 < 1 and eps > 0, got \(self)"
    }
    public var description: String { "adam(beta1: \(beta1), beta2: \(beta2), eps: \(epsilon))" }
}

extension OptimizerConfiguration where Self == AdamConfiguration {
    /// Adam with PyTorch's rule; `epsilon` defaults to PPO's 1e-5.
    public static func adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-5) -> AdamConfiguration {
        AdamConfiguration(beta1: beta1, beta2: beta2, epsilon: epsilon)
    }
}
