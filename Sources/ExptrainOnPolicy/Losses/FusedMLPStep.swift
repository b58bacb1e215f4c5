import ExptrainNN
import ExptrainTensor

/// One minibatch step of an `MLPActorCritic` trained by one `PPOLoss` or `A2CLoss`, with a
/// `Categorical`, `MultiCategorical` or `DiagonalGaussian` policy, forward and backward
/// written out by hand into buffers kept across minibatches: the numbers of `model.forward`
/// → the loss → `backward()` on the tape, bit for bit, without building a graph and without
/// allocating.
///
/// It computes, for the minibatch's `B` samples,
///
///     out = actor(x), V = critic(x)
///     log π(a|s) and H from out                       (`FusedPolicyTerms`: the distribution)
///     L = w · (L_π + c_V·L_V − c_H·mean(H))           (`FusedObjective`: the loss)
///     ∇θ (s·L) into the model's gradient buffer
///
/// with `s` the caller's gradient scale (the rank's share of the global minibatch) and
/// `w` the loss's pipeline weight. Bit-identity with the tape is the contract (parameter
/// digests depend on it), so every floating-point operation is the tape's, in the tape's
/// order: the same `sgemm` calls with the same shapes and transposes (`beta` 0 only where
/// the tape sums into a zeroed buffer and a zero's sign is dropped next); gradients
/// that start at zero and accumulate (`+=`) as the tape's accumulators do, in the order
/// `backward()` visits the recorded operations; sums in Double where the tape sums in Double.
///
/// The trainer uses it wherever it applies (`init?` says where) and the tape otherwise;
/// `Tests/ExptrainOnPolicyTests` checks both give the same losses and gradients.
///
/// ```swift
/// if let fused = FusedMLPStep(model: model, losses: [ppo], weights: [1]) {
///     let total = fused.step(storage, samples: order[0..<128], gradientScale: 0.5)
///     // model.parameters' gradients hold ∇(0.5 · total); fused.diagnostics the loss's terms
/// }
/// ```
public final class FusedMLPStep {
    private let model: MLPActorCritic
    private let actorLayers: [Linear]
    private let criticLayers: [Linear]
    private let policy: any FusedPolicyTerms
    private let objective: any FusedObjective
    private let actionDimensions: Int
    private let workspace = InferenceWorkspace()

    /// The loss's diagnostics of the last `step`, under its keys.
    public var diagnostics: [(key: String, value: Float)] { objective.diagnostics }

    /// The fused step for `model` trained by `losses` (with their pipeline `weights`), or
    /// `nil` where it does not apply: anything but one `PPOLoss` or `A2CLoss` on a
    /// feed-forward `MLPActorCritic` (any of its action spaces: `Discrete`, `MultiDiscrete`, `Box`).
    public init?(model: any ActorCriticModel, losses: [any Loss], weights: [Float]) {
        guard let model = model as? MLPActorCritic, losses.count == 1, weights.count == 1 else { return nil }
        switch losses[0] {
        case let loss as PPOLoss: objective = FusedPPOObjective(loss, weight: weights[0])
        case let loss as A2CLoss: objective = FusedA2CObjective(loss, weight: weights[0])
        default: return nil
        }
        switch model.distributionHead {
        case let head as CategoricalHead: policy = FusedCategoricalTerms(counts: [head.actionCount])
        case let head as MultiCategoricalHead: policy = FusedCategoricalTerms(counts: head.counts)
        case let head as GaussianHead:
            guard let logStandardDeviation = model.logStandardDeviation else { return nil }
            policy = FusedGaussianTerms(dimensions: head.dimensions, logStandardDeviation: logStandardDeviation)
        default: return nil
        }
        let actorLayers = model.actor.layers.compactMap { $0 as? Linear }
        let criticLayers = model.critic.layers.compactMap { $0 as? Linear }
        // Exactly Linear, activation, Linear, …, Linear: what `MLPActorCritic` builds.
        guard model.actor.layers.count == 2 * actorLayers.count - 1, model.critic.layers.count == 2 * criticLayers.count - 1
        else { return nil }
        (self.model, actionDimensions) = (model, model.distributionHead.actionDimensions)
        (self.actorLayers, self.criticLayers) = (actorLayers, criticLayers)
    }

    // Workspace slots: the inputs, the per-sample gradients, then each network's layers.
    private enum Slot: Int {
        case observations, oldLogProbabilities, oldValues, advantages, returns, actions
        case logProbabilities, logProbabilityGradients, actorOutputGradients, valueGradients
        case transposedWeight
        case firstNetwork
    }

    /// Slots per layer: pre-activation, activation, and their gradients.
    private static let slotsPerLayer = 4

    /// The fewest rows from which the forward pass copies each weight as `Wᵀ` for
    /// `BLAS.affine`'s untransposed product: the weights change at every minibatch, so the
    /// copy (3,200 cycles for 64 × 64) is made each time, and pays at a 128-row minibatch.
    public static let transposedProductRows = 32

    /// The loss on samples `samples` (flat indices `t·N + e` of `storage`), `w · L`, as the
    /// trainer's `total`; the model's gradients are zeroed and then hold `∇(gradientScale · w · L)`.
    public func step(_ storage: RolloutStorage, samples: ArraySlice<Int>, gradientScale: Float) -> Float {
        let count = samples.count
        precondition(count > 0, "a minibatch needs at least one sample")
        let observationSize = model.observationSize
        precondition(storage.floatCount == observationSize, "observations of \(storage.floatCount) floats for a model of \(observationSize)")
        precondition(storage.actionDimensions == actionDimensions, "actions of \(storage.actionDimensions) floats for a policy of \(actionDimensions)")
        let x = buffer(.observations, count * observationSize)
        let (oldLogP, oldValues, advantages, returns) =
            (buffer(.oldLogProbabilities, count), buffer(.oldValues, count), buffer(.advantages, count), buffer(.returns, count))
        let actions = buffer(.actions, count * actionDimensions)
        for (position, sample) in samples.enumerated() {
            (x + position * observationSize).update(from: storage.observationFloats.baseAddress! + sample * observationSize, count: observationSize)
            (actions + position * actionDimensions).update(from: storage.actions.baseAddress! + sample * actionDimensions, count: actionDimensions)
            oldLogP[position] = storage.logProbabilities[sample]
            oldValues[position] = storage.values[sample]
            advantages[position] = storage.advantages[sample]
            returns[position] = storage.returns[sample]
        }
        if objective.normalizesAdvantages { normalize(advantages, count: count) }
        let columns = FusedColumns(oldLogProbabilities: oldLogP, oldValues: oldValues, advantages: advantages, returns: returns)

        // Forward: both networks, the policy's log-probabilities and entropy, then the loss.
        let actorOutput = forward(actorLayers, network: 0, input: x, batch: count)
        let values = forward(criticLayers, network: 1, input: x, batch: count)
        let logP = buffer(.logProbabilities, count)
        let entropyTotal = policy.forward(actorOutput: actorOutput, actions: actions, count: count, into: logP)
        let total = objective.forward(count: count, columns: columns, logProbabilities: logP, entropyTotal: entropyTotal, values: values)

        // Backward: the loss, the policy, then both networks.
        model.parameters.zeroGradients()
        let (logPGradients, valueGradients) = (buffer(.logProbabilityGradients, count), buffer(.valueGradients, count))
        let entropyShare = objective.backward(count: count, columns: columns, gradientScale: gradientScale,
                                              logProbabilityGradients: logPGradients, valueGradients: valueGradients)
        let actorOutputGradients = buffer(.actorOutputGradients, count * policy.actorOutputSize)
        policy.backward(count: count, logProbabilityGradients: logPGradients, entropyShare: entropyShare, into: actorOutputGradients)
        backward(actorLayers, network: 0, input: x, batch: count, outputGradient: actorOutputGradients)
        backward(criticLayers, network: 1, input: x, batch: count, outputGradient: valueGradients)
        return total
    }

    /// `layers` with the model's activation between them on `input` `[batch, in]`, keeping
    /// every pre-activation and activation for the backward pass; returns the output rows.
    private func forward(_ layers: [Linear], network: Int, input: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float> {
        var current = input
        var output = UnsafeMutablePointer<Float>(mutating: input)
        for (index, layer) in layers.enumerated() {
            let size = batch * layer.outputSize
            output = layerBuffer(network, index, 0, size)
            if batch >= Self.transposedProductRows && layer.usesTransposedWeight {
                let transposed = buffer(.transposedWeight, layer.inputSize * layer.outputSize)
                layer.writeTransposedWeight(into: transposed)
                layer.apply(current, batch: batch, into: output, transposedWeight: transposed)
            } else {
                layer.apply(current, batch: batch, into: output)
            }
            if index < layers.count - 1 {
                let activated = layerBuffer(network, index, 1, size)
                model.activation.kernel.apply(output, into: activated, count: size)
                current = UnsafePointer(activated)
            }
        }
        return output
    }

    /// The tape's pullbacks of `layers` from d(loss)/d(output) `outputGradient`: per layer
    /// `dx = dy·W` (not for the input), `dW += dyᵀ·x`, `db += Σ_rows dy`, then the activation's.
    private func backward(_ layers: [Linear], network: Int, input: UnsafePointer<Float>, batch: Int, outputGradient: UnsafeMutablePointer<Float>) {
        var gradient = outputGradient
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index]
            let (inputSize, outputSize) = (layer.inputSize, layer.outputSize)
            let layerInput = index == 0 ? input : UnsafePointer(layerBuffer(network, index - 1, 1, batch * inputSize))
            var inputGradient: UnsafeMutablePointer<Float>?
            if index > 0 {
                // The tape sums into zeros (beta 1 on a zeroed buffer); beta 0 differs from
                // that at most in the sign of a zero, which the pullback's `0 + …` below drops.
                let activationGradient = layerBuffer(network, index - 1, 3, batch * inputSize)
                BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: inputSize, k: outputSize, a: gradient,
                          b: layer.weight.tensor.withUnsafeBufferPointer { $0.baseAddress! }, beta: 0, c: activationGradient)
                inputGradient = activationGradient
            }
            let entry = layer.weight.entry
            model.parameters.withGradients { gradients in
                let weightGradient = gradients.baseAddress! + entry.offset
                BLAS.gemm(transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: batch, a: gradient, b: layerInput, beta: 1, c: weightGradient)
                BLAS.addColumnSums(gradient, rowCount: batch, columns: outputSize, into: gradients.baseAddress! + layer.bias.entry.offset)
            }
            if let inputGradient {
                let (preActivation, activated) = (layerBuffer(network, index - 1, 0, batch * inputSize), layerBuffer(network, index - 1, 1, batch * inputSize))
                let preActivationGradient = layerBuffer(network, index - 1, 2, batch * inputSize)
                model.activation.kernel.pullBack(
                    inputGradient, input: preActivation, output: activated, into: preActivationGradient, count: batch * inputSize,
                    accumulating: false)
                gradient = preActivationGradient
            }
        }
    }

    /// `(x − mean) / (std + 1e-8)` in place, the arithmetic of `normalizedAdvantages`.
    private func normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let n = Double(count)
        guard n > 1 else { return }
        var mean = 0.0
        for i in 0..<count { mean += Double(x[i]) }
        mean /= n
        var variance = 0.0
        for i in 0..<count { variance += (Double(x[i]) - mean) * (Double(x[i]) - mean) }
        variance /= n - 1
        let scale = 1 / (variance.squareRoot() + 1e-8)
        for i in 0..<count { x[i] = Float((Double(x[i]) - mean) * scale) }
    }

    private func buffer(_ slot: Slot, _ count: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer(slot.rawValue, count: count)
    }

    /// Layer `index` of network `network` (0 actor, 1 critic): `part` 0 pre-activation,
    /// 1 activation, 2 and 3 their gradients.
    private func layerBuffer(_ network: Int, _ index: Int, _ part: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        let layers = max(actorLayers.count, criticLayers.count)
        return workspace.buffer(Slot.firstNetwork.rawValue + 1 + (network * layers + index) * Self.slotsPerLayer + part, count: count)
    }
}
