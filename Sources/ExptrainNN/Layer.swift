import ExptrainTensor

/// A function of one tensor, usually with parameters (MLXNN's `Module` with
/// `callAsFunction`). Parameters live in a `ParameterStore`; a layer keeps handles.
public protocol Layer: AnyObject {
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// Layers applied one after another: `y = fₙ(…f₂(f₁(x)))`.
///
/// ```swift
/// let actor = Sequential([Linear(…, name: "actor.0"), Tanh(), Linear(…, name: "actor.2")])
/// let logits = actor(observations)
/// ```
public final class Sequential: Layer {
    /// The layers, first applied first.
    public let layers: [Layer]

    public init(_ layers: [Layer]) {
        self.layers = layers
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}

/// `y = tanh x`, element-wise.
public final class Tanh: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
}

/// `y = max(x, 0)`, element-wise.
public final class ReLU: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}

/// `y = σ(x) = 1 / (1 + e⁻ˣ)`, element-wise.
public final class Sigmoid: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// The choice of non-linearity in a model's configuration.
public enum Activation: String, Sendable, CaseIterable {
    case tanh, relu, sigmoid

    /// The layer that applies this activation.
    public func makeLayer() -> Layer {
        switch self {
        case .tanh: Tanh()
        case .relu: ReLU()
        case .sigmoid: Sigmoid()
        }
    }

    /// Applies the activation to `count` values in place, with the layer's arithmetic
    /// (for inference into kept buffers).
    public func apply(inPlace values: UnsafeMutablePointer<Float>, count: Int) {
        kernel.apply(values, into: values, count: count)
    }

    /// The layer's values and pullback on raw buffers, with the tape's kernels.
    public var kernel: ElementwiseKernel {
        switch self {
        case .tanh: .tanh
        case .relu: .relu
        case .sigmoid: .sigmoid
        }
    }
}
