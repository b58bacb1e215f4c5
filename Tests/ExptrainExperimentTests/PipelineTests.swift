import ExptrainExperiment
import XCTest

final class PipelineTests: XCTestCase {
    private let complete = TrainingSettings(
        numMiniBatch: 4, updateRepeats: 4, maxGradNorm: 0.5, numSteps: 128, gamma: 0.99, useGAE: true,
        gaeLambda: 0.95, saveInterval: 50_000, metricAccumulateInterval: 2048, learningRate: 2.5e-4,
        learningRateDecay: .linear(), optimizer: .adam())

    private func pipeline(stages: [PipelineStage], settings: TrainingSettings? = nil) -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(), "imitation": .imitation], stages: stages,
            settings: settings ?? complete)
    }

    func testStageOverridesFallBackToPipeline() throws {
        let p = pipeline(stages: [
            PipelineStage(lossNames: ["imitation"], maxStageSteps: 1000, settings: TrainingSettings(numSteps: 32, learningRate: 1e-3)),
            PipelineStage(lossNames: ["ppo"], maxStageSteps: 2000),
        ])
        let first = try p.resolvedSettings(forStage: 0)
        XCTAssertEqual(first.numSteps, 32)
        XCTAssertEqual(first.learningRate, 1e-3)
        XCTAssertEqual(first.numMiniBatch, 4)
        let second = try p.resolvedSettings(forStage: 1)
        XCTAssertEqual(second.numSteps, 128)
        XCTAssertEqual(second.learningRate, 2.5e-4)
        XCTAssertEqual(p.totalSteps, 3000)
        XCTAssertNoThrow(try p.validate(experiment: "demo", environmentsPerProcess: 4, recurrent: true))
    }

    func testRecurrentModelsNeedAnEnvironmentPerMinibatch() {
        let p = pipeline(stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 10)])
        XCTAssertThrowsError(try p.validate(experiment: "demo", environmentsPerProcess: 2, recurrent: true)) { error in
            XCTAssertTrue("\(error)".hasPrefix("demo: stage 0: numMiniBatch 4 exceeds environmentsPerProcess 2"), "\(error)")
        }
    }

    /// A feed-forward model's minibatches are single steps (as CleanRL's), so there may be
    /// more of them than environments, up to the steps of a rollout.
    func testFeedForwardMinibatchesAreBoundedByRolloutSteps() throws {
        let p = pipeline(stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 10)])
        XCTAssertNoThrow(try p.validate(experiment: "demo", environmentsPerProcess: 1, recurrent: false))
        let tooMany = pipeline(stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 10, settings: TrainingSettings(numMiniBatch: 129))])
        XCTAssertThrowsError(try tooMany.validate(experiment: "demo", environmentsPerProcess: 1, recurrent: false)) { error in
            XCTAssertTrue("\(error)".contains("numMiniBatch 129 exceeds the 128 steps of a rollout"), "\(error)")
        }
    }

    func testMissingSettingIsNamed() {
        var settings = complete
        settings.gamma = nil
        let p = pipeline(stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 10)], settings: settings)
        XCTAssertThrowsError(try p.validate(experiment: "demo", environmentsPerProcess: 4, recurrent: true)) { error in
            XCTAssertTrue("\(error)".contains("'gamma' is not set"), "\(error)")
        }
    }

    func testImpossibleValuesAreRejected() {
        let bad: [(TrainingSettings, String)] = [
            (TrainingSettings(gamma: 1.5), "gamma must be in [0, 1]"),
            (TrainingSettings(numSteps: 0), "numSteps must be at least 1"),
            (TrainingSettings(maxGradNorm: 0), "maxGradNorm must be positive"),
            (TrainingSettings(learningRate: -1), "learningRate must be positive"),
            (TrainingSettings(optimizer: .sgd(momentum: 1)), "momentum"),
        ]
        for (override, expected) in bad {
            let p = pipeline(stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 10, settings: override)])
            XCTAssertThrowsError(try p.validate(experiment: "demo", environmentsPerProcess: 4, recurrent: true)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testUnknownLossAndWeightCountAreRejected() {
        let unknown = pipeline(stages: [PipelineStage(lossNames: ["ppo", "bc"], maxStageSteps: 10)])
        XCTAssertThrowsError(try unknown.validate(experiment: "demo", environmentsPerProcess: 4, recurrent: true)) { error in
            XCTAssertTrue("\(error)".contains("unknown loss 'bc'"), "\(error)")
        }
        let weights = pipeline(stages: [PipelineStage(lossNames: ["ppo"], lossWeights: [1, 2], maxStageSteps: 10)])
        XCTAssertThrowsError(try weights.validate(experiment: "demo", environmentsPerProcess: 4, recurrent: true))
        XCTAssertThrowsError(try pipeline(stages: []).validate(experiment: "demo", environmentsPerProcess: 4, recurrent: true))
    }

    func testTeacherForcingDecaysLinearlyThenStays() {
        let forcing = TeacherForcing.linearDecay(start: 1, end: 0, steps: 100)
        XCTAssertEqual(forcing.probability(atStageStep: 0), 1)
        XCTAssertEqual(forcing.probability(atStageStep: 25), 0.75)
        XCTAssertEqual(forcing.probability(atStageStep: 100), 0)
        XCTAssertEqual(forcing.probability(atStageStep: 500), 0)
    }

    func testEarlyStoppingRules() {
        let rule = EarlyStoppingRule.episodeReturnMean100(atLeast: 475)
        var progress = TrainingProgress(totalSteps: 0, stageSteps: 0, stageEpisodes: 0, episodeReturnMean100: nil, successMean100: nil)
        XCTAssertFalse(rule.evaluate(progress))
        progress.episodeReturnMean100 = 474.9
        XCTAssertFalse(rule.evaluate(progress))
        progress.episodeReturnMean100 = 475
        XCTAssertTrue(rule.evaluate(progress))
    }
}

final class ConfigOverridesTests: XCTestCase {
    func testOverridesAreTypedAndDefaultsApply() throws {
        let overrides = try ConfigOverrides(["numSteps=256", "learningRate=3e-4", "useGAE=false"])
        XCTAssertEqual(try overrides.value("numSteps", default: 128), 256)
        XCTAssertEqual(try overrides.value("learningRate", default: Float(2.5e-4)), 3e-4)
        XCTAssertEqual(try overrides.value("useGAE", default: true), false)
        XCTAssertEqual(try overrides.value("gamma", default: Float(0.99)), 0.99)
        XCTAssertNoThrow(try overrides.checkAllKeysKnown(experiment: "demo"))
        XCTAssertEqual(overrides.resolved.map(\.key), ["numSteps", "learningRate", "useGAE", "gamma"])
        XCTAssertEqual(overrides.resolved.map(\.value), ["256", "0.0003", "false", "0.99"])
    }

    func testSettingsRecordEachKeyWithItsDefaultWhateverWasGiven() throws {
        let overrides = try ConfigOverrides(["numSteps=256"])
        _ = try overrides.value("numSteps", default: 128)
        _ = try overrides.value("gamma", default: Float(0.99))
        _ = try overrides.value("useGAE", default: true)
        _ = try overrides.value("numSteps", default: 64)
        XCTAssertEqual(overrides.settings.map(\.key), ["gamma", "useGAE", "numSteps"], "a key read twice counts once, where last read")
        XCTAssertEqual(overrides.settings.map(\.defaultValue), ["0.99", "true", "64"])
        XCTAssertEqual(overrides.settings.map(\.typeName), ["a number", "true or false", "an integer"])
        XCTAssertEqual(overrides.resolved.last?.value, "256")
    }

    func testBadValueNamesKeyTypeAndExample() throws {
        let overrides = try ConfigOverrides(["numSteps=many"])
        XCTAssertThrowsError(try overrides.value("numSteps", default: 128)) { error in
            XCTAssertEqual("\(error)", "--config numSteps=many: expected an integer, for example numSteps=128")
        }
    }

    func testUnknownKeyListsTheValidOnes() throws {
        let overrides = try ConfigOverrides(["numstep=3"])
        _ = try overrides.value("numSteps", default: 128)
        _ = try overrides.value("gamma", default: Float(0.99))
        XCTAssertThrowsError(try overrides.checkAllKeysKnown(experiment: "demo")) { error in
            XCTAssertEqual("\(error)", "--config numstep=…: demo has no setting 'numstep'; its settings are: numSteps, gamma")
        }
    }

    func testMalformedPairs() {
        XCTAssertThrowsError(try ConfigOverrides(["numSteps"]))
        XCTAssertThrowsError(try ConfigOverrides(["=3"]))
        XCTAssertThrowsError(try ConfigOverrides(["a=1", "a=2"]))
    }
}
