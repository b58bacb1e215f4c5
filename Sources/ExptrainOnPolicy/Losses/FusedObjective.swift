/// A minibatch's per-sample columns as `FusedMLPStep` gathers them from the rollout:
/// `count` values each, the advantages already normalised where the objective asks.
struct FusedColumns {
    let oldLogProbabilities: UnsafePointer<Float>
    let oldValues: UnsafePointer<Float>
    let advantages: UnsafePointer<Float>
    let returns: UnsafePointer<Float>
}

/// The loss's side of `FusedMLPStep` for one `Loss`: forward, `w · L` and its diagnostics
/// from each sample's `log π(a|s)`, the entropies' sum and the values; backward, the
/// gradient of `s · w · L` at `log π(a|s)`, at `V` and at each row's entropy. Each does the
/// floating-point operations the tape records for its `Loss`, in the order `backward()`
/// plays them, so the bits are the tape's.
///
/// The two built in: `FusedPPOObjective` (`PPOLoss`) and `FusedA2CObjective` (`A2CLoss`).
protocol FusedObjective: AnyObject {
    /// The loss's diagnostics of the last `forward`, under its keys.
    var diagnostics: [(key: String, value: Float)] { get }
    /// Whether the advantages are normalised over the minibatch first (`normalizedAdvantages`).
    var normalizesAdvantages: Bool { get }

    /// `w · L` of the `count` samples, keeping what `backward` needs.
    func forward(count: Int, columns: FusedColumns, logProbabilities: UnsafePointer<Float>, entropyTotal: Double,
                 values: UnsafePointer<Float>) -> Float

    /// The gradient of `gradientScale · w · L` at each `log π(a|s)` into
    /// `logProbabilityGradients` and at each `V` into `valueGradients` (`columns` as given to
    /// `forward`); returns the gradient at each row's entropy (the same for every row).
    func backward(count: Int, columns: FusedColumns, gradientScale: Float, logProbabilityGradients: UnsafeMutablePointer<Float>,
                  valueGradients: UnsafeMutablePointer<Float>) -> Float
}

/// The scalar chain both losses share, `w · ((L_π + c_V·L_V) − c_H·mean(H))` pulled back from
/// `s · w · L`: the gradients at `L_π`, at `mean((V−R)²)` (or its clipped form, inside `½·`)
/// and at `mean(H)`.
struct FusedLossChain {
    let policyLoss: Float
    let valueMean: Float
    let entropyMean: Float

    init(gradientScale: Float, weight: Float, valueCoefficient: Float, entropyCoefficient: Float) {
        let lossGradient = (1 * gradientScale) * weight
        policyLoss = lossGradient
        entropyMean = (lossGradient * -1) * entropyCoefficient
        valueMean = (lossGradient * valueCoefficient) * 0.5
    }

    /// `w · ((L_π + c_V·L_V) − c_H·H)`, the tape's total.
    static func total(weight: Float, policyLoss: Float, valueCoefficient: Float, valueLoss: Float, entropyCoefficient: Float, entropy: Float) -> Float {
        weight * ((policyLoss + valueCoefficient * valueLoss) - entropyCoefficient * entropy)
    }
}

/// `½·mean((V − R)²)`'s rows, forward and backward, as both losses record it unclipped.
enum FusedSquaredValueError {
    /// `V − R` into `difference`; returns `Σ (V − R)²` in Double.
    static func forward(count: Int, values: UnsafePointer<Float>, returns: UnsafePointer<Float>, difference: UnsafeMutablePointer<Float>) -> Double {
        var total = 0.0
        for i in 0..<count {
            difference[i] = values[i] - returns[i]
            total += Double(difference[i] * difference[i])
        }
        return total
    }

    /// d/dV from `share`, the gradient at each squared error.
    static func backward(count: Int, share: Float, difference: UnsafePointer<Float>, valueGradients: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            valueGradients[i] = 0 + (0 + share * (2 * difference[i]))
        }
    }
}
