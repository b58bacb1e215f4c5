@testable import ExptrainEngine
import ExptrainCheckpoint
import ExptrainEnvironment
import ExptrainMPI
import ExptrainNN
import XCTest

/// The state in progress a checkpoint carries comes back as it was saved.
final class ResumeStateTests: XCTestCase {
    private func record(_ statistics: EpisodeStatistics, _ range: Range<Int>) {
        for i in range {
            statistics.record(TaskMetrics(episodeReturn: Double(i * i % 17), length: i + 1, success: i % 3 == 0), order: Double(i))
        }
    }

    /// A restored window gives the summaries the saved one gives, before and after more
    /// episodes (which overwrite its oldest entries first), with a full and a partial window.
    func testARestoredEpisodeWindowSummarisesAsTheSavedOne() throws {
        let world = try Communicator.world()
        for recorded in [37, 250] {
            let saved = EpisodeStatistics()
            record(saved, 0..<recorded)
            _ = try saved.reduce(over: world)
            record(saved, recorded..<(recorded + 5))
            let restored = EpisodeStatistics()
            try restored.restoreProgress(saved.savedProgress)
            XCTAssertEqual(restored.savedProgress, saved.savedProgress)
            XCTAssertEqual(try restored.reduce(over: world), try saved.reduce(over: world))
            record(saved, 1000..<1060)
            record(restored, 1000..<1060)
            XCTAssertEqual(try restored.reduce(over: world), try saved.reduce(over: world))
        }
        XCTAssertThrowsError(try EpisodeStatistics().restoreProgress([0, 0, 0, 0, 0, (101.0).bitPattern]))
    }

    func testRankProgressSurvivesPackingAndTheCheckpointFile() throws {
        let progress = [
            RankProgress(tasks: [1, 2, 3], continuation: [UInt64.max, 0], episodes: [7]),
            RankProgress(tasks: nil, continuation: [4], episodes: [5, 6]),
        ]
        for rank in progress { XCTAssertEqual(try RankProgress(packed: rank.packed), rank) }
        XCTAssertThrowsError(try RankProgress(packed: Array(progress[0].packed.dropLast())))

        let parameters = ParameterStore()
        _ = parameters.register("w", shape: [2], initialValues: [1, 2])
        var state = TrainerState()
        state.totalSteps = 64
        state.seeds = [1, 2]
        state.worldSize = 2
        state.generatorStates = [[1, 2, 3, 4], [5, 6, 7, 8]]
        state.progress = progress
        let file = TrainerCheckpoint.contents(tag: "t", parameters: parameters, optimizer: SGD(learningRate: 1), optimizerName: "sgd", state: state)
        let read = try SafetensorsFile(bytes: file.serialized(), source: "memory")
        XCTAssertEqual(try TrainerCheckpoint.trainerState(from: read, path: "memory"), state)
        try TrainerCheckpoint.restoreParameters(from: read, path: "memory", tag: "t", into: parameters)

        let older = SafetensorsFile(tensors: file.tensors.filter { !$0.name.hasPrefix("progress.") }, metadata: file.metadata)
        XCTAssertEqual(try TrainerCheckpoint.trainerState(from: older, path: "older").progress, [], "an older checkpoint resumes with new episodes")
        let broken = SafetensorsFile(tensors: file.tensors.filter { $0.name != "progress.rank1.episodes" }, metadata: file.metadata)
        XCTAssertThrowsError(try TrainerCheckpoint.trainerState(from: broken, path: "broken")) {
            XCTAssertTrue("\($0)".contains("no state in progress for rank 1"), "\($0)")
        }
    }
}
