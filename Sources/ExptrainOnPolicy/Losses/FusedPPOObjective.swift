#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainNN

/// `PPOLoss` for `FusedMLPStep`, on raw rows (notation of `PPOLoss`):
///
///     ρ = exp(log π − log π_old),   L_π = mean(max(−Â·ρ, −Â·clip(ρ, 1−ε, 1+ε)))
///     L_V = ½·mean(max((V−R)², (V_old + clip(V−V_old, −ε, ε) − R)²))   (or ½·mean((V−R)²))
///
/// Ties of `max` send the gradient to its first operand, as the tape's `maximum` does.
final class FusedPPOObjective: FusedObjective {
    private let loss: PPOLoss
    private let weight: Float
    private let workspace = InferenceWorkspace()
    private(set) var diagnostics: [(key: String, value: Float)] = [
        ("policy_loss", 0), ("value_loss", 0), ("entropy", 0), ("approx_kl", 0), ("clip_fraction", 0),
    ]
    var normalizesAdvantages: Bool { loss.normalizeAdvantage }

    private enum Slot: Int {
        case ratio, negativeAdvantages, unclippedTerm, clippedTerm
        case difference, unclippedLoss, valueDifference, clippedDifference, clippedLoss
    }

    init(_ loss: PPOLoss, weight: Float) {
        (self.loss, self.weight) = (loss, weight)
    }

    func forward(count: Int, columns: FusedColumns, logProbabilities logP: UnsafePointer<Float>, entropyTotal: Double,
                 values: UnsafePointer<Float>) -> Float {
        let epsilon = loss.clipParameter
        let (lower, upper) = (1 - epsilon, 1 + epsilon)
        let scale = 1 / Float(count)
        let (advantages, oldValues, returns) = (columns.advantages, columns.oldValues, columns.returns)
        let (ratio, negativeAdvantages) = (buffer(.ratio, count), buffer(.negativeAdvantages, count))
        let (unclippedTerm, clippedTerm) = (buffer(.unclippedTerm, count), buffer(.clippedTerm, count))
        var policyTotal = 0.0
        var approximateKL: Float = 0
        var clipped = 0
        for i in 0..<count {
            let logRatio = logP[i] - columns.oldLogProbabilities[i]
            ratio[i] = expf(logRatio)
            negativeAdvantages[i] = -advantages[i]
            unclippedTerm[i] = negativeAdvantages[i] * ratio[i]
            clippedTerm[i] = negativeAdvantages[i] * min(max(ratio[i], lower), upper)
            policyTotal += Double(unclippedTerm[i] >= clippedTerm[i] ? unclippedTerm[i] : clippedTerm[i])
            approximateKL += (ratio[i] - 1) - logRatio
            if abs(ratio[i] - 1) > epsilon { clipped += 1 }
        }
        let policyLoss = Float(policyTotal) * scale

        let difference = buffer(.difference, count)
        var valueTotal = 0.0
        if loss.clipValueLoss {
            let unclippedLoss = buffer(.unclippedLoss, count)
            let (valueDifference, clippedDifference, clippedLoss) =
                (buffer(.valueDifference, count), buffer(.clippedDifference, count), buffer(.clippedLoss, count))
            for i in 0..<count {
                difference[i] = values[i] - returns[i]
                unclippedLoss[i] = difference[i] * difference[i]
                valueDifference[i] = values[i] - oldValues[i]
                clippedDifference[i] = (oldValues[i] + min(max(valueDifference[i], -epsilon), epsilon)) - returns[i]
                clippedLoss[i] = clippedDifference[i] * clippedDifference[i]
                valueTotal += Double(unclippedLoss[i] >= clippedLoss[i] ? unclippedLoss[i] : clippedLoss[i])
            }
        } else {
            valueTotal = FusedSquaredValueError.forward(count: count, values: values, returns: returns, difference: difference)
        }
        let valueLoss = 0.5 * (Float(valueTotal) * scale)
        let entropy = Float(entropyTotal) * scale

        let samples = Float(max(count, 1))
        (diagnostics[0].value, diagnostics[1].value, diagnostics[2].value, diagnostics[3].value, diagnostics[4].value) =
            (policyLoss, valueLoss, entropy, approximateKL / samples, Float(clipped) / samples)
        return FusedLossChain.total(weight: weight, policyLoss: policyLoss, valueCoefficient: loss.valueCoefficient, valueLoss: valueLoss,
                                    entropyCoefficient: loss.entropyCoefficient, entropy: entropy)
    }

    func backward(count: Int, columns _: FusedColumns, gradientScale: Float, logProbabilityGradients: UnsafeMutablePointer<Float>,
                  valueGradients: UnsafeMutablePointer<Float>) -> Float {
        let epsilon = loss.clipParameter
        let (lower, upper) = (1 - epsilon, 1 + epsilon)
        let scale = 1 / Float(count)
        let chain = FusedLossChain(gradientScale: gradientScale, weight: weight, valueCoefficient: loss.valueCoefficient,
                                   entropyCoefficient: loss.entropyCoefficient)

        // Policy: max(−Â·ρ, −Â·clip(ρ)) → ρ → log ρ → log π (the subtraction's `· 1`).
        let ratio = buffer(.ratio, count)
        let negativeAdvantages = buffer(.negativeAdvantages, count)
        let (unclippedTerm, clippedTerm) = (buffer(.unclippedTerm, count), buffer(.clippedTerm, count))
        let policyShare = chain.policyLoss * scale
        for i in 0..<count {
            let takesUnclipped = unclippedTerm[i] >= clippedTerm[i]
            let unclippedTermGradient = 0 + (takesUnclipped ? policyShare : policyShare * 0)
            let clippedTermGradient = 0 + (takesUnclipped ? policyShare * 0 : policyShare)
            var ratioGradient: Float = 0
            ratioGradient += unclippedTermGradient * negativeAdvantages[i]
            var clippedRatioGradient: Float = 0
            clippedRatioGradient += clippedTermGradient * negativeAdvantages[i]
            if ratio[i] >= lower && ratio[i] <= upper { ratioGradient += clippedRatioGradient }
            let logRatioGradient = 0 + ratioGradient * ratio[i]
            logProbabilityGradients[i] = 0 + logRatioGradient * 1
        }

        // Value: ½·max((V−R)², (V_old + clip(V−V_old) − R)²), or ½·(V−R)².
        let difference = buffer(.difference, count)
        let valueShare = chain.valueMean * scale
        if loss.clipValueLoss {
            let (unclippedLoss, valueDifference) = (buffer(.unclippedLoss, count), buffer(.valueDifference, count))
            let (clippedDifference, clippedLoss) = (buffer(.clippedDifference, count), buffer(.clippedLoss, count))
            for i in 0..<count {
                let takesUnclipped = unclippedLoss[i] >= clippedLoss[i]
                let unclippedLossGradient = 0 + (takesUnclipped ? valueShare : valueShare * 0)
                let clippedLossGradient = 0 + (takesUnclipped ? valueShare * 0 : valueShare)
                let differenceGradient = 0 + unclippedLossGradient * (2 * difference[i])
                let clippedGradient = 0 + clippedLossGradient * (2 * clippedDifference[i])
                var valueDifferenceGradient: Float = 0
                if valueDifference[i] >= -epsilon && valueDifference[i] <= epsilon { valueDifferenceGradient += clippedGradient }
                var valueGradient: Float = 0
                valueGradient += differenceGradient
                valueGradient += valueDifferenceGradient
                valueGradients[i] = 0 + valueGradient
            }
        } else {
            FusedSquaredValueError.backward(count: count, share: valueShare, difference: difference, valueGradients: valueGradients)
        }
        return chain.entropyMean * scale
    }

    private func buffer(_ slot: Slot, _ count: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer(slot.rawValue, count: count)
    }
}
