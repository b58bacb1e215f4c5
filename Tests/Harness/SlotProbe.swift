import ExptrainExperiment
import ExptrainExperiments
import ExptrainNN
import ExptrainTasks
import Foundation

/// The probe's sampler arguments: which process asks, and its episodes.
struct ProbeSamplerArgs {
    var processIndex: Int
    var episodes: EpisodeSamplerArgs
}

/// A small CartPole experiment that records, on each rank, the `ProcessSlot` its
/// sampler-args methods were called with (`<probeDir>/<mode>-slot-<processIndex>.json`),
/// so integration tests can check the rank contract from outside the process. It can
/// also fail on one process (`failOnProcess`) or make one process's tasks slow
/// (`slowProcess`, `slowStepMicroseconds`), to test that a job ends or that stragglers are cut short.
struct SlotProbe: ExperimentConfig {
    static let tag = "slot-probe"
    static let summary = "Test harness: CartPole PPO that records each rank's ProcessSlot"

    let probeDirectory: String
    let gpuIDs: [Int]
    let validEpisodes: Int
    let testEpisodes: Int
    let failOnProcess: Int
    let slowProcess: Int
    let slowStepMicroseconds: Int
    let nprocesses: Int

    init(overrides: ConfigOverrides) throws {
        probeDirectory = try overrides.value("probeDir", default: "")
        let gpuText = try overrides.value("gpuIDs", default: "")
        gpuIDs = try gpuText.split(separator: ",").map { text in
            guard let id = Int(text) else { throw ExperimentError("--config gpuIDs=\(gpuText): expected integers separated by commas") }
            return id
        }
        validEpisodes = try overrides.value("validEpisodes", default: 0)
        testEpisodes = try overrides.value("testEpisodes", default: 6)
        failOnProcess = try overrides.value("failOnProcess", default: -1)
        slowProcess = try overrides.value("slowProcess", default: -1)
        slowStepMicroseconds = try overrides.value("slowStepMicroseconds", default: 2_000)
        nprocesses = try overrides.value("nprocesses", default: 2)
    }

    func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo()],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 1_000_000)],
            settings: TrainingSettings(
                numMiniBatch: 2, updateRepeats: 2, maxGradNorm: 0.5, numSteps: 32, gamma: 0.99, useGAE: true,
                gaeLambda: 0.95, saveInterval: 1_024, metricAccumulateInterval: 512, learningRate: 1e-3,
                learningRateDecay: .linear(endFactor: 0), optimizer: .adam(epsilon: 1e-5)))
    }

    func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: nprocesses, gpuIDs: gpuIDs, environmentsPerProcess: 2)
    }

    func createModel(seed: UInt64) throws -> MLPActorCritic {
        MLPActorCritic(observationSize: 4, actionCount: 2, hidden: [16, 16], activation: .tanh, seed: seed)
    }

    func makeSampler(_ args: ProbeSamplerArgs) throws -> WrappedCartPoleSampler<SlowTask> {
        let delay = args.processIndex == slowProcess ? UInt32(slowStepMicroseconds) : 0
        return WrappedCartPoleSampler(CartPoleTaskSampler(seed: args.episodes.seed, episodeCount: args.episodes.episodeCount)) {
            SlowTask($0, microsecondsPerStep: delay)
        }
    }

    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> ProbeSamplerArgs {
        try record(slot, mode: .train)
        if slot.processIndex == failOnProcess {
            throw ExperimentError("slot-probe fails on process \(failOnProcess) as asked (--config failOnProcess)")
        }
        return ProbeSamplerArgs(processIndex: slot.processIndex, episodes: .training(slot))
    }

    func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> ProbeSamplerArgs? {
        try record(slot, mode: .valid)
        guard validEpisodes > 0 else { return nil }
        return ProbeSamplerArgs(processIndex: slot.processIndex, episodes: try .evaluation(slot, episodes: validEpisodes, setSeed: 11))
    }

    func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> ProbeSamplerArgs? {
        try record(slot, mode: .test)
        guard testEpisodes > 0 else { return nil }
        return ProbeSamplerArgs(processIndex: slot.processIndex, episodes: try .evaluation(slot, episodes: testEpisodes, setSeed: 12))
    }

    private func record(_ slot: ProcessSlot, mode: RunMode) throws {
        guard !probeDirectory.isEmpty else { return }
        let object: [String: Any] = [
            "processIndex": slot.processIndex, "totalProcesses": slot.totalProcesses, "devices": slot.devices,
            "seeds": slot.seeds.map { String($0) }, "deterministic": slot.deterministic,
            "cudaVisibleDevices": ProcessInfo.processInfo.environment["CUDA_VISIBLE_DEVICES"] ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let path = "\(probeDirectory)/\(mode)-slot-\(slot.processIndex).json"
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw ExperimentError("slot-probe cannot write \(path)")
        }
    }
}

/// CartPole that takes `delay` microseconds per step: a rank stuck behind a slow
/// simulator, for straggler-preemption tests.
final class SlowTask: CartPoleWrapper {
    private let delay: UInt32

    init(_ task: CartPoleTask, microsecondsPerStep: UInt32) {
        delay = microsecondsPerStep
        super.init(task)
    }

    override func step(action: Action) throws -> StepResult {
        if delay > 0 { usleep(delay) }
        return try task.step(action: action)
    }
}
