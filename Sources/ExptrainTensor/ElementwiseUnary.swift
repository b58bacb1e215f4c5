#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CVectorKernels

/// A function of one float with its derivative, applied element-wise. The derivative
/// may use the input `x` or the output `y`, whichever is cheaper.
protocol ElementwiseUnaryFunction {
    static func value(_ x: Float) -> Float
    static func derivative(x: Float, y: Float) -> Float
}

enum Negation: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { -x }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { -1 }
}

enum Exponential: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { y }
}

enum NaturalLogarithm: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { 1 / x }
}

enum HyperbolicTangent: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { ScalarMath.tanh(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { 1 - y * y }
}

enum RectifiedLinear: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x > 0 ? x : 0 }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : 0 }
}

enum LogisticSigmoid: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { ScalarMath.sigmoid(x) }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { y * (1 - y) }
}

enum Squaring: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x * x }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { 2 * x }
}

enum SquareRoot: ElementwiseUnaryFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) static func derivative(x: Float, y: Float) -> Float { 0.5 / y }
}

extension Tensor {
    /// `F` applied to each value.
    func map<F: ElementwiseUnaryFunction>(_ function: F.Type) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        Tensor.apply(function, pointer, into: result.pointer, count: count)
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] result, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                Tensor.pullBack(function, gradient, input: pointer, output: result.pointer, into: inputGradient, count: count)
            }
        }
        return result
    }

    /// `output[i] = F(input[i])`: the values of `map`. tanh, the hidden layers' activation,
    /// runs on the wide vector unit (`VectorUnit`), else eight lanes at a time
    /// (`ScalarMath.tanh(SIMD8)`): the same numbers. `output` may be `input`.
    @inline(__always)
    static func apply<F: ElementwiseUnaryFunction>(_: F.Type, _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        var start = 0
        if F.self == HyperbolicTangent.self {
            if VectorUnit.lanes > 0 { return exptrain_tanh(VectorUnit.lanes, input, output, count) }
            while start + 8 <= count {
                let x = UnsafeRawPointer(input + start).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(output + start).storeBytes(of: ScalarMath.tanh(x), as: SIMD8<Float>.self)
                start += 8
            }
        }
        for i in start..<count { output[i] = F.value(input[i]) }
    }

    /// `inputGradient[i] += outputGradient[i] · F′(x, y)`: the pullback of `map`; tanh's
    /// (`F′ = 1 − y²`) on the wide vector unit, else eight lanes at a time: the same numbers.
    /// Without `accumulating`, the sums start from 0 instead of `inputGradient`'s values
    /// (the bits of zeroing it first, without the pass that zeroes it).
    @inline(__always)
    static func pullBack<F: ElementwiseUnaryFunction>(
        _: F.Type, _ outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        into inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulating: Bool = true
    ) {
        var start = 0
        if F.self == HyperbolicTangent.self {
            if VectorUnit.lanes > 0 {
                return exptrain_tanh_pull_back(VectorUnit.lanes, outputGradient, output, inputGradient, count, accumulating ? 1 : 0)
            }
            func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(pointer + start).loadUnaligned(as: SIMD8<Float>.self) }
            while start + 8 <= count {
                let (g, y) = (load(outputGradient), load(output))
                let accumulated = (accumulating ? load(UnsafePointer(inputGradient)) : .zero) + g * (1 - y * y)
                UnsafeMutableRawPointer(inputGradient + start).storeBytes(of: accumulated, as: SIMD8<Float>.self)
                start += 8
            }
        }
        for i in start..<count {
            inputGradient[i] = (accumulating ? inputGradient[i] : 0) + outputGradient[i] * F.derivative(x: input[i], y: output[i])
        }
    }

    /// `eˣ` element-wise.
    public func exp() -> Tensor { map(Exponential.self) }
    /// Natural logarithm element-wise.
    public func log() -> Tensor { map(NaturalLogarithm.self) }
    /// `tanh x` element-wise; d/dx = 1 − tanh²x.
    public func tanh() -> Tensor { map(HyperbolicTangent.self) }
    /// `max(x, 0)` element-wise; the derivative at 0 is taken as 0.
    public func relu() -> Tensor { map(RectifiedLinear.self) }
    /// `σ(x) = 1 / (1 + e⁻ˣ)` element-wise; d/dx = σ(1 − σ).
    public func sigmoid() -> Tensor { map(LogisticSigmoid.self) }
    /// `x²` element-wise.
    public func squared() -> Tensor { map(Squaring.self) }
    /// `√x` element-wise.
    public func squareRoot() -> Tensor { map(SquareRoot.self) }

    /// Each value limited to `[lowerBound, upperBound]` (PPO's `clip(ratio, 1 − ε, 1 + ε)`).
    /// The gradient passes where `lowerBound ≤ x ≤ upperBound`, as in PyTorch's `clamp`.
    public func clamped(to lowerBound: Float, _ upperBound: Float) -> Tensor {
        precondition(lowerBound <= upperBound, "clamp bounds \(lowerBound) > \(upperBound)")
        let result = Tensor(uninitializedShape: shape)
        let (input, output) = (pointer, result.pointer)
        for i in 0..<count { output[i] = Swift.min(Swift.max(input[i], lowerBound), upperBound) }
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                let input = pointer
                for i in 0..<count where input[i] >= lowerBound && input[i] <= upperBound {
                    inputGradient[i] += gradient[i]
                }
            }
        }
        return result
    }
}

/// Element-wise negation.
public prefix func - (x: Tensor) -> Tensor { x.map(Negation.self) }

/// An activation on raw buffers with the tape's own kernels, for code that keeps its
/// buffers (rollouts, fused training steps) and must give the numbers of `tanh()`,
/// `relu()` and `sigmoid()` and of their pullbacks.
///
/// ```swift
/// ElementwiseKernel.tanh.apply(preActivation, into: activation, count: n)
/// ElementwiseKernel.tanh.pullBack(dActivation, input: preActivation, output: activation, into: dPreActivation, count: n)
/// ```
public enum ElementwiseKernel: Sendable {
    case tanh, relu, sigmoid

    /// `output[i] = f(input[i])`; `output` may be `input`.
    public func apply(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: Tensor.apply(HyperbolicTangent.self, input, into: output, count: count)
        case .relu: Tensor.apply(RectifiedLinear.self, input, into: output, count: count)
        case .sigmoid: Tensor.apply(LogisticSigmoid.self, input, into: output, count: count)
        }
    }

    /// `inputGradient[i] += outputGradient[i] · f′` with `f′` at input `x` and output `y`
    /// as the tape computes it (tanh: `1 − y²`, ReLU: 1 where `x > 0` else 0, sigmoid: `y(1 − y)`).
    /// Without `accumulating`, `inputGradient[i] = 0 + outputGradient[i] · f′`: the bits the
    /// tape's sum gives into a zeroed buffer, with `inputGradient` only written.
    public func pullBack(
        _ outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        into inputGradient: UnsafeMutablePointer<Float>, count: Int, accumulating: Bool = true
    ) {
        switch self {
        case .tanh:
            Tensor.pullBack(
                HyperbolicTangent.self, outputGradient, input: input, output: output, into: inputGradient, count: count, accumulating: accumulating)
        case .relu:
            Tensor.pullBack(
                RectifiedLinear.self, outputGradient, input: input, output: output, into: inputGradient, count: count, accumulating: accumulating)
        case .sigmoid:
            Tensor.pullBack(
                LogisticSigmoid.self, outputGradient, input: input, output: output, into: inputGradient, count: count, accumulating: accumulating)
        }
    }
}
