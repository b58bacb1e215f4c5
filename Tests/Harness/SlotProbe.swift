import ExptrainExperiment
import ExptrainExperiments
import ExptrainNN
import ExptrainTasks
import Foundation

/// A small CartPole experiment that records, on each rank, the `ProcessSlot` its
/// sampler-args methods were called with (`<probeDir>/<mode>-slot-<processIndex>.json`),
/// so integration tests can check the rank contract from outside the process.
struct SlotProbe: ExperimentConfig {
    static let tag = "slot-probe"
    static let summary = "Test harness: CartPole PPO that records each rank's ProcessSlot"

    let probeDirectory: String
    let gpuIDs: [Int]
    let validEpisodes: Int
    let testEpisodes: Int
    let failOnProcess: Int

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
    }

    func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(PPOSettings())],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 1_000_000)],
            settings: TrainingSettings(
                numMiniBatch: 2, updateRepeats: 2, maxGradNorm: 0.5, numSteps: 32, gamma: 0.99, useGAE: true,
                gaeLambda: 0.95, saveInterval: 1_024, metricAccumulateInterval: 512, learningRate: 1e-3,
                learningRateDecay: .linear(endFactor: 0), optimizer: .adam(epsilon: 1e-5)))
    }

    func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: 2, gpuIDs: gpuIDs, environmentsPerProcess: 2)
    }

    func createModel(seed: UInt64) throws -> MLPActorCritic {
        MLPActorCritic(observationSize: 4, actionCount: 2, hidden: [16, 16], activation: .tanh, seed: seed)
    }

    func makeSampler(_ args: EpisodeSamplerArgs) throws -> CartPoleTaskSampler {
        CartPoleTaskSampler(seed: args.seed, episodeCount: args.episodeCount)
    }

    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        try record(slot, mode: .train)
        if slot.processIndex == failOnProcess {
            throw ExperimentError("slot-probe fails on process \(failOnProcess) as asked (--config failOnProcess)")
        }
        return .training(slot)
    }

    func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try record(slot, mode: .valid)
        return validEpisodes == 0 ? nil : try .evaluation(slot, episodes: validEpisodes, setSeed: 11)
    }

    func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try record(slot, mode: .test)
        return testEpisodes == 0 ? nil : try .evaluation(slot, episodes: testEpisodes, setSeed: 12)
    }

    private func record(_ slot: ProcessSlot, mode: RunMode) throws {
        guard !probeDirectory.isEmpty else { return }
        let object: [String: Any] = [
            "processIndex": slot.processIndex, "totalProcesses": slot.totalProcesses, "devices": slot.devices,
            "seeds": slot.seeds.map { String($0) }, "deterministic": slot.deterministic,
            "cudaVisibleDevices": ProcessInfo.processInfo.environment["CUDA_VISIBLE_DEVICES"] ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        FileManager.default.createFile(atPath: "\(probeDirectory)/\(mode)-slot-\(slot.processIndex).json", contents: data)
    }
}
