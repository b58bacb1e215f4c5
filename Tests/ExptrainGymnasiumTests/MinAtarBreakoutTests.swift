import ExptrainEnvironment
import ExptrainGymnasium
import ExptrainTasks
import Foundation
import XCTest

/// exptrain's native MinAtar Breakout against the `minatar` package itself, and the
/// package through the bridge. Here rather than in ExptrainTasksTests because both need
/// the bridge's Python (`scripts/common.sh`'s venv has `minatar`).
final class MinAtarBreakoutTests: XCTestCase {
    override func setUpWithError() throws {
        try GymnasiumTestPython.require(modules: ["minatar.gym"])
    }

    /// `scripts/oracles/minatar_breakout_reference.py` plays `MinAtar/Breakout-v1` and
    /// records MinAtar's own random draws (ball start, sticky-action draw); the native game
    /// replays each episode with the same draws and must agree on every observation,
    /// reward and end flag.
    func testNativeGameMatchesTheMinAtarPackageStepByStep() throws {
        let lines = try oracle(episodes: 300, seed: 3)
        let header = try XCTUnwrap(lines.first)
        XCTAssertTrue(header["max_episode_steps"] is NSNull, "MinAtar/Breakout-v1 registers no step limit, as the native task has none")
        XCTAssertEqual(header["actions"] as? Int, MinAtarBreakoutTask.actionSet.count)
        var steps = 0, terminations = 0, bricks = 0, stuck = 0, refills = 0
        var state = [UInt8](repeating: 0, count: MinAtarBreakoutGame.stateSize)
        for (number, episode) in lines.dropFirst().enumerated() {
            var game = MinAtarBreakoutGame(ballStartsRight: try XCTUnwrap(episode["ball_start"] as? Int) == 1)
            var sticky = StickyActions(lastAction: try XCTUnwrap(episode["last_action"] as? Int))
            game.writeState(into: &state)
            XCTAssertEqual(hex(state), episode["reset"] as? String, "episode \(number): reset")
            for (index, row) in try XCTUnwrap(episode["steps"] as? [[Any]]).enumerated() {
                let action = try XCTUnwrap(row[0] as? Int), draw = try XCTUnwrap(row[1] as? Double)
                let executed = sticky.resolve(MinAtarBreakoutTask.actionSet[action], draw: draw)
                if executed != MinAtarBreakoutTask.actionSet[action] { stuck += 1 }
                let hadBricks = game.bricks.contains(true)
                let reward = game.act(executed)
                if !hadBricks && game.bricks.contains(true) { refills += 1 }
                game.writeState(into: &state)
                let context = "episode \(number) (\(episode["policy"] ?? "")), step \(index + 1)"
                XCTAssertEqual(hex(state), row[2] as? String, context)
                XCTAssertEqual(Double(reward), row[3] as? Double, context)
                XCTAssertEqual(game.isTerminal, row[4] as? Bool, context)
                XCTAssertEqual(false, row[5] as? Bool, context)
                if hex(state) != row[2] as? String { return }  // the first divergence says it all
                steps += 1
                bricks += reward
                if game.isTerminal { terminations += 1 }
            }
        }
        XCTAssertEqual(lines.count, 301)
        XCTAssertGreaterThan(terminations, 250, "most episodes end with the ball lost")
        XCTAssertGreaterThan(stuck, 100, "sticky actions repeated the last action")
        XCTAssertGreaterThan(refills, 0, "the wall was cleared and refilled")
        XCTAssertGreaterThan(bricks, 1_000, "the ball-following episodes break many bricks: \(bricks) in \(steps) steps")
    }

    /// `MinAtar/Breakout-v1` as a user's package through the bridge: `envSetup` registers
    /// it, its `Box(bool)` 10×10×4 observation becomes one UInt8 part of the native
    /// task's shape, and stepping it gives MinAtar's observations (one paddle in row 9,
    /// one ball, 30 bricks at the start).
    func testMinAtarThroughTheBridgeWithItsSetUpFunction() throws {
        let sampler = try GymnasiumTaskSampler(GymnasiumSamplerArgs(
            environment: try GymnasiumEnvironment(id: "MinAtar/Breakout-v1", setup: "minatar.gym:register_envs"),
            seed: 5, episodeCount: nil, worker: GymnasiumWorkerSettings(timeout: 30, processIndex: 0)))
        XCTAssertEqual(sampler.spaces.actionSpace, MinAtarBreakoutTask(seed: 0).actionSpace)
        XCTAssertEqual(sampler.spaces.observationSpace, MinAtarBreakoutTask.space)
        XCTAssertNil(sampler.spaces.maxEpisodeSteps)
        let batch = try XCTUnwrap(try sampler.makeBatch(environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        func channelCount(_ channel: MinAtarBreakoutGame.Channel, environment: Int) -> Int {
            var floats = [Float](), bytes = [UInt8](repeating: 2, count: MinAtarBreakoutGame.stateSize)
            floats.withUnsafeMutableBufferPointer { floats in
                bytes.withUnsafeMutableBufferPointer { bytes in batch.writeObservation(of: environment, floats: floats, bytes: bytes) }
            }
            XCTAssertTrue(bytes.allSatisfy { $0 <= 1 })
            return stride(from: channel.rawValue, to: bytes.count, by: 4).filter { bytes[$0] == 1 }.count
        }
        XCTAssertEqual(channelCount(.brick, environment: 0), 30)
        var ended = 0
        for step in 0..<200 {
            try batch.step([.discrete(step % 3), .discrete(2)], into: outcome)
            ended += outcome.finished.count
            for environment in 0..<2 {
                XCTAssertEqual(channelCount(.paddle, environment: environment), 1)
                XCTAssertEqual(channelCount(.ball, environment: environment), 1)
            }
        }
        XCTAssertGreaterThan(ended, 0, "episodes ended and were reset")
    }

    private func oracle(episodes: Int, seed: Int) throws -> [[String: Any]] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/oracles/minatar_breakout_reference.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [GymnasiumWorkerSettings.defaultPython, script, "--episodes", "\(episodes)", "--seed", "\(seed)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "the oracle failed")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
