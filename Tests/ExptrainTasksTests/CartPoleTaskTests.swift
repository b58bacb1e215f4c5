import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

/// Reference states below were produced by `scripts/oracles/cartpole_reference.py`
/// with Gymnasium 1.4.0 (`gym.make("CartPole-v1")`, `env.unwrapped.state` set to the
/// start, states printed with `repr`), so they must match to the last bit.
final class CartPoleTaskTests: XCTestCase {
    private func state(_ x: Double, _ xDot: Double, _ theta: Double, _ thetaDot: Double) -> CartPoleState {
        CartPoleState(x: x, xDot: xDot, theta: theta, thetaDot: thetaDot)
    }

    func testMixedActionTrajectoryMatchesGymnasiumExactly() throws {
        let actions = [1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        // After steps 1, 2, 10 and 20.
        let expected: [Int: CartPoleState] = [
            1: state(0.009600000000000001, 0.17467919574755525, 0.030799999999999998, -0.2430687179600081),
            2: state(0.013093583914951107, 0.3693479760579556, 0.025938625640799837, -0.5258796280501483),
            10: state(0.0330752267376914, -0.021722714704495077, 0.0023459644800120118, 0.07798192441069801),
            20: state(0.08742979338882174, -0.017606244047550512, -0.07349224625503928, -0.012846060369595014),
        ]
        let task = CartPoleTask(initialState: state(0.01, -0.02, 0.03, 0.04))
        for (index, action) in actions.enumerated() {
            let result = try task.step(action: .discrete(action))
            XCTAssertEqual(result.reward, 1)
            XCTAssertFalse(result.done)
            if let reference = expected[index + 1] {
                XCTAssertEqual(task.state, reference, "after step \(index + 1)")
                XCTAssertEqual(result.observation.floats, [Float(reference.x), Float(reference.xDot), Float(reference.theta), Float(reference.thetaDot)])
            }
        }
        XCTAssertEqual(task.numStepsTaken, 20)
    }

    func testAlwaysPushingRightFromRestTerminatesAtStepNine() throws {
        let task = CartPoleTask(initialState: state(0, 0, 0, 0))
        var rewards: [Float] = []
        var result = try task.step(action: .discrete(1))
        XCTAssertEqual(task.state, state(0.0, 0.1951219512195122, 0.0, -0.2926829268292683))
        rewards.append(result.reward)
        while !result.done {
            result = try task.step(action: .discrete(1))
            rewards.append(result.reward)
        }
        XCTAssertEqual(task.numStepsTaken, 9)
        XCTAssertTrue(result.terminated)
        XCTAssertFalse(result.truncated)
        XCTAssertTrue(task.isDone)
        // The terminating step is paid like every other.
        XCTAssertEqual(rewards, [Float](repeating: 1, count: 9))
        XCTAssertEqual(task.state, state(0.14065097203306187, 1.7603811257683097, -0.21518604988500967, -2.777886494012814))
        XCTAssertEqual(task.metrics(), TaskMetrics(episodeReturn: 9, length: 9, success: nil))
    }

    func testAlwaysPushingLeftTerminatesOnTheAngleAtStepTen() throws {
        let task = CartPoleTask(initialState: state(-0.03, 0.02, -0.04, 0.01))
        var result = try task.step(action: .discrete(0))
        while !result.done { result = try task.step(action: .discrete(0)) }
        XCTAssertEqual(task.numStepsTaken, 10)
        XCTAssertTrue(result.terminated)
        XCTAssertEqual(task.state, state(-0.20138652474902063, -1.9322368519504842, 0.22137738945389962, 3.0149466968341465))
        XCTAssertGreaterThan(task.state.theta, CartPoleTask.thetaThresholdRadians)
    }

    func testBalancedEpisodeIsTruncatedAtFiveHundredSteps() throws {
        let task = CartPoleTask(initialState: state(0.02, 0.0, -0.01, 0.0))
        var result: StepResult
        repeat {
            let s = task.state
            result = try task.step(action: s.theta + 0.5 * s.thetaDot + 0.01 * s.x + 0.1 * s.xDot > 0 ? .discrete(1) : .discrete(0))
        } while !result.done
        XCTAssertEqual(task.numStepsTaken, 500)
        XCTAssertTrue(result.truncated)
        XCTAssertFalse(result.terminated)
        XCTAssertEqual(task.state, state(0.012279939069860081, -8.6968766857487e-05, -0.00016392032509706528, 0.001918468496810044))
        XCTAssertEqual(task.metrics().episodeReturn, 500)
    }

    func testSpacesMatchGymnasium() {
        let task = CartPoleTask(initialState: state(0, 0, 0, 0))
        XCTAssertEqual(task.actionSpace, .discrete(count: 2))
        let box = task.observationSpace.parts[0].box
        XCTAssertEqual(box.shape, [4])
        XCTAssertEqual(box.high, [4.8, .greatestFiniteMagnitude, Float(24 * Double.pi / 180), .greatestFiniteMagnitude])
        XCTAssertEqual(box.low, box.high.map { -$0 })
        XCTAssertEqual(task.maxSteps, 500)
        XCTAssertEqual(CartPoleTask.thetaThresholdRadians, 0.20943951023931953)
    }

    func testRandomStartsStayWithinFiveHundredths() {
        var rng = RandomGenerator(seed: 11)
        for _ in 0..<1_000 {
            let start = CartPoleState.random(using: &rng)
            for component in [start.x, start.xDot, start.theta, start.thetaDot] {
                XCTAssertTrue(component >= -0.05 && component < 0.05)
            }
        }
    }
}
