import ExptrainExperiment
import ExptrainNN
import ExptrainTensor
import Foundation

/// `config.json`: the resolved settings of a run, encoded from the typed values the run
/// uses (losses, optimisers and schedules by their own `Encodable` conformances), so
/// nothing is dropped or turned into a string on the way.
struct RunConfigRecord: Encodable {
    var tag: String
    var exptrainVersion: String
    var gitCommit: String?
    var worldSize: Int
    /// The OpenBLAS kernels rank 0 ran (`BLASKernels.coreName`): a seed's parameters depend on them.
    var blasKernels: String
    /// Whether rank 0's training thread flushed subnormal floats to zero (`SubnormalFlushing`).
    var subnormalsFlushedToZero: Bool
    /// The vector unit rank 0's element-wise kernels ran on (`VectorUnit.name`); every width
    /// gives the same numbers.
    var vectorKernels: String
    /// Each rank's environments, by rank.
    var environmentsPerProcess: [Int]
    var nprocessesDesigned: Int
    var gpuIDs: [Int]
    /// As decimal strings: JSON numbers lose UInt64 precision in most readers.
    var seeds: [String]
    var seedsDigest: String
    /// The experiment's settings as `--config` resolved them.
    var settings: [String: String]
    var stages: [Stage]
    var losses: [String: TypedValue]
    var maxSteps: Int?
    var resumedFromSteps: Int

    struct Stage: Encodable {
        var losses: [String]
        var lossWeights: [Float]
        var maxStageSteps: Int
        var earlyStopping: String?
        var teacherForcing: String?
        var settings: Settings
    }

    /// `ResolvedTrainingSettings`, field by field.
    struct Settings: Encodable {
        var numMiniBatch: Int
        var updateRepeats: Int
        var maxGradNorm: Float
        var numSteps: Int
        var gamma: Float
        var useGAE: Bool
        var gaeLambda: Float
        var advanceSceneRolloutPeriod: Int?
        var saveInterval: Int
        var metricAccumulateInterval: Int
        var learningRate: Float
        var learningRateDecay: TypedValue
        var optimizer: TypedValue

        init(_ settings: ResolvedTrainingSettings) {
            numMiniBatch = settings.numMiniBatch
            updateRepeats = settings.updateRepeats
            maxGradNorm = settings.maxGradNorm
            numSteps = settings.numSteps
            gamma = settings.gamma
            useGAE = settings.useGAE
            gaeLambda = settings.gaeLambda
            advanceSceneRolloutPeriod = settings.advanceSceneRolloutPeriod
            saveInterval = settings.saveInterval
            metricAccumulateInterval = settings.metricAccumulateInterval
            learningRate = settings.learningRate
            learningRateDecay = TypedValue(settings.learningRateDecay)
            optimizer = TypedValue(settings.optimizer)
        }
    }

    /// A value of some conforming type (a loss, an optimiser, a schedule): its type's name
    /// and its own encoding.
    struct TypedValue: Encodable {
        let type: String
        let value: any Encodable

        init(_ value: some Encodable) {
            type = String(describing: Swift.type(of: value))
            self.value = value
        }

        private enum CodingKeys: String, CodingKey { case type, settings }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(value, forKey: .settings)
        }
    }

    init(
        tag: String, context: RunContext, machine: MachineParams, pipeline: TrainingPipeline, seeds: RunSeeds,
        settings: [(key: String, value: String)], maxSteps: Int?, resumedFromSteps: Int
    ) throws {
        self.tag = tag
        exptrainVersion = context.version
        gitCommit = context.gitCommit
        worldSize = context.world.size
        blasKernels = BLASKernels.coreName
        subnormalsFlushedToZero = SubnormalFlushing.isEnabled
        vectorKernels = VectorUnit.name
        environmentsPerProcess = try machine.environmentsPerProcess(totalProcesses: context.world.size)
        nprocessesDesigned = machine.nprocesses
        gpuIDs = machine.gpuIDs
        self.seeds = seeds.seeds.map { String($0) }
        seedsDigest = seeds.digest
        self.settings = Dictionary(settings.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        stages = try pipeline.stages.indices.map { index in
            let stage = pipeline.stages[index]
            return Stage(
                losses: stage.lossNames, lossWeights: stage.effectiveLossWeights, maxStageSteps: stage.maxStageSteps,
                earlyStopping: stage.earlyStopping.map { "\($0)" }, teacherForcing: stage.teacherForcing.map { "\($0)" },
                settings: Settings(try pipeline.resolvedSettings(forStage: index)))
        }
        losses = pipeline.namedLosses.mapValues { TypedValue($0) }
        self.maxSteps = maxSteps
        self.resumedFromSteps = resumedFromSteps
    }

    /// Pretty-printed JSON with sorted, snake-case keys.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}
