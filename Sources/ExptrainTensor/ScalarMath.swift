/// Scalar functions written so that loops over them vectorise (no libm calls, no branches
/// the compiler cannot turn into selects). Activations are applied to every value of
/// every hidden layer; glibc's `tanhf` made them most of an MLP's forward/backward time.
public enum ScalarMath {
    /// `tanh x` as the odd rational function Eigen uses (`generic_fast_tanh_float`): a
    /// degree-13/6 minimax fit on `[−7.9053, 7.9053]`, outside which tanh rounds to ±1 in
    /// Float. Error at most 4e-7 relative over all of Float; NaN gives NaN.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -7.90531110763549805), 7.90531110763549805)
        let x2 = clamped * clamped
        var numerator: Float = -2.76076847742355e-16
        numerator = numerator * x2 + 2.00018790482477e-13
        numerator = numerator * x2 - 8.60467152213735e-11
        numerator = numerator * x2 + 5.12229709037114e-08
        numerator = numerator * x2 + 1.48572235717979e-05
        numerator = numerator * x2 + 6.37261928875436e-04
        numerator = numerator * x2 + 4.89352455891786e-03
        numerator *= clamped
        var denominator: Float = 1.19825839466702e-06
        denominator = denominator * x2 + 1.18534705686654e-04
        denominator = denominator * x2 + 2.26843463243900e-03
        denominator = denominator * x2 + 4.89352518554385e-03
        // Below 4e-4, tanh x = x to Float precision (and the fit's relative error would
        // show); NaN must stay NaN, not be clamped into ±1, so that divergence is visible.
        return abs(x) < 0.0004 || x.isNaN ? x : numerator / denominator
    }

    /// `tanh` of eight values at once: the operations of `tanh(_:)` lane by lane (IEEE
    /// operations per lane give the scalar function's results bit for bit), so loops over
    /// activations run eight values per step.
    @inlinable @inline(__always)
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // min(max(x, −limit), limit) as selects (the generic pointwiseMin/Max are not inlined).
        let limit = SIMD8<Float>(repeating: 7.90531110763549805)
        var clamped = x.replacing(with: -limit, where: x .< -limit)
        clamped.replace(with: limit, where: clamped .> limit)
        let x2 = clamped * clamped
        var numerator = SIMD8<Float>(repeating: -2.76076847742355e-16)
        numerator = numerator * x2 + 2.00018790482477e-13
        numerator = numerator * x2 - 8.60467152213735e-11
        numerator = numerator * x2 + 5.12229709037114e-08
        numerator = numerator * x2 + 1.48572235717979e-05
        numerator = numerator * x2 + 6.37261928875436e-04
        numerator = numerator * x2 + 4.89352455891786e-03
        numerator *= clamped
        var denominator = SIMD8<Float>(repeating: 1.19825839466702e-06)
        denominator = denominator * x2 + 1.18534705686654e-04
        denominator = denominator * x2 + 2.26843463243900e-03
        denominator = denominator * x2 + 4.89352518554385e-03
        let keepInput = ((x .< 0.0004) .& (x .> -0.0004)) .| (x .!= x)
        return (numerator / denominator).replacing(with: x, where: keepInput)
    }

    /// `σ(x) = 1 / (1 + e⁻ˣ)`, computed as `½ + ½ tanh(x/2)` (an identity), so it shares
    /// `tanh`'s vectorised form. Absolute error at most 3e-7.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        0.5 + 0.5 * tanh(0.5 * x)
    }
}
