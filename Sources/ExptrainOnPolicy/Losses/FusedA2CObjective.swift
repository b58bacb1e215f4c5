import ExptrainNN

/// `A2CLoss` for `FusedMLPStep`, on raw rows:
///
///     L_π = −mean(Â·log π(a|s)),   L_V = ½·mean((V − R)²)
final class FusedA2CObjective: FusedObjective {
    private let loss: A2CLoss
    private let weight: Float
    private let workspace = InferenceWorkspace()
    private(set) var diagnostics: [(key: String, value: Float)] = [("policy_loss", 0), ("value_loss", 0), ("entropy", 0)]
    var normalizesAdvantages: Bool { loss.normalizeAdvantage }
    /// Where `forward` keeps `V − R` for `backward`.
    private enum Slot: Int { case difference }

    init(_ loss: A2CLoss, weight: Float) {
        (self.loss, self.weight) = (loss, weight)
    }

    func forward(count: Int, columns: FusedColumns, logProbabilities logP: UnsafePointer<Float>, entropyTotal: Double,
                 values: UnsafePointer<Float>) -> Float {
        let scale = 1 / Float(count)
        var policyTotal = 0.0
        for i in 0..<count { policyTotal += Double(columns.advantages[i] * logP[i]) }
        let policyLoss = -(Float(policyTotal) * scale)
        let valueTotal = FusedSquaredValueError.forward(count: count, values: values, returns: columns.returns, difference: buffer(.difference, count))
        let valueLoss = 0.5 * (Float(valueTotal) * scale)
        let entropy = Float(entropyTotal) * scale
        (diagnostics[0].value, diagnostics[1].value, diagnostics[2].value) = (policyLoss, valueLoss, entropy)
        return FusedLossChain.total(weight: weight, policyLoss: policyLoss, valueCoefficient: loss.valueCoefficient, valueLoss: valueLoss,
                                    entropyCoefficient: loss.entropyCoefficient, entropy: entropy)
    }

    func backward(count: Int, columns: FusedColumns, gradientScale: Float, logProbabilityGradients: UnsafeMutablePointer<Float>,
                  valueGradients: UnsafeMutablePointer<Float>) -> Float {
        let scale = 1 / Float(count)
        let chain = FusedLossChain(gradientScale: gradientScale, weight: weight, valueCoefficient: loss.valueCoefficient,
                                   entropyCoefficient: loss.entropyCoefficient)
        // Policy: −(·) → mean → Â · log π.
        let productShare = (0 + chain.policyLoss * -1) * scale
        for i in 0..<count {
            logProbabilityGradients[i] = 0 + (0 + productShare) * columns.advantages[i]
        }
        FusedSquaredValueError.backward(count: count, share: chain.valueMean * scale, difference: buffer(.difference, count),
                                        valueGradients: valueGradients)
        return chain.entropyMean * scale
    }

    private func buffer(_ slot: Slot, _ count: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer(slot.rawValue, count: count)
    }
}
