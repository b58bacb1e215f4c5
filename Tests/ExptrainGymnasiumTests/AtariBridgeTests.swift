import ExptrainEnvironment
import ExptrainGymnasium
import Foundation
import XCTest

/// Atari through the bridge with Gymnasium's own preprocessing given as `envWrappers`
/// (the README's `atari-ppo` settings): `ALE/Breakout-v5` with `frameskip=1`, then
/// `AtariPreprocessing` and a 4-frame `FrameStackObservation`, whose Box(uint8) [4, 84, 84]
/// becomes one UInt8 part.
final class AtariBridgeTests: XCTestCase {
    override func setUpWithError() throws {
        try GymnasiumTestPython.require(modules: ["ale_py", "cv2"])
    }

    func testPreprocessedBreakoutFramesReachTheRankAsStackedBytes() throws {
        let environment = try GymnasiumEnvironment(
            id: "ALE/Breakout-v5", keywordArguments: #"{"frameskip": 1, "repeat_action_probability": 0.0}"#, imports: ["ale_py"],
            wrappers: """
                [{"wrapper": "gymnasium.wrappers:AtariPreprocessing",
                  "kwargs": {"noop_max": 30, "frame_skip": 4, "screen_size": 84, "terminal_on_life_loss": false, "grayscale_obs": true}},
                 {"wrapper": "gymnasium.wrappers:FrameStackObservation", "kwargs": {"stack_size": 4}}]
                """)
        let sampler = try GymnasiumTaskSampler(GymnasiumSamplerArgs(
            environment: environment, seed: 3, worker: GymnasiumWorkerSettings(timeout: 60, processIndex: 0)))
        XCTAssertEqual(sampler.spaces.actionSpace, .discrete(count: 4))
        XCTAssertEqual(sampler.spaces.observationSpace, .box(Box(shape: [4, 84, 84], low: 0, high: 255, elementType: .uint8)))
        let batch = try XCTUnwrap(try sampler.makeBatch(environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        let frame = 84 * 84
        func frames(_ environment: Int) -> [UInt8] {
            var floats = [Float](), bytes = [UInt8](repeating: 0, count: 4 * frame)
            floats.withUnsafeMutableBufferPointer { floats in
                bytes.withUnsafeMutableBufferPointer { bytes in batch.writeObservation(of: environment, floats: floats, bytes: bytes) }
            }
            return bytes
        }
        var previous = [frames(0), frames(1)]
        var shifted = 0
        for step in 0..<40 {
            try batch.step([.discrete(1), .discrete(step % 4)], into: outcome)   // 1 is FIRE
            for environment in 0..<2 where !outcome.episodeEnded[environment] {
                let now = frames(environment)
                // The stack moves one frame on: the newest three of the last step are the oldest three now.
                XCTAssertEqual(Array(now[0..<(3 * frame)]), Array(previous[environment][frame..<(4 * frame)]), "step \(step)")
                XCTAssertTrue(now.contains { $0 > 0 }, "a grayscale frame")
                previous[environment] = now
                shifted += 1
            }
        }
        XCTAssertGreaterThan(shifted, 70)
    }
}
