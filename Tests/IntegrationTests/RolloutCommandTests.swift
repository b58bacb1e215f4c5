import Foundation
import XCTest

/// `exptrain rollout`: what it writes, checked against CartPole's published equations.
final class RolloutCommandTests: XCTestCase {
    func testCartPoleRolloutFollowsGymnasiumDynamics() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let out = folder.appendingPathComponent("cartpole.jsonl")
        let result = try JobRunner.exptrain(["rollout", "cartpole-ppo", "--seed", "3", "--episodes", "4", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = try jsonLines(in: out)
        XCTAssertEqual(Set(lines.compactMap { $0["episode"] as? Int }), [0, 1, 2, 3])

        var previous: [Double] = []
        for line in lines {
            let observation = try XCTUnwrap(line["observation"] as? [Double])
            XCTAssertEqual(observation.count, 4)
            guard let action = line["action"] as? Int else {
                // An episode's first line: the reset observation, uniform in ±0.05.
                XCTAssertEqual(line["step"] as? Int, 0)
                XCTAssertTrue(line["reward"] is NSNull)
                for value in observation { XCTAssertLessThanOrEqual(abs(value), 0.05) }
                previous = observation
                continue
            }
            // Gymnasium CartPole-v1: gravity 9.8, masses 1.0 and 0.1, half-length 0.5,
            // force 10, τ = 0.02, Euler integration (position first, with the old velocity).
            let (x, xDot, theta, thetaDot) = (previous[0], previous[1], previous[2], previous[3])
            let force = action == 1 ? 10.0 : -10.0
            let temp = (force + 0.05 * thetaDot * thetaDot * sin(theta)) / 1.1
            let thetaAcc = (9.8 * sin(theta) - cos(theta) * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos(theta) * cos(theta) / 1.1))
            let xAcc = temp - 0.05 * thetaAcc * cos(theta) / 1.1
            let expected = [x + 0.02 * xDot, xDot + 0.02 * xAcc, theta + 0.02 * thetaDot, thetaDot + 0.02 * thetaAcc]
            for (value, reference) in zip(observation, expected) {
                XCTAssertEqual(value, reference, accuracy: 1e-5 * max(1, abs(reference)))
            }
            XCTAssertEqual(line["reward"] as? Double, 1)
            let fell = abs(expected[0]) > 2.4 || abs(expected[2]) > 12 * 2 * Double.pi / 360
            XCTAssertEqual(line["done"] as? Bool, fell, "termination at step \(line["step"] ?? "?")")
            XCTAssertEqual(line["truncated"] as? Bool, false)
            // Observations are Float32: continue from what the file says, as Gymnasium's
            // state is the float64 the observation was rounded from.
            previous = expected
        }
    }

    func testRolloutOfAnUnknownTagIsExitTwo() throws {
        let result = try JobRunner.exptrain(["rollout", "no-such-tag", "--seed", "1", "--episodes", "1", "--out", "/dev/null"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.standardError.contains("unknown experiment tag 'no-such-tag'; choices: cartpole-ppo"), result.standardError)
    }

    func testMiniGridRolloutWritesTheEgocentricView() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let out = folder.appendingPathComponent("grid.jsonl")
        let result = try JobRunner.exptrain(["rollout", "minigrid-doorkey-ppo", "--seed", "1", "--episodes", "1", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = try jsonLines(in: out)
        XCTAssertGreaterThan(lines.count, 1)
        for line in lines {
            let view = try XCTUnwrap(line["observation"] as? [Double])
            XCTAssertEqual(view.count, 7 * 7 * 3)
        }
        // A random policy rarely solves DoorKey: the episode ends by truncation at 250 steps.
        let last = try XCTUnwrap(lines.last)
        XCTAssertEqual(last["done"] as? Bool, true)
        if last["truncated"] as? Bool == true { XCTAssertEqual(last["step"] as? Int, 250) }
    }
}
