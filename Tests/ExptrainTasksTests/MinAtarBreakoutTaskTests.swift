import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

/// The native MinAtar Breakout on its own; `MinAtarBreakoutTests` (ExptrainGymnasiumTests)
/// checks it step by step against the `minatar` package.
final class MinAtarBreakoutTaskTests: XCTestCase {
    private func cells(_ state: [UInt8], _ channel: MinAtarBreakoutGame.Channel) -> [[Int]] {
        (0..<100).filter { state[$0 * 4 + channel.rawValue] == 1 }.map { [$0 % 10, $0 / 10] }
    }

    /// From the left start (column 0, row 3, down-right) the ball reaches row 9 at column 6
    /// on the 6th step; the paddle never moved from column 4, so the ball is lost.
    func testBallPastTheStillPaddleTerminatesOnTheSixthStep() {
        var game = MinAtarBreakoutGame(ballStartsRight: false)
        var state = [UInt8](repeating: 0, count: MinAtarBreakoutGame.stateSize)
        game.writeState(into: &state)
        XCTAssertEqual(cells(state, .ball), [[0, 3]])
        XCTAssertEqual(cells(state, .trail), [[0, 3]])
        XCTAssertEqual(cells(state, .paddle), [[4, 9]])
        XCTAssertEqual(cells(state, .brick).count, 30)
        XCTAssertEqual(Set(cells(state, .brick).map { $0[1] }), [1, 2, 3])
        for step in 1...6 {
            XCTAssertEqual(game.act(0), 0)
            XCTAssertEqual(game.isTerminal, step == 6, "step \(step)")
        }
        game.writeState(into: &state)
        XCTAssertEqual(cells(state, .ball), [[6, 9]])
        XCTAssertEqual(cells(state, .trail), [[5, 8]])
        XCTAssertEqual(game.act(3), 0, "a terminal game stays as it is")
        XCTAssertEqual(game.paddle, 4)
    }

    /// From the right start (column 9, down-left) the ball arrives above the paddle (column
    /// 4, row 8) and bounces straight back up-left; going up it breaks the first brick it
    /// meets (row 3, column 1, after the left wall) for +1 and turns down without entering the row.
    func testPaddleBounceAndBrickStrike() {
        var game = MinAtarBreakoutGame(ballStartsRight: true)
        var rewards: [Int] = []
        for _ in 1...6 { rewards.append(game.act(0)) }
        XCTAssertEqual([game.ballX, game.ballY, game.ballDirection], [3, 8, 0], "bounced up-left off the paddle")
        for _ in 1...5 { rewards.append(game.act(0)) }
        XCTAssertEqual(rewards, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        XCTAssertFalse(game.bricks[3 * 10 + 1], "the struck brick is gone")
        XCTAssertEqual(game.bricks.filter { $0 }.count, 29)
        XCTAssertEqual([game.ballX, game.ballY], [1, 4], "the ball stays in its row")
        XCTAssertTrue(game.ballDirection >= 2, "and now moves down")
    }

    func testStickyActionsRepeatTheLastExecutedActionBelowTheProbability() {
        var sticky = StickyActions(probability: 0.1)
        XCTAssertEqual(sticky.resolve(3, draw: 0.05), 0, "the first step repeats the no-op")
        XCTAssertEqual(sticky.resolve(3, draw: 0.1), 3)
        XCTAssertEqual(sticky.resolve(1, draw: 0.0999), 3)
        XCTAssertEqual(sticky.resolve(1, draw: 0.5), 1)
        XCTAssertEqual(sticky.lastAction, 1)
    }

    /// The task maps Discrete(3) onto MinAtar's 0, 1, 3, draws one sticky draw per step,
    /// and without stickiness the paddle follows every action.
    func testTaskActionsSpacesAndMetrics() throws {
        let task = MinAtarBreakoutTask(seed: 11, stickyActionProbability: 0)
        XCTAssertEqual(task.actionSpace, .discrete(count: 3))
        XCTAssertEqual(task.observationSpace.byteCount, 400)
        XCTAssertEqual(task.observationSpace.parts[0].box.shape, [10, 10, 4])
        XCTAssertEqual(task.maxSteps, .max)
        _ = try task.step(action: .discrete(2))
        _ = try task.step(action: .discrete(2))
        XCTAssertEqual(task.game.paddle, 6)
        let result = try task.step(action: .discrete(1))
        XCTAssertEqual(task.game.paddle, 5)
        XCTAssertEqual(cells(result.observation.bytes, .paddle), [[5, 9]])
        XCTAssertThrowsError(try task.step(action: .discrete(3)))
        var result2 = result
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<10_000 where !result2.done { result2 = try task.step(action: .discrete(rng.nextInt(below: 3))) }
        XCTAssertTrue(result2.terminated)
        XCTAssertFalse(result2.truncated)
        XCTAssertEqual(task.metrics().length, task.numStepsTaken)
        XCTAssertThrowsError(try task.step(action: .discrete(0)), "a finished episode")
    }

    func testMaxStepsTruncates() throws {
        let task = MinAtarBreakoutTask(seed: 2, stickyActionProbability: 1, maxSteps: 3)
        var results: [StepResult] = []
        for _ in 0..<3 { results.append(try task.step(action: .discrete(0))) }
        XCTAssertEqual(results.map(\.truncated), [false, false, true])
        XCTAssertTrue(task.isDone)
    }

    /// Same seed, same episodes; other seeds give both ball starts.
    func testSamplerIsDeterministicGivenItsSeed() throws {
        func episode(_ sampler: MinAtarBreakoutTaskSampler) throws -> [UInt8] {
            let task = try XCTUnwrap(sampler.nextTask())
            var trace: [UInt8] = task.currentObservation.bytes
            var rng = RandomGenerator(seed: 99)
            while !task.isDone { trace += try task.step(action: .discrete(rng.nextInt(below: 3))).observation.bytes }
            return trace
        }
        let first = try (0..<5).map { _ in try episode(MinAtarBreakoutTaskSampler(seed: 4)) }
        XCTAssertEqual(Set(first).count, 1)
        let sampler = MinAtarBreakoutTaskSampler(seed: 4, episodeCount: 20)
        let traces = try (0..<20).map { _ in try episode(sampler) }
        XCTAssertEqual(traces[0], first[0])
        XCTAssertNil(sampler.nextTask())
        XCTAssertEqual(Set(traces.map { Array($0.prefix(400)) }).count, 2, "both ball starts among 20 episodes")
        sampler.reset()
        XCTAssertEqual(try episode(sampler), traces[0])
    }
}
