#if canImport(Glibc)
import Glibc
#endif
import ExptrainEnvironment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import ExptrainTensor
import Foundation

/// The LD_PRELOAD counter of scripts/bench/malloc_count.c, if it is loaded.
enum AllocationCounter {
    private typealias CountFunction = @convention(c) () -> UInt64
    private static let function: CountFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "exptrain_malloc_count") else { return nil }
        return unsafeBitCast(symbol, to: CountFunction.self)
    }()

    static var isAvailable: Bool { function != nil }
    static var count: UInt64 { function?() ?? 0 }
}

/// Heap allocations per environment step of the engine's CartPole rollout (4 environments,
/// as cartpole-ppo), in steady state: after two warm-up rollouts, over 20 rollouts of 128
/// steps, each `RolloutCollector.collect` then `carryOverLastStep`, as the trainer runs
/// them. Counted by the LD_PRELOAD shim, so everything counts: tensors, arrays, tasks.
///
/// Two paths through the same collector: the engine's (`MLPActorCritic.act` into the
/// stepper's buffers) and the tensor path (`ForwardOnly`: the protocol's default `act`,
/// `forward` on tensors without gradients, as before `act`). The inference figures count
/// only what is allocated inside the policy step, the model's `act` and the head's
/// `sample`, wherever the collector calls them (`InferenceAllocations`).
func rolloutAllocations() {
    guard AllocationCounter.isAvailable else {
        report("rollout_allocations_per_step", value: -1, unit: "allocations/step",
               extra: ["note": "not measured: run with LD_PRELOAD of scripts/bench/malloc_count.c (scripts/bench.sh does)"])
        return
    }
    let (environments, steps) = (4, 128)
    for tensorPath in [false, true] {
        let mlp = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
        let model = InferenceAllocations(tensorPath ? ForwardOnly(mlp) : mlp)
        let (collector, storage) = cartPoleCollector(model: model, environments: environments, steps: steps, samplerSeed: 5, seed: 11)
        var episodes = 0
        for _ in 0..<2 {
            collectRollout(collector, into: storage, episodes: &episodes)
            storage.carryOverLastStep()
        }
        let rollouts = 20
        let episodesBefore = episodes
        let inferenceBefore = model.tally.count
        let before = AllocationCounter.count
        for _ in 0..<rollouts {
            collectRollout(collector, into: storage, episodes: &episodes)
            storage.carryOverLastStep()
        }
        let allocations = Double(AllocationCounter.count - before)
        let inference = Double(model.tally.count - inferenceBefore)
        let stepCount = Double(rollouts * steps * environments)
        let name = tensorPath ? "rollout_allocations_per_step_tensor_path" : "rollout_allocations_per_step_engine_path"
        let how = tensorPath
            ? "RolloutCollector with the default act: forward on tensors without gradients (the path before act)"
            : "RolloutCollector, model.act into the stepper's buffers"
        report(name, value: allocations / stepCount, unit: "allocations/env step",
               extra: ["note": "CartPole, MLPActorCritic 64-64, 4 envs, \(how), everything counted; \(Int(stepCount)) env steps, \(episodes - episodesBefore) episodes ended (the sampler restarts each ended task in place)"])
        report(name.replacingOccurrences(of: "rollout_allocations", with: "rollout_inference_allocations"),
               value: inference / stepCount, unit: "allocations/env step",
               extra: ["note": "the same rollouts, counting only inside the policy step: the model's act (steps and bootstrap values) and the head's sample"],
               target: tensorPath ? nil : "0", met: tensorPath ? nil : inference == 0)
    }
}

/// Heap allocations of `CNNActorCritic.act` per environment step once its workspace is
/// warm: the pixel-goal model's convolution and a Nature-CNN with a GRU, 8 environments,
/// image bytes and vector floats as rollout storage holds them.
func convolutionalActAllocations() {
    guard AllocationCounter.isAvailable else { return }
    let environments = 8
    let pixelGoal = ObservationSpace.dictionary([
        ObservationPart("image", Box(shape: [5, 5, 1], low: 0, high: 255, elementType: .uint8)),
        ObservationPart("position", Box(shape: [2], low: -1, high: 1)),
    ])
    let atari = ObservationSpace.box(Box(shape: [84, 84, 4], low: 0, high: 255, elementType: .uint8))
    let small = ConvolutionalArchitecture(convolutions: [.init(outputChannels: 8, kernelSize: 3)], outputSize: 64)
    for (name, space, architecture, recurrentSize, steps) in [
        ("pixel_goal_cnn", pixelGoal, small, nil, 200), ("nature_cnn_gru", atari, ConvolutionalArchitecture.natureCNN, 256, 10),
    ] as [(String, ObservationSpace, ConvolutionalArchitecture, Int?, Int)] {
        let model = try! CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 4), architecture: architecture,
                                        recurrentSize: recurrentSize, seed: 1)
        let floats = [Float](repeating: 0.5, count: environments * space.floatCount)
        let bytes = (0..<(environments * space.byteCount)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let masks = [Float](repeating: 1, count: environments)
        var hidden = [Float](repeating: 0, count: environments * model.recurrentStateSize)
        var parameters = [Float](repeating: 0, count: environments * model.distributionHead.parameterCount)
        var values = [Float](repeating: 0, count: environments)
        let workspace = InferenceWorkspace()
        var allocations: UInt64 = 0
        floats.withUnsafeBufferPointer { floats in
            bytes.withUnsafeBufferPointer { bytes in
                masks.withUnsafeBufferPointer { masks in
                    hidden.withUnsafeMutableBufferPointer { hidden in
                        parameters.withUnsafeMutableBufferPointer { parameters in
                            values.withUnsafeMutableBufferPointer { values in
                                let rows = ObservationRows(floats: floats, bytes: bytes, rows: environments)
                                for step in 0...steps {
                                    let before = AllocationCounter.count
                                    model.act(observations: rows, masks: masks, hidden: hidden, environments: environments,
                                              distributionParameters: parameters, values: values, workspace: workspace)
                                    if step > 0 { allocations += AllocationCounter.count - before }   // step 0 warms the workspace
                                }
                            }
                        }
                    }
                }
            }
        }
        report("rollout_inference_allocations_per_step_\(name)", value: Double(allocations) / Double(steps * environments),
               unit: "allocations/env step",
               extra: ["note": "CNNActorCritic.act of \(environments) environments after one warm-up step, \(steps) steps, everything counted"],
               target: "0", met: allocations == 0)
    }
}

/// A running count of heap allocations.
final class AllocationTally: @unchecked Sendable {
    var count: UInt64 = 0

    /// Runs `body`, adding the allocations it makes.
    func counting(_ body: () -> Void) {
        let before = AllocationCounter.count
        body()
        count += AllocationCounter.count - before
    }
}

/// `model` as it is, but counting into `tally` the allocations made inside its `act` and
/// inside its distribution head's `sample`: the policy step, wherever the engine runs it.
final class InferenceAllocations: ActorCriticModel {
    let model: any ActorCriticModel
    let tally = AllocationTally()
    let distributionHead: any DistributionHead

    init(_ model: any ActorCriticModel) {
        self.model = model
        distributionHead = CountingHead(head: model.distributionHead, tally: tally)
    }

    var parameters: ParameterStore { model.parameters }
    var recurrentStateSize: Int { model.recurrentStateSize }

    func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        model.forward(observations: observations, masks: masks, hidden: hidden, steps: steps, environments: environments)
    }

    func act(
        observations: ObservationRows, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, distributionParameters: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        tally.counting {
            model.act(
                observations: observations, masks: masks, hidden: hidden, environments: environments,
                distributionParameters: distributionParameters, values: values, workspace: workspace)
        }
    }
}

/// `head`, counting into `tally` the allocations its `sample` makes.
struct CountingHead: DistributionHead {
    let head: any DistributionHead
    let tally: AllocationTally

    var parameterCount: Int { head.parameterCount }
    var actionDimensions: Int { head.actionDimensions }
    var description: String { head.description }

    func check(actionSpace space: ActionSpace) throws(SpaceError) { try head.check(actionSpace: space) }

    func sample(
        preparing parameters: UnsafeMutableBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, using generator: inout RandomGenerator
    ) {
        tally.counting {
            head.sample(preparing: parameters, into: actions, logProbabilities: logProbabilities, using: &generator)
        }
    }

    func logProbability(prepared row: UnsafePointer<Float>, of action: UnsafePointer<Float>) -> Float {
        head.logProbability(prepared: row, of: action)
    }

    func mode(of parameters: UnsafeBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>) {
        head.mode(of: parameters, into: actions)
    }
}

/// `model` with only its `forward`: the collector then runs the protocol's default `act`,
/// `forward` on tensors without gradients with its output copied into the stepper's
/// buffers (what a model that writes no `act` gets, and what the engine did before `act`).
final class ForwardOnly: ActorCriticModel {
    let model: any ActorCriticModel

    init(_ model: any ActorCriticModel) { self.model = model }

    var parameters: ParameterStore { model.parameters }
    var recurrentStateSize: Int { model.recurrentStateSize }
    var distributionHead: any DistributionHead { model.distributionHead }

    func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        model.forward(observations: observations, masks: masks, hidden: hidden, steps: steps, environments: environments)
    }
}

/// Heap allocations of cartpole-ppo's minibatch steps in steady state, per environment step:
/// after two warm-up updates, 20 updates of 4 epochs × 4 minibatches of 128 on the engine's
/// own rollout, each minibatch as the trainer runs it where the fused step applies
/// (`FusedMLPStep.step`, `clipGlobalNorm`, Adam) and, for comparison, on the tape (`Minibatch`,
/// `forward`, `PPOLoss`, `backward()`). Only the minibatch steps are counted (the rollout has
/// its own figures above); the order is shuffled outside the count.
func updateAllocations() {
    guard AllocationCounter.isAvailable else { return }
    let (environments, steps, minibatches, epochs) = (4, 128, 4, 4)
    for fusedPath in [true, false] {
        let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
        let (collector, storage) = cartPoleCollector(model: model, environments: environments, steps: steps, samplerSeed: 5, seed: 11)
        let loss = PPOLoss()
        let fused = FusedMLPStep(model: model, losses: [loss], weights: [1])!
        let optimizer = Adam(learningRate: 2.5e-4, eps: 1e-5)
        let tally = AllocationTally()
        var episodes = 0
        var order = Array(0..<(environments * steps))
        let size = order.count / minibatches
        let updates = 22
        for update in 0..<updates {
            collectRollout(collector, into: storage, episodes: &episodes)
            storage.computeAdvantages(gamma: 0.99, lambda: 0.95, useGAE: true)
            let before = tally.count
            for _ in 0..<epochs {
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, collector.generator.nextInt(below: i + 1)) }
                for m in 0..<minibatches {
                    let chosen = order[(m * size)..<((m + 1) * size)]
                    tally.counting {
                        if fusedPath {
                            _ = fused.step(storage, samples: chosen, gradientScale: 1)
                        } else {
                            let batch = Minibatch(storage, singleSteps: Array(chosen))
                            let output = model.forward(observations: batch.observations, masks: batch.masks, hidden: batch.initialHidden,
                                                       steps: batch.steps, environments: batch.environments)
                            let total = loss(batch, output).loss
                            model.parameters.zeroGradients()
                            total.backward()
                        }
                        _ = clipGlobalNorm(model.parameters, maxNorm: 0.5)
                        optimizer.step(parameters: model.parameters, learningRate: 2.5e-4)
                    }
                }
            }
            if update < 2 { tally.count = before }
            storage.carryOverLastStep()
        }
        let stepCount = Double((updates - 2) * environments * steps)
        report(fusedPath ? "update_allocations_per_step_fused" : "update_allocations_per_step_tape", value: Double(tally.count) / stepCount,
               unit: "allocations/env step",
               extra: ["note": "cartpole-ppo's 16 minibatch steps per update (\(fusedPath ? "FusedMLPStep.step" : "Minibatch, forward, PPOLoss, backward()"), clipGlobalNorm, Adam), steady state over \(updates - 2) updates, everything inside counted"],
               target: fusedPath ? "0" : nil, met: fusedPath ? tally.count == 0 : nil)
    }
}
